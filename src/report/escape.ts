// The one place where text that mlops-gate did not write itself (registry names, descriptions, tag
// values, server messages, gate messages that quote them, config values) becomes markdown, HTML,
// XML, a terminal line or a link. Every renderer goes through here; nothing else escapes.
//
// Markdown/HTML (`md`): the same output is safe in a markdown paragraph, a table cell, a list item
// and inside raw HTML (`<summary>`, `<sub>`): every character markdown or HTML could act on is a
// numeric character reference, which both render as the literal character and neither parses as
// syntax. GitHub's own text filters run after rendering, on the decoded text, so references alone
// do not stop them: `@user`/`@org/team` mentions, `#123` references, `:emoji:` shortcodes and
// autolinked URLs are broken by an invisible WORD JOINER (U+2060) instead. Our own status marks
// (✅ ❌ …) never come from data, so data cannot print a "✅ PASS" that looks like ours.

/** Invisible, not a space: stops GitHub's mention, reference, emoji and autolink detection. */
const JOINER = '\u2060';

/** Status marks that mean something in our reports; in data they are replaced by U+FFFD. */
const OUR_MARKS = /[\u2705\u274C\u26A0\u{1F6D1}\u23ED\u{1F6E1}\u231B\u2611\u2610\u2714\u2716\u2713\u2717\u{1F51C}\u23F8\u{1F7E2}\u{1F534}\u{1F7E1}\u27A1]\uFE0F?/gu;

/** C0/C1 controls (ESC included: no terminal escape sequences), and bidi overrides (no reordered text). */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROLS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/g;
const LINE_BREAKS = /[\t\r\n\u2028\u2029\u0085]+/g;

/**
 * Markdown or HTML syntax characters → character references. Quotes stay: data is only ever text
 * (never an attribute value or a link title, since `[`, `]` and `<` are escaped).
 */
const MD_SPECIAL: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '|': '&#124;',
  '\\': '&#92;',
  '`': '&#96;',
  '*': '&#42;',
  _: '&#95;',
  '~': '&#126;',
  '[': '&#91;',
  ']': '&#93;',
  '#': '&#35;',
  '!': '&#33;',
  $: '&#36;',
};

/** One line of plain text: no controls, no line breaks, none of our marks, at most `max` characters. */
export function plain(value: unknown, max = 400): string {
  const s = String(value ?? '')
    .replace(LINE_BREAKS, ' ')
    .replace(CONTROLS, '')
    .replace(OUR_MARKS, '\uFFFD')
    .replace(/ {2,}/g, ' ')
    .trim();
  return truncate(s, max);
}

/** Cut to `max` characters (code points), ending with "…" when cut. */
export function truncate(s: string, max: number): string {
  const chars = [...s];
  return chars.length <= max ? s : `${chars.slice(0, Math.max(1, max - 1)).join('')}…`;
}

/**
 * Text from data, for markdown and HTML alike (cells, paragraphs, list items, `<summary>`).
 * One line, at most `max` characters before escaping.
 */
export function md(value: unknown, max = 400): string {
  let s = breakLong(plain(value, max));
  // GitHub's filters on the rendered text: mentions, references, emoji shortcodes, autolinks.
  s = s
    .replace(/@(?=[A-Za-z0-9_-])/g, `@${JOINER}`)
    .replace(/#(?=\d)/g, `#${JOINER}`)
    .replace(/\b(GH)-(?=\d)/gi, `$1-${JOINER}`)
    .replace(/:(?=[A-Za-z0-9_+/-])/g, `:${JOINER}`)
    .replace(/\b(www)\./gi, `$1${JOINER}.`);
  let out = '';
  const chars = [...s];
  chars.forEach((ch, i) => {
    // An underscore between two letters or digits never starts emphasis: `ml_test.churn_payload` stays readable.
    if (ch === '_' && /[A-Za-z0-9]/.test(chars[i - 1] ?? '') && /[A-Za-z0-9]/.test(chars[i + 1] ?? '')) out += ch;
    else out += MD_SPECIAL[ch] ?? ch;
  });
  // A block that starts with data must not become a list, a heading or a rule.
  out = out.replace(/^[-+=]/, (c) => `&#${c.charCodeAt(0)};`).replace(/^(\d{1,9})([.)])(?= |$)/, (_, n: string, p: string) => `${n}&#${p.charCodeAt(0)};`);
  return out;
}

/** Long runs without a space get invisible break opportunities (U+200B), so no cell scrolls sideways. */
const LONG_RUN = 32;
function breakLong(s: string): string {
  return s.replace(new RegExp(`\\S{${String(LONG_RUN)},}`, 'gu'), (run) => {
    const chars = [...run];
    let out = '';
    for (let i = 0; i < chars.length; i++) out += (i > 0 && i % 24 === 0 ? '\u200B' : '') + chars[i]!;
    return out;
  });
}

/**
 * An identifier from the config (gate id, file path) as a markdown code span: copied exactly as
 * written, never parsed as markup, mention, reference or link. One with a pipe (which would split a
 * table cell, and whose escape shows outside tables) is escaped text instead.
 */
export function code(value: unknown, max = 64): string {
  const s = plain(value, max);
  if (s.includes('|')) return md(s, max);
  const longest = Math.max(0, ...[...s.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  const pad = s.startsWith('`') || s.endsWith('`') ? ' ' : '';
  return s.length ? `${fence}${pad}${s}${pad}${fence}` : '';
}

/** Text from data for a terminal or a CI log line: `plain`, and no `::command::` a runner would obey. */
export function term(value: unknown, max = 400): string {
  return plain(value, max).replace(/::/g, `:${JOINER}:`);
}

/** XML text or attribute value (JUnit): escaped, and characters XML 1.0 forbids removed. */
export function xml(value: unknown, max = 4000): string {
  return truncate(
    String(value ?? '')
      // eslint-disable-next-line no-control-regex -- XML 1.0 forbids these characters
      .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '')
      .replace(/[\uD800-\uDFFF]/g, (c, i: number, all: string) => {
        // Keep well-formed surrogate pairs only.
        const code = c.charCodeAt(0);
        if (code <= 0xdbff) return /[\uDC00-\uDFFF]/.test(all[i + 1] ?? '') ? c : '';
        return /[\uD800-\uDBFF]/.test(all[i - 1] ?? '') ? c : '';
      }),
    max,
  ).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] ?? c);
}

/**
 * An http(s) URL safe to put in a markdown link destination, or null. Characters that could end
 * the destination, split a table cell or start markup are percent-encoded.
 */
export function safeUrl(value: unknown): string | null {
  if (typeof value !== 'string' || value.length > 2000) return null;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
  if (url.username || url.password) return null;
  return url.href.replace(/[()|'*[\]<>"` \\]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

/** `[label](url)` with `label` escaped, or just the label when the URL is not a safe http(s) URL. */
export function link(label: string, url: unknown): string {
  const href = safeUrl(url);
  return href ? `[${md(label)}](${href})` : md(label);
}

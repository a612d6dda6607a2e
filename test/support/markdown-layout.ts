// What GitHub would make of a markdown report, measured: its tables (columns, cell lengths, the
// longest unbreakable run in a cell), the HTML elements and attributes it produces, the text a
// reader sees, and code-block line lengths. Markdown is parsed with `marked` (GFM), which is also
// what scripts/render-images.mjs renders with.

import { marked, type Token, type Tokens } from 'marked';

/** Invisible characters we insert (break opportunities, filter breakers). */
const INVISIBLE = /[\u200B\u2060]/g;

const decode = (s: string): string =>
  s
    .replace(/&#(\d+);/g, (_, n: string) => String.fromCodePoint(Number(n)))
    .replace(/&#x([0-9a-f]+);/gi, (_, n: string) => String.fromCodePoint(parseInt(n, 16)))
    .replace(/&nbsp;/g, '\u00a0')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

/** The text a reader sees in a piece of inline markdown (tags dropped, references decoded). */
export const visibleText = (inline: string): string => decode((marked.parseInline(inline, { gfm: true }) as string).replace(/<[^>]*>/g, ''));

export interface TableLayout {
  readonly header: readonly string[];
  /** Every row's cells (header first), as a reader sees them. */
  readonly cells: readonly (readonly string[])[];
  readonly columns: number;
  readonly rows: number;
  /** Per column: the longest cell, in visible characters. */
  readonly maxCell: readonly number[];
  /** The longest run without a break opportunity (space or U+200B) in any cell. */
  readonly longestRun: number;
  readonly longestRunText: string;
}

const walk = (tokens: readonly Token[], visit: (t: Token) => void): void => {
  for (const t of tokens) {
    visit(t);
    const nested = (t as { tokens?: Token[] }).tokens;
    if (nested) walk(nested, visit);
    if (t.type === 'list') for (const item of (t as Tokens.List).items) walk(item.tokens, visit);
  }
};

export function tablesOf(markdown: string): TableLayout[] {
  const tables: TableLayout[] = [];
  walk(marked.lexer(markdown, { gfm: true }), (t) => {
    if (t.type !== 'table') return;
    const table = t as Tokens.Table;
    const cells = [table.header, ...table.rows].map((row) => row.map((c) => visibleText(c.text)));
    let longestRun = 0;
    let longestRunText = '';
    for (const row of cells) {
      for (const cell of row) {
        for (const run of cell.split(/[\s\u200B]+/)) {
          const n = [...run.replace(INVISIBLE, '')].length;
          if (n > longestRun) [longestRun, longestRunText] = [n, run];
        }
      }
    }
    tables.push({
      header: cells[0]!,
      cells,
      columns: table.header.length,
      rows: table.rows.length,
      maxCell: table.header.map((_, i) => Math.max(...cells.map((row) => [...(row[i] ?? '').replace(INVISIBLE, '')].length))),
      longestRun,
      longestRunText,
    });
  });
  return tables;
}

/** Lines of fenced code blocks (they never wrap: a long one scrolls sideways). */
export function codeLines(markdown: string): string[] {
  const lines: string[] = [];
  walk(marked.lexer(markdown, { gfm: true }), (t) => {
    if (t.type === 'code') lines.push(...(t as Tokens.Code).text.split('\n'));
  });
  return lines;
}

export interface HtmlShape {
  /** Element names in document order (`/name` for a closing tag). */
  readonly elements: readonly string[];
  /** `element attribute` pairs. */
  readonly attributes: readonly string[];
  readonly hrefs: readonly string[];
  /** Text nodes, decoded, as a reader sees them. */
  readonly text: string;
}

/** The HTML `marked` renders (GitHub renders the same elements), reduced to what can be checked. */
export function htmlOf(markdown: string): HtmlShape {
  const html = marked.parse(markdown, { gfm: true, async: false });
  const elements: string[] = [];
  const attributes: string[] = [];
  const hrefs: string[] = [];
  for (const m of html.matchAll(/<(\/?)([a-zA-Z][\w-]*)([^>]*)>/g)) {
    const name = m[2]!.toLowerCase();
    elements.push(`${m[1]}${name}`);
    if (m[1]) continue;
    for (const a of m[3]!.matchAll(/([^\s=/]+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s>]+))?/g)) {
      attributes.push(`${name} ${a[1]!.toLowerCase()}`);
      if (a[1]!.toLowerCase() === 'href') hrefs.push(decode((a[2] ?? '').replace(/^["']|["']$/g, '')));
    }
  }
  const text = decode(html.replace(/<!--[\s\S]*?-->/g, '').replace(/<[^>]*>/g, ' '));
  return { elements, attributes, hrefs, text };
}

/** Elements our reports may produce. */
export const ALLOWED_ELEMENTS = new Set(['h3', 'h4', 'p', 'table', 'thead', 'tbody', 'tr', 'th', 'td', 'details', 'summary', 'b', 'br', 'sub', 'code', 'a', 'ol', 'ul', 'li', 'hr', 'strong', 'em', 'pre']);
export const ALLOWED_ATTRIBUTES = new Set(['details open', 'a href', 'code class', 'th align', 'td align', 'ol start']);

// YAML text → plain JS value, with the source position of every node kept by JSON pointer, and
// `${VAR}` interpolation applied to string scalars. Pure: the environment comes in as data.
//
// Bounded: the text is checked first (size, encoding; text.ts), nesting is measured while the
// parser runs (it stops at the first node deeper than LIMITS.depth, before the recursive composer
// sees it), aliases are expanded here against a node budget (LIMITS.aliasNodes), and duplicate
// keys are found with one set per mapping. Every step is linear in the text.

import { Composer, CST, isAlias, isMap, isPair, isScalar, isSeq, Lexer, LineCounter, Parser, visit } from 'yaml';
import type { Document, Node as YamlNode } from 'yaml';
import type { Diagnostic } from '../errors.js';
import { formatCount, LIMITS } from './limits.js';
import { interpolateVariables } from './template.js';
import { checkText } from './text.js';
import type { SourcePosition } from './types.js';

interface NodePositions {
  /** Where the value starts (for an empty value: just after the key's colon). */
  readonly value: SourcePosition;
  /** Where the key starts, for mapping entries. */
  readonly key: SourcePosition | null;
  /** Offset of the value's first character in the text (-1 when there is no value node). */
  readonly offset: number;
}

/** One parsed file: its value and a position for every JSON pointer in it. */
export interface SourceDocument {
  readonly file: string;
  readonly value: unknown;
  readonly positions: ReadonlyMap<string, NodePositions>;
  /** Pointers whose string could not be interpolated: already reported, so the schema stays quiet. */
  readonly unresolved: ReadonlySet<string>;
  /** The file's text, to place a position inside a scalar (see positionWithin). */
  readonly text?: string;
}

export const escapePointerSegment = (segment: string): string =>
  segment.includes('~') || segment.includes('/') ? segment.replace(/~/g, '~0').replace(/\//g, '~1') : segment;
export const pointerJoin = (base: string, segment: string | number): string =>
  `${base}/${escapePointerSegment(String(segment))}`;

const nearest = (doc: SourceDocument, pointer: string): NodePositions | null => {
  let current = pointer;
  for (;;) {
    const found = doc.positions.get(current);
    if (found) return found;
    if (current === '') return null;
    current = current.slice(0, current.lastIndexOf('/'));
  }
};

/** The value position of `pointer`, or of its nearest ancestor that has one. */
export const positionOf = (doc: SourceDocument, pointer: string, which: 'value' | 'key' = 'value'): SourcePosition => {
  const found = nearest(doc, pointer);
  if (!found) return { file: doc.file, line: 1, column: 1 };
  return which === 'key' ? (found.key ?? found.value) : found.value;
};

/**
 * The position of character `index` of the string at `pointer`, in any style the string is written:
 * plain or quoted (one line or folded over several), or a block scalar (`|`, `>`). The value and
 * the text are walked together: characters other than white space must correspond one for one
 * (white space may differ: indentation, folded line breaks). Where they stop corresponding (an
 * escape sequence, an interpolated variable) the string's own position is returned instead.
 */
export const positionWithin = (doc: SourceDocument, pointer: string, index: number): SourcePosition => {
  const found = doc.positions.get(pointer);
  const value = lookup(doc.value, pointer);
  if (!found || doc.text === undefined || typeof value !== 'string' || found.offset < 0) return positionOf(doc, pointer);
  const text = doc.text;
  const space = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\n' || c === '\r';
  let at = found.offset;
  const first = text[at];
  let quote: string | null = null;
  if (first === '|' || first === '>') {
    at = text.indexOf('\n', at);
    if (at < 0) return found.value;
    at += 1;
  } else if (first === '"' || first === "'") {
    quote = first;
    at += 1;
    // A double-quoted string with escape sequences: positions inside it are not exact, use its start.
    if (quote === '"') {
      for (let i = at; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') return found.value;
    }
  }
  const target = Math.max(0, Math.min(Math.floor(index), value.length));
  for (let v = 0; v < target; v++) {
    const c = value[v];
    if (space(c)) continue;
    while (at < text.length && space(text[at])) at++;
    if (quote === "'" && c === "'") {
      if (text.slice(at, at + 2) !== "''") return found.value;
      at += 2;
      continue;
    }
    if (text[at] !== c) return found.value;
    at++;
  }
  if (target < value.length && !space(value[target])) while (at < text.length && space(text[at])) at++;
  const lineStart = text.lastIndexOf('\n', at - 1) + 1;
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < at; i = text.indexOf('\n', i + 1)) line++;
  return { file: found.value.file, line, column: at - lineStart + 1 };
};

const lookup = (root: unknown, pointer: string): unknown => {
  if (pointer === '') return root;
  let node = root;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
};

const yamlErrorMessage = (code: string, message: string): string => {
  if (code === 'TAB_AS_INDENT') return 'tabs are not allowed for indentation in YAML; indent with spaces';
  if (/call stack/i.test(message)) return `nesting is too deep (more than ${LIMITS.depth} levels)`;
  return `invalid YAML: ${message.replace(/\s*\(.*?YAML\.\w+\(\).*?\)/g, '')}`;
};

export interface ParseOutcome {
  readonly doc: SourceDocument;
  readonly diagnostics: Diagnostic[];
  /** False when the YAML itself is broken: the value must not be validated further. */
  readonly syntaxOk: boolean;
}

const failed = (file: string, text: string, diagnostics: Diagnostic[]): ParseOutcome => ({
  doc: { file, value: null, positions: new Map(), unresolved: new Set(), text },
  diagnostics,
  syntaxOk: false,
});

const error = (code: string, message: string, position: SourcePosition, extra: { path?: string; hint?: string } = {}): Diagnostic => ({
  severity: 'error',
  code,
  message,
  path: extra.path ?? '',
  position,
  ...(extra.hint ? { hint: extra.hint } : {}),
});

/** Lexer tokens that make a node: a plain scalar (its marker), quoted scalars, block scalars, aliases. */
const NODE_TOKENS: ReadonlySet<string> = new Set(['scalar', 'single-quoted-scalar', 'double-quoted-scalar', 'block-scalar-header', 'alias']);

const depthMessage = `nesting is deeper than ${LIMITS.depth} levels (a config nests about 8 deep)`;

/** Parse one YAML file. Errors (syntax, duplicate keys, unset variables, budgets) come back as diagnostics. */
export const parseSource = (
  file: string,
  text: string,
  env: Readonly<Record<string, string | undefined>>,
): ParseOutcome => {
  const textProblems = checkText(file, text);
  if (textProblems.length > 0) return failed(file, text, textProblems);

  const lineCounter = new LineCounter();
  const at = (offset: number): SourcePosition => {
    const { line, col } = lineCounter.linePos(offset);
    return { file, line, column: col };
  };

  // CST first, one lexeme at a time, so nesting is measured before anything recursive runs.
  const parser = new Parser(lineCounter.addNewLine);
  lineCounter.addNewLine(0);
  const tokens: CST.Token[] = [];
  let nodes = 0;
  for (const lexeme of new Lexer().lex(text, false)) {
    if (NODE_TOKENS.has(CST.tokenType(lexeme) ?? '') && ++nodes > LIMITS.nodes) {
      return failed(file, text, [
        error('too-many', `the file holds more than ${formatCount(LIMITS.nodes)} keys and values; a config or policy file may hold at most ${formatCount(LIMITS.nodes)}`, at(parser.offset), {
          hint: 'this is where the limit is crossed; a config for 5,000 models holds about 50,000',
        }),
      ]);
    }
    for (const token of parser.next(lexeme)) tokens.push(token);
    // The stack holds the document, each open collection and at most one pending scalar/pair.
    if (parser.stack.length > LIMITS.depth + 3) {
      return failed(file, text, [error('too-deep', depthMessage, at(parser.offset), { hint: 'is this file generated? flatten it' })]);
    }
  }
  for (const token of parser.end()) tokens.push(token);

  const composer = new Composer({ uniqueKeys: false, strict: true });
  const documents = [...composer.compose(tokens, true, text.length)];
  const document = documents[0];
  if (!document) return failed(file, text, [error('yaml-syntax', 'invalid YAML: the file holds no document', at(0))]);
  if (documents.length > 1) {
    const second = tokens.filter((t) => t.type === 'document')[1];
    return failed(file, text, [
      error('yaml-syntax', 'the file holds more than one YAML document; it must be a single document', at(second?.offset ?? documents[1]?.range[0] ?? 0), {
        hint: 'remove the second "---" line (one "---" at the very top is fine)',
      }),
    ]);
  }

  const lineText = (line: number): string => text.slice(lineCounter.lineStarts[line - 1] ?? 0, lineCounter.lineStarts[line] ?? text.length);
  const diagnostics: Diagnostic[] = [];
  // After the first syntax error the parser reports its consequences token by token: keep that one.
  const first = document.errors[0];
  if (first) {
    // An unclosed quote is reported where the file ends; the useful place is where it opens.
    const unclosed = first.code === 'MISSING_CHAR' && /quote/.test(first.message) ? unclosedQuote(tokens) : null;
    if (unclosed !== null) {
      return failed(file, text, [error('yaml-syntax', 'invalid YAML: this quoted string is never closed', at(unclosed), { hint: 'add the closing quote' })]);
    }
    const position = at(first.pos[0]);
    const row = lineText(position.line);
    const flowHint = /\$\{/.test(row) && /[{[]/.test(row.replace(/\$\{[^}]*\}/g, ''))
      ? 'inside { } or [ ], quote values that contain ${...}, e.g. "ml_${env}"'
      : undefined;
    diagnostics.push(error('yaml-syntax', yamlErrorMessage(first.code, first.message), position, flowHint ? { hint: flowHint } : {}));
  }
  for (const warning of document.warnings.slice(0, LIMITS.diagnostics)) {
    diagnostics.push({ severity: 'warning', code: 'yaml-warning', message: warning.message, path: '', position: at(warning.pos[0]) });
  }
  if (first) return { ...failed(file, text, diagnostics) };

  const ctx: WalkContext = {
    file,
    at,
    env,
    positions: new Map(),
    diagnostics,
    unresolved: new Set(),
    aliasTargets: resolveAliases(document),
    expanding: new Set(),
    aliasNodes: 0,
    stopped: false,
    duplicateKeys: false,
    reported: new Set(),
  };
  const value = toValue(ctx, document.contents as YamlNode | null, { pointer: '', key: null, fallback: 0, depth: 0, alias: null });
  const broken = ctx.stopped || ctx.duplicateKeys || diagnostics.some((d) => d.code === 'yaml-syntax');
  return { doc: { file, value, positions: ctx.positions, unresolved: ctx.unresolved, text }, diagnostics, syntaxOk: !broken };
};

/** Offset of the first quoted scalar in the CST that lacks its closing quote, or null. Iterative. */
const unclosedQuote = (tokens: readonly CST.Token[]): number | null => {
  const pending: unknown[] = [...tokens].reverse();
  while (pending.length > 0) {
    const token = pending.pop() as { type?: string; source?: string; offset?: number } | null;
    if (!token || typeof token !== 'object') continue;
    if ((token.type === 'double-quoted-scalar' || token.type === 'single-quoted-scalar') && typeof token.source === 'string') {
      const quote = token.type === 'double-quoted-scalar' ? '"' : "'";
      const body = token.source.slice(1);
      const closed = quote === '"' ? /(^|[^\\])(\\\\)*"$/.test(body) : body.endsWith("'");
      if (token.source.length < 2 || !closed) return token.offset ?? null;
    }
    const children: unknown[] = [];
    for (const key of ['value', 'key', 'items', 'start', 'sep', 'end', 'props'] as const) {
      const child = (token as Record<string, unknown>)[key];
      if (Array.isArray(child)) children.push(...child);
      else if (child && typeof child === 'object') children.push(child);
    }
    pending.push(...children.reverse());
  }
  return null;
};

/**
 * Each alias → the node it names: the last node anchored with that name before it, in document
 * order (YAML's rule). One pass over the document (the library's own lookup walks the whole
 * document for every alias).
 */
const resolveAliases = (document: Document): Map<YamlNode, YamlNode | null> => {
  const anchors = new Map<string, YamlNode>();
  const targets = new Map<YamlNode, YamlNode | null>();
  visit(document, {
    Node: (_key, node) => {
      if (isAlias(node)) targets.set(node, anchors.get(node.source) ?? null);
      else if ((node as { anchor?: string }).anchor) anchors.set((node as { anchor: string }).anchor, node);
    },
  });
  return targets;
};

interface WalkContext {
  readonly file: string;
  readonly at: (offset: number) => SourcePosition;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly positions: Map<string, NodePositions>;
  readonly diagnostics: Diagnostic[];
  readonly unresolved: Set<string>;
  readonly aliasTargets: ReadonlyMap<YamlNode, YamlNode | null>;
  /** Anchored nodes being expanded right now (an alias to one of them is a cycle). */
  readonly expanding: Set<YamlNode>;
  /** Nodes produced so far by expanding aliases. */
  aliasNodes: number;
  /** A budget ran out: the value is incomplete and must not be validated. */
  stopped: boolean;
  duplicateKeys: boolean;
  /** code@offset of diagnostics already reported (an anchored node expanded twice reports once). */
  readonly reported: Set<string>;
}

interface Where {
  readonly pointer: string;
  readonly key: SourcePosition | null;
  /** Offset to use when there is no value node (just after the key). */
  readonly fallback: number;
  /** Collections enclosing this node. */
  readonly depth: number;
  /** The outermost alias being expanded (its offset and name), if any. */
  readonly alias: { readonly offset: number; readonly name: string } | null;
}

const report = (ctx: WalkContext, offset: number, diagnostic: Diagnostic): void => {
  const key = `${diagnostic.code}@${offset}`;
  if (ctx.reported.has(key)) return;
  ctx.reported.add(key);
  ctx.diagnostics.push(diagnostic);
};

const toValue = (ctx: WalkContext, node: YamlNode | null | undefined, where: Where): unknown => {
  if (ctx.stopped) return null;
  const start = node?.range?.[0] ?? where.fallback;
  ctx.positions.set(where.pointer, { value: ctx.at(start), key: where.key, offset: node ? start : -1 });
  if (node === null || node === undefined) return null;
  if (where.alias) {
    ctx.aliasNodes++;
    if (ctx.aliasNodes > LIMITS.aliasNodes) {
      ctx.stopped = true;
      ctx.diagnostics.push(
        error('alias-budget', `alias *${where.alias.name} expands past ${formatCount(LIMITS.aliasNodes)} nodes; aliases may add at most ${formatCount(LIMITS.aliasNodes)} nodes to a file`, ctx.at(where.alias.offset), {
          path: where.pointer,
          hint: 'an alias that names a node full of aliases multiplies them (an "alias bomb"); write the values out, or alias smaller nodes',
        }),
      );
      return null;
    }
  }
  if (isAlias(node)) {
    const target = ctx.aliasTargets.get(node) ?? null;
    if (target === null) {
      report(ctx, start, error('yaml-syntax', `invalid YAML: alias *${node.source} names no anchor &${node.source} defined before it`, ctx.at(start), { path: where.pointer }));
      ctx.stopped = true;
      return null;
    }
    if (ctx.expanding.has(target)) {
      report(ctx, start, error('yaml-syntax', `invalid YAML: alias *${node.source} is inside the node anchored &${node.source}, so it would contain itself`, ctx.at(start), { path: where.pointer }));
      ctx.stopped = true;
      return null;
    }
    ctx.expanding.add(target);
    // Positions inside an alias point at the anchored original; the alias itself keeps its own.
    const value = toValue(ctx, target, { ...where, fallback: start, alias: where.alias ?? { offset: start, name: node.source } });
    ctx.expanding.delete(target);
    ctx.positions.set(where.pointer, { value: ctx.at(start), key: where.key, offset: start });
    return value;
  }
  if (isScalar(node)) return scalarValue(ctx, node.value, where.pointer, start);
  if (!isMap(node) && !isSeq(node)) return null;
  if (where.depth + 1 > LIMITS.depth) {
    ctx.stopped = true;
    ctx.diagnostics.push(error('too-deep', depthMessage, ctx.at(start), { path: where.pointer, hint: 'aliases count where they are used' }));
    return null;
  }
  const anchored = (node as { anchor?: string }).anchor ? node : null;
  if (anchored) ctx.expanding.add(anchored);
  const value = isMap(node) ? mapValue(ctx, node.items, where, start) : node.items.map((item, index) =>
    toValue(ctx, item as YamlNode | null, { pointer: pointerJoin(where.pointer, index), key: null, fallback: start, depth: where.depth + 1, alias: where.alias }),
  );
  if (anchored) ctx.expanding.delete(anchored);
  return value;
};

const scalarValue = (ctx: WalkContext, raw: unknown, pointer: string, start: number): unknown => {
  if (typeof raw !== 'string') return raw;
  const { value, problems } = interpolateVariables(raw, ctx.env);
  if (problems.length > 0) ctx.unresolved.add(pointer);
  for (const problem of problems) {
    report(
      ctx,
      start,
      problem.kind === 'unset'
        ? error('unset-variable', `environment variable ${problem.variable} is not set (used as \${${problem.variable}})`, ctx.at(start), {
            path: pointer,
            hint: `set ${problem.variable}, or write $\${${problem.variable}} for a literal`,
          })
        : problem.kind === 'credential'
          ? error(
              'credential-variable',
              `\${${problem.variable}} names a credential; credentials cannot be substituted into mlops.yml (the value would appear in reports, comments and registry tags)`,
              ctx.at(start),
              {
                path: pointer,
                hint: 'mlops-gate reads DATABRICKS_TOKEN, DATABRICKS_CLIENT_SECRET, MLFLOW_TRACKING_PASSWORD… from the environment itself; leave them out of the file',
              },
            )
          : error('bad-interpolation', `malformed placeholder "${problem.text}": expected \${NAME} with letters, digits and _`, ctx.at(start), {
              path: pointer,
              hint: 'write $${ for a literal ${',
            }),
    );
  }
  return value;
};

const mapValue = (ctx: WalkContext, items: readonly unknown[], where: Where, start: number): Record<string, unknown> => {
  const out: Record<string, unknown> = {};
  const seen = new Set<string>();
  for (const item of items) {
    if (ctx.stopped) break;
    if (!isPair(item)) continue;
    const keyNode = item.key as YamlNode | null;
    const keyStart = keyNode?.range?.[0] ?? start;
    const keyValue = isScalar(keyNode) ? keyNode.value : undefined;
    if (keyValue === null || keyValue === undefined || typeof keyValue === 'object') {
      const hint = isAlias(keyNode) ? { hint: 'aliases cannot be used as keys here' } : {};
      report(ctx, keyStart, error('yaml-syntax', 'mapping keys must be plain strings', ctx.at(keyStart), { path: where.pointer, ...hint }));
      continue;
    }
    const key = String(keyValue);
    if (seen.has(key)) {
      ctx.duplicateKeys = true;
      report(ctx, keyStart, error('duplicate-key', `duplicate key "${key.length > 60 ? `${key.slice(0, 57)}...` : key}": each key may appear only once in a mapping`, ctx.at(keyStart), { path: pointerJoin(where.pointer, key) }));
      continue;
    }
    seen.add(key);
    const keyEnd = keyNode?.range?.[1] ?? keyStart;
    const child = toValue(ctx, item.value as YamlNode | null, {
      pointer: pointerJoin(where.pointer, key),
      key: ctx.at(keyStart),
      fallback: keyEnd + 1,
      depth: where.depth + 1,
      alias: where.alias,
    });
    Object.defineProperty(out, key, { value: child, enumerable: true, writable: true, configurable: true });
  }
  return out;
};

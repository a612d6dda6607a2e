// YAML text → plain JS value, with the source position of every node kept by JSON pointer, and
// `${VAR}` interpolation applied to string scalars. Pure: the environment comes in as data.

import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { Document, Node as YamlNode } from 'yaml';
import type { Diagnostic } from '../errors.js';
import type { SourcePosition } from './types.js';
import { interpolateVariables } from './template.js';

interface NodePositions {
  /** Where the value starts (for an empty value: just after the key's colon). */
  readonly value: SourcePosition;
  /** Where the key starts, for mapping entries. */
  readonly key: SourcePosition | null;
}

/** One parsed file: its value and a position for every JSON pointer in it. */
export interface SourceDocument {
  readonly file: string;
  readonly value: unknown;
  readonly positions: ReadonlyMap<string, NodePositions>;
  /** Pointers whose string could not be interpolated: already reported, so the schema stays quiet. */
  readonly unresolved: ReadonlySet<string>;
}

export const escapePointerSegment = (segment: string): string => segment.replace(/~/g, '~0').replace(/\//g, '~1');
export const pointerJoin = (base: string, segment: string | number): string =>
  `${base}/${escapePointerSegment(String(segment))}`;

/** The value position of `pointer`, or of its nearest ancestor that has one. */
export const positionOf = (doc: SourceDocument, pointer: string, which: 'value' | 'key' = 'value'): SourcePosition => {
  let current = pointer;
  for (;;) {
    const found = doc.positions.get(current);
    if (found) return which === 'key' ? (found.key ?? found.value) : found.value;
    if (current === '') return { file: doc.file, line: 1, column: 1 };
    current = current.slice(0, current.lastIndexOf('/'));
  }
};

const yamlErrorCode = (code: string): string => (code === 'DUPLICATE_KEY' ? 'duplicate-key' : 'yaml-syntax');

const yamlErrorMessage = (code: string, message: string): string => {
  if (code === 'DUPLICATE_KEY') return 'duplicate key: each key may appear only once in a mapping';
  if (code === 'TAB_AS_INDENT') return 'tabs are not allowed for indentation in YAML; indent with spaces';
  return `invalid YAML: ${message}`;
};

export interface ParseOutcome {
  readonly doc: SourceDocument;
  readonly diagnostics: Diagnostic[];
  /** False when the YAML itself is broken: the value must not be validated further. */
  readonly syntaxOk: boolean;
}

/** Parse one YAML file. Errors (syntax, duplicate keys, unset variables) come back as diagnostics. */
export const parseSource = (
  file: string,
  text: string,
  env: Readonly<Record<string, string | undefined>>,
): ParseOutcome => {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false, strict: true });
  const at = (offset: number): SourcePosition => {
    const { line, col } = lineCounter.linePos(offset);
    return { file, line, column: col };
  };
  const diagnostics: Diagnostic[] = [];
  // After the first real syntax error the parser reports its consequences token by token: keep
  // only that first one. Duplicate keys are independent of each other and all reported.
  let syntaxErrorReported = false;
  for (const error of document.errors) {
    const isDuplicate = error.code === 'DUPLICATE_KEY';
    if (!isDuplicate && syntaxErrorReported) continue;
    syntaxErrorReported ||= !isDuplicate;
    const position = at(error.pos[0]);
    const lineText = text.split(/\r?\n/)[position.line - 1] ?? '';
    const flowHint = /\$\{/.test(lineText) && /[{[]/.test(lineText.replace(/\$\{[^}]*\}/g, ''))
      ? { hint: 'inside { } or [ ], quote values that contain ${...}, e.g. "ml_${env}"' }
      : {};
    diagnostics.push({
      severity: 'error',
      code: yamlErrorCode(error.code),
      message: yamlErrorMessage(error.code, error.message),
      path: '',
      position,
      ...flowHint,
    });
  }
  for (const warning of document.warnings) {
    diagnostics.push({
      severity: 'warning',
      code: 'yaml-warning',
      message: warning.message,
      path: '',
      position: at(warning.pos[0]),
    });
  }
  const positions = new Map<string, NodePositions>();
  const unresolved = new Set<string>();
  const syntaxOk = document.errors.length === 0;
  const value = syntaxOk ? toValue(document, document.contents, '', null, { file, at, env, positions, diagnostics, unresolved }) : null;
  return { doc: { file, value, positions, unresolved }, diagnostics, syntaxOk: syntaxOk && !diagnostics.some((d) => d.code === 'yaml-syntax') };
};

interface WalkContext {
  readonly file: string;
  readonly at: (offset: number) => SourcePosition;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly positions: Map<string, NodePositions>;
  readonly diagnostics: Diagnostic[];
  readonly unresolved: Set<string>;
}

const toValue = (
  document: Document,
  node: YamlNode | null,
  pointer: string,
  keyPosition: SourcePosition | null,
  ctx: WalkContext,
  fallbackOffset = 0,
  aliasDepth = 0,
): unknown => {
  const start = node?.range?.[0] ?? fallbackOffset;
  ctx.positions.set(pointer, { value: ctx.at(start), key: keyPosition });
  if (node === null || node === undefined) return null;
  if (isAlias(node)) {
    const target = node.resolve(document);
    if (!target || aliasDepth > 20) {
      ctx.diagnostics.push({
        severity: 'error',
        code: 'yaml-syntax',
        message: `invalid YAML: unknown alias *${node.source}`,
        path: pointer,
        position: ctx.at(start),
      });
      return null;
    }
    // Positions inside an alias point at the anchored original; the alias itself keeps its own.
    const value = toValue(document, target, pointer, keyPosition, ctx, start, aliasDepth + 1);
    ctx.positions.set(pointer, { value: ctx.at(start), key: keyPosition });
    return value;
  }
  if (isScalar(node)) {
    if (typeof node.value !== 'string') return node.value;
    const { value, problems } = interpolateVariables(node.value, ctx.env);
    if (problems.length > 0) ctx.unresolved.add(pointer);
    for (const problem of problems) {
      ctx.diagnostics.push(
        problem.kind === 'unset'
          ? {
              severity: 'error',
              code: 'unset-variable',
              message: `environment variable ${problem.variable} is not set (used as \${${problem.variable}})`,
              path: pointer,
              position: ctx.at(start),
              hint: `set ${problem.variable}, or write $\${${problem.variable}} for a literal`,
            }
          : problem.kind === 'credential'
            ? {
                severity: 'error',
                code: 'credential-variable',
                message: `\${${problem.variable}} names a credential; credentials cannot be substituted into mlops.yml (the value would appear in reports, comments and registry tags)`,
                path: pointer,
                position: ctx.at(start),
                hint: 'mlops-gate reads DATABRICKS_TOKEN, DATABRICKS_CLIENT_SECRET, MLFLOW_TRACKING_PASSWORD… from the environment itself; leave them out of the file',
              }
            : {
              severity: 'error',
              code: 'bad-interpolation',
              message: `malformed placeholder "${problem.text}": expected \${NAME} with letters, digits and _`,
              path: pointer,
              position: ctx.at(start),
              hint: 'write $${ for a literal ${',
            },
      );
    }
    return value;
  }
  if (isMap(node)) {
    const out: Record<string, unknown> = {};
    for (const item of node.items) {
      if (!isPair(item)) continue;
      const keyNode = item.key as YamlNode | null;
      const keyStart = keyNode?.range?.[0] ?? start;
      const keyValue = isScalar(keyNode) ? keyNode.value : undefined;
      if (keyValue === null || keyValue === undefined || typeof keyValue === 'object') {
        ctx.diagnostics.push({
          severity: 'error',
          code: 'yaml-syntax',
          message: 'mapping keys must be plain strings',
          path: pointer,
          position: ctx.at(keyStart),
        });
        continue;
      }
      const key = String(keyValue);
      const keyEnd = keyNode?.range?.[1] ?? keyStart;
      const childPointer = pointerJoin(pointer, key);
      Object.defineProperty(out, key, {
        value: toValue(document, item.value as YamlNode | null, childPointer, ctx.at(keyStart), ctx, keyEnd + 1, aliasDepth),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }
  if (isSeq(node)) {
    return node.items.map((item, index) =>
      toValue(document, item as YamlNode | null, pointerJoin(pointer, index), null, ctx, start, aliasDepth),
    );
  }
  return null;
};

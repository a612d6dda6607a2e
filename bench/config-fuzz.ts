// Property-based mutation of the valid example configs, checked through the CLI's own entry
// (`runCli(['validate', ...])`): whatever the mutation, the program must answer exit 0 (the config
// happens to stay valid) or exit 2 with at least one `file:line:column` diagnostic — never a crash,
// an internal error (exit 4) or a stack trace. Shared by `npm run bench:fuzz` (thousands of cases)
// and test/unit/fuzz/ (a few hundred, seeded, in `npm test`).

import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { parse, stringify } from 'yaml';
import { runCli } from '../src/cli.js';

const REPO = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '');

export const EXAMPLES = ['mlflow', 'databricks'] as const;
export type Example = (typeof EXAMPLES)[number];

/** Everything the examples interpolate, so the unmutated configs are valid. */
export const FUZZ_ENV: Readonly<Record<string, string>> = {
  MLFLOW_TRACKING_URI: 'http://127.0.0.1:5000',
  DATABRICKS_HOST_DEV: 'https://dev.example.test',
  DATABRICKS_HOST_TEST: 'https://test.example.test',
  DATABRICKS_HOST_PROD: 'https://prod.example.test',
};

/** Keys and values the config format uses: mutations built from them reach deeper than noise. */
const KNOWN_KEYS = [
  'version', 'environments', 'models', 'policies', 'waivers', 'defaults', 'registry', 'host', 'tracking_uri', 'catalog', 'schema',
  'promote_from', 'github_environment', 'name', 'names', 'candidate', 'alias', 'latest', 'tag', 'champion_alias', 'promotion',
  'serving', 'monitor', 'gates', 'type', 'metric', 'threshold', 'greater_is_better', 'max_regression', 'severity', 'applies_to',
  'gate', 'owner', 'reason', 'expires', 'steps', 'strategy', 'endpoint', 'tags', 'min', 'from', 'require_inputs', 'compatible_with',
];
const INTERESTING_VALUES: unknown[] = [
  null, '', ' ', 0, -1, 1.5, Number.MAX_VALUE, true, 'false', [], {}, [null], { '': '' }, 'builtin:nope', 'policies/missing.yml', '../../etc/passwd',
  '${UNSET_VARIABLE}', '${', '$${literal}', 'dev', 'prod', 'mlflow', 'databricks-uc', 'champion', '2026-02-30', 'not-a-date', 'x'.repeat(300),
  'ünïcödé ✓', '\u0000', 'a: b', '- x', '*alias', '&anchor', 'canary', 'metric_delta', { relative: -1 }, { absolute: 'x' }, [10, 50, 100],
];

export interface Mutation {
  readonly kind: 'structure' | 'text';
  readonly describe: string;
  readonly apply: (original: string) => string;
}

type Json = unknown;
type Path = readonly (string | number)[];

const pathsOf = (value: Json, at: Path = [], out: Path[] = []): Path[] => {
  out.push(at);
  if (Array.isArray(value)) value.forEach((v, i) => pathsOf(v, [...at, i], out));
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) pathsOf(v, [...at, k], out);
  return out;
};

const parentOf = (doc: Json, path: Path): Json => path.slice(0, -1).reduce<Json>((node, key) => (node as Record<string | number, Json>)[key], doc);

const structureOps = ['delete', 'replace', 'rename', 'add-key', 'wrap-in-list', 'duplicate'] as const;

/** One edit of the parsed document at a chosen node, serialised back to YAML. */
const structureMutation = fc
  .record({
    node: fc.nat(),
    op: fc.constantFrom(...structureOps),
    value: fc.oneof(fc.constantFrom(...INTERESTING_VALUES), fc.jsonValue({ maxDepth: 2 })),
    key: fc.oneof(fc.constantFrom(...KNOWN_KEYS), fc.string({ maxLength: 12 })),
  })
  .map(
    ({ node, op, value, key }): Mutation => ({
      kind: 'structure',
      describe: `${op} at node #${node} (key ${JSON.stringify(key)}, value ${JSON.stringify(value)?.slice(0, 60)})`,
      apply: (text) => {
        // After a text edit the document may no longer parse: then this edit has nothing to act on.
        let doc: Json;
        try {
          doc = parse(text) as Json;
        } catch {
          return text;
        }
        if (doc === null || typeof doc !== 'object') return text;
        const paths = pathsOf(doc);
        const path = paths[node % paths.length]!;
        if (path.length === 0) return op === 'replace' ? stringify(value) : text;
        const parent = parentOf(doc, path) as Record<string | number, Json>;
        const last = path[path.length - 1]!;
        switch (op) {
          case 'delete':
            if (Array.isArray(parent)) parent.splice(last as number, 1);
            else delete parent[last];
            break;
          case 'replace':
            parent[last] = value;
            break;
          case 'rename':
            if (!Array.isArray(parent) && key !== last) {
              parent[key] = parent[last];
              delete parent[last];
            }
            break;
          case 'add-key': {
            const target = parent[last];
            if (target && typeof target === 'object' && !Array.isArray(target)) (target as Record<string, Json>)[key] = value;
            else if (Array.isArray(target)) target.push(value);
            break;
          }
          case 'wrap-in-list':
            parent[last] = [parent[last]];
            break;
          case 'duplicate':
            if (Array.isArray(parent)) parent.push(structuredClone(parent[last]));
            else parent[`${String(last)}${key}`] = structuredClone(parent[last]);
            break;
        }
        return stringify(doc);
      },
    }),
  );

const FRAGMENTS = ['{', '}', '[', ']', ':', ': ', '- ', '\t', '  ', '"', "'", '#', '&a ', '*a', '${X}', '${', 'null', '~', '1', 'true', '!!str ', '---\n', '? ', '|', '>'];
const lineOps = ['delete-line', 'duplicate-line', 'swap-lines', 'indent', 'dedent', 'insert', 'truncate'] as const;

/** Edits of the text as a person makes them: lines dropped, doubled, moved, mis-indented, typed into. */
const textMutation = fc
  .record({
    op: fc.constantFrom(...lineOps),
    line: fc.nat(),
    other: fc.nat(),
    column: fc.nat({ max: 80 }),
    fragment: fc.oneof(fc.constantFrom(...FRAGMENTS), fc.string({ maxLength: 6 })),
  })
  .map(
    ({ op, line, other, column, fragment }): Mutation => ({
      kind: 'text',
      describe: `${op} line #${line} (other #${other}, column ${column}, ${JSON.stringify(fragment)})`,
      apply: (text) => {
        const lines = text.split('\n');
        const i = line % lines.length;
        const j = other % lines.length;
        switch (op) {
          case 'delete-line':
            lines.splice(i, 1);
            break;
          case 'duplicate-line':
            lines.splice(i, 0, lines[i]!);
            break;
          case 'swap-lines':
            [lines[i], lines[j]] = [lines[j]!, lines[i]!];
            break;
          case 'indent':
            lines[i] = `  ${lines[i]}`;
            break;
          case 'dedent':
            lines[i] = lines[i]!.replace(/^ {1,2}/, '');
            break;
          case 'insert': {
            const l = lines[i]!;
            const c = Math.min(column, l.length);
            lines[i] = l.slice(0, c) + fragment + l.slice(c);
            break;
          }
          case 'truncate':
            return lines.slice(0, i).join('\n');
        }
        return lines.join('\n');
      },
    }),
  );

export const mutationCase = fc.record({
  example: fc.constantFrom(...EXAMPLES),
  mutations: fc.array(fc.oneof(structureMutation, textMutation), { minLength: 1, maxLength: 3 }),
});
export type MutationCase = { readonly example: Example; readonly mutations: readonly Mutation[] };

export type Verdict =
  | { readonly ok: true; readonly outcome: 'still-valid' | 'rejected'; readonly diagnostics: number }
  | { readonly ok: false; readonly problem: string; readonly exitCode: number | null; readonly output: string };

/** A scratch copy of the examples (the mlflow one reads policies/*.yml beside it). */
export const makeWorkspace = (): { dir: (e: Example) => string; cleanup: () => void } => {
  const root = mkdtempSync(join(tmpdir(), 'mlops-gate-fuzz-'));
  for (const e of EXAMPLES) {
    mkdirSync(join(root, e), { recursive: true });
    cpSync(join(REPO, 'examples', e), join(root, e), { recursive: true });
  }
  return { dir: (e) => join(root, e), cleanup: () => rmSync(root, { recursive: true, force: true }) };
};

export const originalText = (e: Example): string => readFileSync(join(REPO, 'examples', e, 'mlops.yml'), 'utf8');

const STACK_LINE = /^\s+at .+(:\d+:\d+\)?|\(native\)|<anonymous>\)?)$/m;
const POSITION = /^[^\s:][^:\n]*\.ya?ml:\d+:\d+: (error|warning):/m;

/** Runs `validate` on one mutated text and judges the answer. */
export const checkCase = async (workDir: string, text: string, now: Date): Promise<Verdict> => {
  writeFileSync(join(workDir, 'mlops.yml'), text);
  let stdout = '';
  let stderr = '';
  let exitCode: number;
  try {
    exitCode = await runCli(['validate', '--config', 'mlops.yml'], {
      stdout: (s) => (stdout += s),
      stderr: (s) => (stderr += s),
      env: FUZZ_ENV,
      cwd: workDir,
      now,
    });
  } catch (e) {
    return { ok: false, problem: 'runCli threw', exitCode: null, output: e instanceof Error ? (e.stack ?? e.message) : String(e) };
  }
  return judge(exitCode, stdout, stderr);
};

/** The rule, on one answer of the CLI. */
export const judge = (exitCode: number, stdout: string, stderr: string): Verdict => {
  const output = `${stdout}${stderr}`;
  if (STACK_LINE.test(output)) return { ok: false, problem: 'stack trace in the output', exitCode, output };
  if (exitCode === 0) return { ok: true, outcome: 'still-valid', diagnostics: 0 };
  if (exitCode !== 2) return { ok: false, problem: `exit code ${exitCode} (expected 0 or 2)`, exitCode, output };
  if (!POSITION.test(stderr)) return { ok: false, problem: 'exit 2 without a file:line:column diagnostic', exitCode, output };
  return { ok: true, outcome: 'rejected', diagnostics: stderr.split('\n').filter((l) => POSITION.test(l)).length };
};

/** A fixed clock: the examples' waiver expiry must not turn the valid baseline invalid over time. */
export const FUZZ_NOW = new Date('2026-06-01T12:00:00Z');

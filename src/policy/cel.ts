// CEL for the `expression` gate, on @marcbachmann/cel-js (type-checked against the declared
// evidence types below, positions as character offsets). Everything that could make an expression
// expensive is bounded here:
// - parse limits (AST nodes, nesting, literal sizes) and a maximum expression length;
// - at most MAX_COMPREHENSION_NESTING nested list macros (all, exists, exists_one, map, filter);
// - the built-in `matches()` (a backtracking JavaScript RegExp) is refused; `re2Matches()` runs
//   on RE2 (linear time), like `required_tags`;
// - a step budget: every node the evaluator runs costs 1, plus the size of what it produced
//   (strings by length / 16, lists and maps by entries); past STEP_BUDGET the evaluation stops and
//   the gate reports that, whatever value a short-circuit produced meanwhile.
// Deterministic: no clock; the same expression on the same evidence costs the same.

import { Environment, type ASTNode } from '@marcbachmann/cel-js';
import { RE2JS } from 're2js';
import type { EvidenceNeeds } from '../evidence/types.js';

export const CEL_LIMITS = {
  expressionLength: 4000,
  astNodes: 1000,
  depth: 32,
  literalListElements: 1000,
  literalMapEntries: 1000,
  comprehensionNesting: 2,
  patternLength: 1000,
  steps: 5_000_000,
} as const;

/** A problem in an expression, at character `index` of its source. */
export interface CelProblem {
  readonly message: string;
  readonly index: number;
  readonly hint?: string;
}

export class CelBudgetError extends Error {
  override readonly name = 'CelBudgetError';
}

// ---- the declared evidence (docs/gates.md "expression" documents every field) -------------------

const TYPES: readonly [string, Readonly<Record<string, string>>][] = [
  ['Dataset', { name: 'string', digest: 'string', context: 'string', source_type: 'string' }],
  ['Column', { name: 'string', type: 'string', required: 'bool' }],
  ['Signature', { exists: 'bool', inputs: 'list<Column>', outputs: 'list<Column>' }],
  [
    'Run',
    {
      exists: 'bool',
      id: 'string',
      status: 'string',
      metrics: 'map<string, double>',
      params: 'map<string, string>',
      tags: 'map<string, string>',
      datasets: 'list<Dataset>',
    },
  ],
  [
    'Version',
    {
      exists: 'bool',
      name: 'string',
      version: 'int',
      aliases: 'list<string>',
      tags: 'map<string, string>',
      model_tags: 'map<string, string>',
      description: 'string',
      run: 'Run',
      signature: 'Signature',
    },
  ],
  ['PullRequest', { exists: 'bool', author: 'string', approvals: 'int', approvers: 'list<string>', changed_files: 'list<string>' }],
  ['Target', { model: 'string', from: 'string', to: 'string' }],
];

export const CEL_VARIABLES: Readonly<Record<string, string>> = { candidate: 'Version', champion: 'Version', pr: 'PullRequest', target: 'Target' };

// ---- the step meter ------------------------------------------------------------------------------

interface Meter {
  used: number;
  exceeded: boolean;
}
let meter: Meter | null = null;

const charge = (units: number): void => {
  if (meter === null) return;
  meter.used += units;
  if (meter.used > CEL_LIMITS.steps) {
    meter.exceeded = true;
    throw new CelBudgetError(`the evaluation needed more than ${CEL_LIMITS.steps.toLocaleString('en-US')} steps`);
  }
};

const sizeOf = (value: unknown): number => {
  if (typeof value === 'string') return value.length >> 4;
  if (Array.isArray(value)) return value.length;
  if (value instanceof Map || value instanceof Set) return value.size;
  return 0;
};

const patterns = new Map<string, RE2JS>();
const re2 = (pattern: string): RE2JS => {
  let compiled = patterns.get(pattern);
  if (!compiled) {
    if (pattern.length > CEL_LIMITS.patternLength) throw new Error(`the pattern is longer than ${CEL_LIMITS.patternLength} characters`);
    compiled = RE2JS.compile(pattern);
    if (patterns.size > 1000) patterns.clear();
    patterns.set(pattern, compiled);
  }
  return compiled;
};

const buildEnvironment = (): Environment => {
  const env = new Environment({
    limits: {
      maxAstNodes: CEL_LIMITS.astNodes,
      maxDepth: CEL_LIMITS.depth,
      maxListElements: CEL_LIMITS.literalListElements,
      maxMapEntries: CEL_LIMITS.literalMapEntries,
      maxCallArguments: 16,
    },
  });
  for (const [name, schema] of TYPES) env.registerType({ name, schema: { ...schema } });
  for (const [name, type] of Object.entries(CEL_VARIABLES)) env.registerVariable(name, type);
  env.registerFunction('string.re2Matches(string): bool', (value: string, pattern: string) => {
    charge(value.length >> 4);
    return re2(pattern).matcher(value).find();
  });
  return env;
};

const ENV = buildEnvironment();

/**
 * Every node evaluation goes through the evaluator's `run` (operators, macros and short-circuits
 * call it for their operands): the one place a step can be counted. The evaluator class is not
 * exported, so its prototype is taken from the first evaluation (the root node receives it).
 * test/unit/policy/governance-gates.test.ts proves a runaway expression is stopped, so a library update that
 * changes this fails there.
 */
let metered = false;
const installMeter = (): void => {
  if (metered) return;
  const probe = ENV.parse('true');
  const root = probe.ast as unknown as { evaluate: (ev: object, ast: unknown, ctx: unknown) => unknown };
  const original = root.evaluate;
  let proto: { run: (ast: unknown, ctx: unknown) => unknown } | null = null;
  root.evaluate = function (this: unknown, ev: object, ast: unknown, ctx: unknown) {
    proto = Object.getPrototypeOf(ev) as { run: (ast: unknown, ctx: unknown) => unknown };
    return original.call(this, ev, ast, ctx);
  };
  probe({});
  if (proto === null) throw new Error('CEL: cannot install the step meter (the evaluator was not reached)');
  const target: { run: (ast: unknown, ctx: unknown) => unknown } = proto;
  const run = target.run;
  target.run = function (this: unknown, ast: unknown, ctx: unknown) {
    if (meter === null) return run.call(this, ast, ctx);
    charge(1);
    const value = run.call(this, ast, ctx);
    charge(sizeOf(value));
    return value;
  };
  metered = true;
};

// ---- compiling ------------------------------------------------------------------------------------

type Node = ASTNode;

const MACROS = new Set(['all', 'exists', 'exists_one', 'map', 'filter']);

const childrenOf = (node: Node): Node[] => {
  const args = node.args as unknown;
  const out: Node[] = [];
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) for (const v of value) visit(v);
    else if (value && typeof value === 'object' && 'op' in value && 'args' in value) out.push(value as Node);
  };
  visit(args);
  return out;
};

/** The field paths an expression reads from each variable (`candidate.run`, ...); `candidate` alone: all of it. */
export const referencedPaths = (root: Node): Set<string> => {
  const paths = new Set<string>();
  const walk = (node: Node): void => {
    // A chain of field selections ending at a variable: `candidate.run.metrics` → candidate.run.metrics.
    if (node.op === '.' || node.op === '.?' || node.op === 'id') {
      const fields: string[] = [];
      let cursor: Node = node;
      while (cursor.op === '.' || cursor.op === '.?') {
        const [inner, field] = cursor.args as [Node, string];
        fields.unshift(field);
        cursor = inner;
      }
      if (cursor.op === 'id') {
        const name = cursor.args as string;
        if (Object.hasOwn(CEL_VARIABLES, name)) paths.add([name, ...fields.slice(0, 2)].join('.'));
        return;
      }
      walk(cursor);
      return;
    }
    for (const child of childrenOf(node)) walk(child);
  };
  walk(root);
  return paths;
};

/** What must be gathered for an expression that reads these paths. */
export const needsOfPaths = (paths: Iterable<string>): Partial<EvidenceNeeds> => {
  const needs: { -readonly [K in Exclude<keyof EvidenceNeeds, 'live'>]?: boolean } = {};
  const reads = (path: string, prefix: string): boolean => path === prefix.split('.')[0] || path === prefix || path.startsWith(`${prefix}.`);
  for (const path of paths) {
    if (reads(path, 'candidate.run')) needs.candidateRun = true;
    if (reads(path, 'candidate.signature')) needs.candidateSignature = true;
    if (reads(path, 'candidate.model_tags')) needs.candidateModelTags = true;
    if (reads(path, 'champion.run')) needs.championRun = true;
    if (reads(path, 'champion.signature')) needs.championSignature = true;
    if (reads(path, 'champion.model_tags')) needs.championModelTags = true;
    if (path === 'pr' || /^pr\.(exists|author|approvals|approvers)$/.test(path)) needs.approvals = true;
    if (reads(path, 'pr.changed_files')) needs.changedFiles = true;
  }
  return needs;
};

/** Refusals the type checker does not make: `matches()`, and list macros nested too deep. */
const policeAst = (root: Node): CelProblem | null => {
  const stack: { node: Node; depth: number }[] = [{ node: root, depth: 0 }];
  // Where a call's name is written: after its receiver (`x.name(`), else at the node.
  const nameAt = (node: Node, name: string): number => {
    const found = node.input.indexOf(`${name}(`, node.op === 'rcall' ? ((node.args as unknown[])[1] as Node).end : node.start);
    return found >= 0 ? found : node.start;
  };
  while (stack.length > 0) {
    const { node, depth } = stack.pop()!;
    let inner = depth;
    if (node.op === 'rcall' || node.op === 'call') {
      const name = (node.args as unknown[])[0] as string;
      if (name === 'matches') {
        return {
          message: 'matches() is not available: it runs a backtracking regular expression whose time can explode',
          index: nameAt(node, name),
          hint: 'use value.re2Matches("pattern") (RE2 syntax, linear time, same partial-match meaning)',
        };
      }
      if (node.op === 'rcall' && MACROS.has(name)) {
        inner = depth + 1;
        if (inner > CEL_LIMITS.comprehensionNesting) {
          return {
            message: `list macros are nested ${String(inner)} deep; at most ${String(CEL_LIMITS.comprehensionNesting)} are allowed (each level multiplies the work)`,
            index: nameAt(node, name),
          };
        }
      }
    }
    for (const child of childrenOf(node)) stack.push({ node: child, depth: inner });
  }
  return null;
};

/** re2Matches() patterns written as literals are compiled now, so a bad one is a validate error. */
const literalPatterns = (root: Node): CelProblem | null => {
  const stack: Node[] = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (node.op === 'rcall' && (node.args as unknown[])[0] === 're2Matches') {
      const arg = ((node.args as unknown[])[2] as Node[])[0];
      if (arg && arg.op === 'value' && typeof arg.args === 'string') {
        try {
          re2(arg.args);
        } catch (e) {
          return { message: `invalid RE2 pattern: ${(e as Error).message}`, index: arg.start };
        }
      }
    }
    stack.push(...childrenOf(node));
  }
  return null;
};

export interface CompiledCel {
  readonly source: string;
  /** The result type the checker found (`bool`, `string`, ...). */
  readonly type: string;
  readonly paths: ReadonlySet<string>;
  readonly run: (context: Readonly<Record<string, unknown>>) => unknown;
}

const problemOf = (e: unknown): CelProblem => {
  const error = e as { message?: string; range?: { start?: number } } | null;
  const first = (error?.message ?? String(e)).split('\n')[0] ?? '';
  return { message: first.replace(/^(?:Parse|Type|Evaluation)Error:\s*/, ''), index: error?.range?.start ?? 0 };
};

const compiledCache = new Map<string, { ok: true; value: CompiledCel } | { ok: false; problem: CelProblem }>();

/** Parse and type-check an expression against the declared evidence. `want`: the result type required, if any. */
export const compileCel = (source: string, want?: 'bool'): { ok: true; value: CompiledCel } | { ok: false; problem: CelProblem } => {
  const key = `${want ?? ''}\u0000${source}`;
  const cached = compiledCache.get(key);
  if (cached) return cached;
  const outcome = compileUncached(source, want);
  if (compiledCache.size > 2000) compiledCache.clear();
  compiledCache.set(key, outcome);
  return outcome;
};

const compileUncached = (source: string, want?: 'bool'): { ok: true; value: CompiledCel } | { ok: false; problem: CelProblem } => {
  if (source.length > CEL_LIMITS.expressionLength) {
    return { ok: false, problem: { message: `the expression is ${String(source.length)} characters long; at most ${String(CEL_LIMITS.expressionLength)} are allowed`, index: CEL_LIMITS.expressionLength } };
  }
  if (source.trim() === '') return { ok: false, problem: { message: 'the expression is empty', index: 0 } };
  let parsed: ReturnType<Environment['parse']>;
  try {
    parsed = ENV.parse(source);
  } catch (e) {
    return { ok: false, problem: problemOf(e) };
  }
  const policed = policeAst(parsed.ast) ?? literalPatterns(parsed.ast);
  if (policed) return { ok: false, problem: policed };
  const checked = parsed.check();
  if (!checked.valid) return { ok: false, problem: problemOf(checked.error) };
  if (want === 'bool' && checked.type !== 'bool') {
    return { ok: false, problem: { message: `the expression must be true or false (bool); it is ${checked.type ?? 'unknown'}`, index: 0 } };
  }
  return { ok: true, value: { source, type: checked.type ?? 'dyn', paths: referencedPaths(parsed.ast), run: (ctx) => parsed(ctx) as unknown } };
};

export type CelOutcome = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly message: string; readonly index: number | null; readonly budget: boolean };

/** Evaluate under the step budget. A budget exhausted anywhere is a failed evaluation, whatever value came out. */
export const evaluateCel = (compiled: CompiledCel, context: Readonly<Record<string, unknown>>): CelOutcome => {
  installMeter();
  const own: Meter = { used: 0, exceeded: false };
  meter = own;
  try {
    const value = compiled.run(context);
    if (own.exceeded) return { ok: false, message: `the evaluation needed more than ${CEL_LIMITS.steps.toLocaleString('en-US')} steps`, index: null, budget: true };
    return { ok: true, value };
  } catch (e) {
    if (own.exceeded || e instanceof CelBudgetError) {
      return { ok: false, message: `the evaluation needed more than ${CEL_LIMITS.steps.toLocaleString('en-US')} steps`, index: null, budget: true };
    }
    const problem = problemOf(e);
    return { ok: false, message: problem.message, index: (e as { range?: unknown } | null)?.range ? problem.index : null, budget: false };
  } finally {
    meter = null;
  }
};

// ---- message templates: `{{ expression }}` placeholders ------------------------------------------

export interface TemplatePart {
  readonly text?: string;
  readonly expression?: CompiledCel;
}

/** Split a message template; each placeholder is compiled (any type). Problems carry offsets in the template. */
export const compileTemplate = (template: string): { ok: true; parts: readonly TemplatePart[] } | { ok: false; problem: CelProblem } => {
  const parts: TemplatePart[] = [];
  let at = 0;
  while (at < template.length) {
    const open = template.indexOf('{{', at);
    if (open < 0) {
      parts.push({ text: template.slice(at) });
      break;
    }
    if (open > at) parts.push({ text: template.slice(at, open) });
    const close = template.indexOf('}}', open + 2);
    if (close < 0) return { ok: false, problem: { message: 'a "{{" placeholder is never closed with "}}"', index: open } };
    const inner = template.slice(open + 2, close);
    const compiled = compileCel(inner);
    if (!compiled.ok) return { ok: false, problem: { ...compiled.problem, index: open + 2 + compiled.problem.index } };
    parts.push({ expression: compiled.value });
    at = close + 2;
  }
  if (parts.filter((p) => p.expression).length > 20) return { ok: false, problem: { message: 'a message may hold at most 20 placeholders', index: 0 } };
  return { ok: true, parts };
};

const clipValue = (text: string, max = 200): string => (text.length > max ? `${text.slice(0, max)}…` : text);

/** A value for a message: numbers short, lists and maps summarised, everything clipped. */
export const formatCelValue = (value: unknown, format: (n: number) => string): string => {
  if (typeof value === 'string') return clipValue(value);
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') return format(value);
  if (typeof value === 'boolean' || value === null) return String(value);
  if (Array.isArray(value)) {
    const shown = value.slice(0, 20).map((v) => formatCelValue(v, format));
    return clipValue(`[${shown.join(', ')}${value.length > 20 ? `, … ${String(value.length - 20)} more` : ''}]`);
  }
  if (value instanceof Map) return clipValue(`{${[...value.entries()].slice(0, 20).map(([k, v]) => `${formatCelValue(k, format)}: ${formatCelValue(v, format)}`).join(', ')}}`);
  if (typeof value === 'object') return clipValue(JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) ?? '');
  return clipValue(String(value));
};

/** Render a template; a placeholder that cannot be evaluated shows why, in brackets. */
export const renderTemplate = (parts: readonly TemplatePart[], context: Readonly<Record<string, unknown>>, format: (n: number) => string): string =>
  clipValue(
    parts
      .map((part) => {
        if (part.text !== undefined) return part.text;
        const outcome = evaluateCel(part.expression!, context);
        return outcome.ok ? formatCelValue(outcome.value, format) : `[${outcome.message}]`;
      })
      .join(''),
    2000,
  );

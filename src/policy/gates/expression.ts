// expression: a rule written in CEL over the documented evidence object (src/policy/cel.ts declares
// its types; docs/gates.md lists every field). Parse and type errors are config errors at
// validate time, positioned in the file; only the evidence the expression (and its message) read
// is gathered; evaluation runs under cel.ts's budgets.

import type { ApprovalsEvidence, ColumnSpec, DatasetInput, Gathered, RunInfo, TargetEvidence, VersionEvidence } from '../../evidence/types.js';
import { compileCel, compileTemplate, evaluateCel, needsOfPaths, renderTemplate, type CompiledCel, type TemplatePart } from '../cel.js';
import { formatNumber } from '../format.js';
import { GateOptionError, readEnum, requireString, readString } from '../options.js';
import type { GateContext, GateResult, GateType, Measured } from '../types.js';
import { notGatheredResult, result, unreadableResult } from './kit.js';

export interface ExpressionOptions {
  readonly expression: CompiledCel;
  readonly message: readonly TemplatePart[] | null;
  readonly onFalse: 'fail' | 'warn';
  readonly paths: ReadonlySet<string>;
}

const map = (record: Readonly<Record<string, string>> | undefined): Map<string, string> => new Map(Object.entries(record ?? {}));

const EMPTY_RUN = { exists: false, id: '', status: '', metrics: new Map<string, number>(), params: new Map<string, string>(), tags: new Map<string, string>(), datasets: [] };
const EMPTY_SIGNATURE = { exists: false, inputs: [], outputs: [] };

const runObject = (run: RunInfo | null) =>
  run === null
    ? EMPTY_RUN
    : {
        exists: true,
        id: run.runId,
        status: run.status,
        metrics: new Map(Object.entries(run.metrics)),
        params: map(run.params),
        tags: map(run.tags),
        datasets: (run.datasets ?? []).map((d: DatasetInput) => ({ name: d.name, digest: d.digest, context: d.context ?? '', source_type: d.sourceType ?? '' })),
      };

const columns = (specs: readonly ColumnSpec[] | null | undefined) => (specs ?? []).map((c) => ({ name: c.name ?? '', type: c.type, required: c.required }));

type Unreadable = { readonly unreadable: GateResult };

/** A fact the expression reads: its value, or the `error` result that explains why it is missing. */
const factOf = <T>(fact: Gathered<T> | undefined, what: string, needed: boolean, fallback: T): T | Unreadable => {
  if (!needed) return fallback;
  // Needed but absent: a bug, or an evidence file written before this fact was gathered.
  if (fact === undefined) return { unreadable: notGatheredResult(what) };
  if (!fact.ok) return { unreadable: unreadableResult(what, fact.error) };
  return fact.value;
};
const isUnreadable = (v: unknown): v is Unreadable => typeof v === 'object' && v !== null && 'unreadable' in v;

const versionObject = (v: VersionEvidence | null, side: 'candidate' | 'champion', paths: ReadonlySet<string>): Record<string, unknown> | Unreadable => {
  if (v === null) {
    return { exists: false, name: '', version: 0n, aliases: [], tags: new Map(), model_tags: new Map(), description: '', run: EMPTY_RUN, signature: EMPTY_SIGNATURE };
  }
  const reads = (field: string): boolean => paths.has(side) || [...paths].some((p) => p === `${side}.${field}` || p.startsWith(`${side}.${field}.`));
  const label = `${side} ${v.version.name} v${v.version.version}`;
  const run = factOf(v.run, `the source run of ${label}`, reads('run'), null);
  if (isUnreadable(run)) return run;
  const signature = factOf(v.signature, `the MLmodel signature of ${label}`, reads('signature'), null);
  if (isUnreadable(signature)) return signature;
  const modelTags = factOf(v.modelTags, `the tags of registered model ${v.version.name}`, reads('model_tags'), {});
  if (isUnreadable(modelTags)) return modelTags;
  const number = /^\d{1,18}$/.test(v.version.version) ? BigInt(v.version.version) : 0n;
  return {
    exists: true,
    name: v.version.name,
    version: number,
    aliases: [...v.version.aliases],
    tags: map(v.version.tags),
    model_tags: map(modelTags),
    description: v.version.description ?? '',
    run: runObject(run),
    signature: signature === null ? EMPTY_SIGNATURE : { exists: true, inputs: columns(signature.inputs), outputs: columns(signature.outputs) },
  };
};

/** Distinct people whose latest decisive review approved, the author excluded (the approvals gate applies the full rules). */
const approversOf = (a: ApprovalsEvidence): string[] => {
  const latest = new Map<string, string>();
  for (const approval of a.approvals) {
    if (approval.state === 'APPROVED' || approval.state === 'CHANGES_REQUESTED' || approval.state === 'DISMISSED') latest.set(approval.user.toLowerCase(), approval.state);
  }
  const author = a.author?.toLowerCase() ?? null;
  return [...latest].filter(([user, state]) => state === 'APPROVED' && user !== author).map(([user]) => user).sort();
};

const prObject = (evidence: TargetEvidence, paths: ReadonlySet<string>): Record<string, unknown> | Unreadable => {
  const needs = needsOfPaths(paths);
  const approvals = factOf<ApprovalsEvidence | null>(evidence.approvals, 'approvals from GitHub', !!needs.approvals, null);
  if (isUnreadable(approvals)) return approvals;
  const files = factOf<readonly string[]>(evidence.changedFiles, 'the files changed by the pull request', !!needs.changedFiles, []);
  if (isUnreadable(files)) return files;
  const approvers = approvals === null ? [] : approversOf(approvals);
  return { exists: approvals !== null && approvals.headSha !== null, author: approvals?.author ?? '', approvals: BigInt(approvers.length), approvers, changed_files: [...files] };
};

/** The evidence object an expression sees (docs/gates.md "expression"), or why it cannot be built. */
export const celContext = (ctx: GateContext, paths: ReadonlySet<string>): Record<string, unknown> | Unreadable => {
  const candidate = ctx.evidence.candidate;
  if (!candidate.ok) return { unreadable: unreadableResult('the candidate version', candidate.error) };
  const champion = ctx.evidence.champion;
  const needsChampion = [...paths].some((p) => p === 'champion' || p.startsWith('champion.'));
  if (needsChampion && !champion.ok) return { unreadable: unreadableResult(`the champion in ${ctx.target.to}`, champion.error) };
  const c = versionObject(candidate.value, 'candidate', paths);
  if (isUnreadable(c)) return c;
  const h = versionObject(champion.ok ? champion.value : null, 'champion', paths);
  if (isUnreadable(h)) return h;
  const pr = prObject(ctx.evidence, paths);
  if (isUnreadable(pr)) return pr;
  return { candidate: c, champion: h, pr, target: { model: ctx.target.model, from: ctx.target.from, to: ctx.target.to } };
};

const clip = (text: string, max: number): string => (text.length > max ? `${text.slice(0, max)}…` : text);
const oneLine = (text: string): string => text.replace(/\s+/g, ' ').trim();

export const expressionGate: GateType<ExpressionOptions> = {
  type: 'expression',
  schemaRef: '#/$defs/gate_expression',

  parse(raw) {
    const source = requireString(raw, 'expression');
    const compiled = compileCel(source, 'bool');
    if (!compiled.ok) throw new GateOptionError(compiled.problem.message, 'expression', compiled.problem.index, compiled.problem.hint);
    const template = readString(raw, 'message');
    let message: readonly TemplatePart[] | null = null;
    const paths = new Set(compiled.value.paths);
    if (template !== undefined) {
      const parts = compileTemplate(template);
      if (!parts.ok) throw new GateOptionError(parts.problem.message, 'message', parts.problem.index, parts.problem.hint);
      message = parts.parts;
      for (const part of parts.parts) for (const p of part.expression?.paths ?? []) paths.add(p);
    }
    return { expression: compiled.value, message, onFalse: readEnum(raw, 'on_false', ['fail', 'warn'] as const, 'fail'), paths };
  },

  needs: (o) => needsOfPaths(o.paths),

  evaluate(o, ctx): GateResult {
    const threshold: Measured = { expression: clip(oneLine(o.expression.source), 500), on_false: o.onFalse };
    const context = celContext(ctx, o.paths);
    if (isUnreadable(context)) return { ...context.unreadable, threshold };
    const outcome = evaluateCel(o.expression, context);
    const shownExpression = clip(oneLine(o.expression.source), 200);
    if (outcome.ok && outcome.value === true) {
      return result('pass', `Expression holds: ${shownExpression}`, { value: true }, threshold);
    }
    const rendered = o.message === null ? `Expression is false: ${shownExpression}` : renderTemplate(o.message, context, formatNumber);
    if (outcome.ok) return result(o.onFalse, rendered, { value: false }, threshold);
    const at = outcome.index === null ? '' : ` at character ${String(outcome.index + 1)} of the expression`;
    const hint = outcome.budget ? ' (the expression does too much work; make it simpler)' : ' (guard optional values with `in` or has())';
    return result(o.onFalse, `${rendered} (the expression could not be evaluated${at}: ${clip(outcome.message, 300)}${hint})`, { value: null, evaluation_error: clip(outcome.message, 300) }, threshold);
  },
};

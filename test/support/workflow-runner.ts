// Runs a GitHub Actions workflow file the way the runner would, for the parts our example
// workflows use: jobs in `needs` order with their `if:` conditions (status functions, `needs.*`,
// `steps.*` and comparisons, as GitHub evaluates them), job and step outputs, failing steps,
// artifacts between jobs, and each `uses: mlops-gate/mlops-gate@…` step as the real action bundle
// (test/e2e/action/harness.ts). checkout and setup-node are no-ops: the workspace is given.

import { parse } from 'yaml';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

export type JobResult = 'success' | 'failure' | 'skipped';

export interface StepRun {
  readonly code: number;
  readonly outputs: Readonly<Record<string, string>>;
  /** Files the step wrote that later steps may read by path (e.g. the result JSON). */
  readonly files?: Readonly<Record<string, string>>;
}

export interface ActionStep {
  readonly job: string;
  readonly uses: string;
  readonly with: Readonly<Record<string, string>>;
  /** The job's workspace: path → text (the checkout plus downloaded artifacts). */
  readonly workspace: Readonly<Record<string, string>>;
}

export interface WorkflowRun {
  readonly jobs: Readonly<Record<string, { result: JobResult; outputs: Record<string, string>; steps: { name: string; outcome: JobResult }[] }>>;
  readonly artifacts: ReadonlyMap<string, Readonly<Record<string, string>>>;
}

// ── expressions ────────────────────────────────────────────────────────────────────────────

type Value = string | boolean | number | null;
interface Scope {
  readonly needs: Readonly<Record<string, { result: JobResult; outputs: Record<string, string> }>>;
  readonly steps: Readonly<Record<string, { outputs: Record<string, string>; outcome: JobResult }>>;
  readonly jobStatus: JobResult;
  readonly needsStatus: JobResult;
}

const TOKEN = /\s*(\|\||&&|==|!=|!|\(|\)|'(?:[^']|'')*'|[A-Za-z_][\w.-]*(?:\(\))?|\d+)/y;

function tokenize(src: string): string[] {
  const out: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < src.trimEnd().length) {
    const m = TOKEN.exec(src);
    if (!m) throw new Error(`cannot parse expression: ${src}`);
    out.push(m[1]!);
  }
  return out;
}

/** GitHub's loose equality for what our workflows compare: strings, case-insensitively. */
const equal = (a: Value, b: Value): boolean => String(a ?? '').toLowerCase() === String(b ?? '').toLowerCase();
const truthy = (v: Value): boolean => v !== null && v !== false && v !== '' && v !== 0;

export function evaluate(src: string, scope: Scope): Value {
  const tokens = tokenize(src);
  let i = 0;
  const peek = () => tokens[i];
  const next = () => tokens[i++]!;
  const primary = (): Value => {
    const t = next();
    if (t === '(') {
      const v = or();
      if (next() !== ')') throw new Error(`missing ) in ${src}`);
      return v;
    }
    if (t === '!') return !truthy(primary());
    if (t.startsWith("'")) return t.slice(1, -1).replace(/''/g, "'");
    if (/^\d+$/.test(t)) return Number(t);
    switch (t) {
      case 'true':
        return true;
      case 'false':
        return false;
      case 'always()':
        return true;
      case 'cancelled()':
        return false;
      case 'success()':
        return scope.jobStatus === 'success' && scope.needsStatus === 'success';
      case 'failure()':
        return scope.jobStatus === 'failure' || scope.needsStatus === 'failure';
    }
    const path = t.split('.');
    if (path[0] === 'needs') {
      const job = scope.needs[path[1]!];
      if (!job) return null;
      return path[2] === 'result' ? job.result : path[2] === 'outputs' ? (job.outputs[path[3]!] ?? '') : null;
    }
    if (path[0] === 'steps') {
      const step = scope.steps[path[1]!];
      if (!step) return null;
      return path[2] === 'outputs' ? (step.outputs[path[3]!] ?? '') : path[2] === 'outcome' || path[2] === 'conclusion' ? step.outcome : null;
    }
    if (path[0] === 'vars' || path[0] === 'secrets' || path[0] === 'inputs') return '';
    throw new Error(`unsupported expression part "${t}" in ${src}`);
  };
  const comparison = (): Value => {
    const left = primary();
    const op = peek();
    if (op === '==' || op === '!=') {
      next();
      const right = primary();
      return op === '==' ? equal(left, right) : !equal(left, right);
    }
    return left;
  };
  const and = (): Value => {
    let v = comparison();
    while (peek() === '&&') {
      next();
      const r = comparison();
      v = truthy(v) ? r : v;
    }
    return v;
  };
  const or = (): Value => {
    let v = and();
    while (peek() === '||') {
      next();
      const r = and();
      v = truthy(v) ? v : r;
    }
    return v;
  };
  const v = or();
  if (i !== tokens.length) throw new Error(`trailing tokens in ${src}`);
  return v;
}

const interpolate = (text: string, scope: Scope): string => text.replace(/\$\{\{(.*?)\}\}/g, (_, e: string) => String(evaluate(e, scope) ?? ''));

/** An `if:` as GitHub reads it: with or without `${{ }}`; no status function → `success() &&` is implied. */
function condition(raw: unknown, scope: Scope): boolean {
  if (raw === undefined) return scope.jobStatus === 'success' && scope.needsStatus === 'success';
  const src = String(raw).trim().replace(/^\$\{\{([\s\S]*)\}\}$/, '$1');
  const hasStatus = /\b(always|cancelled|success|failure)\(\)/.test(src);
  return truthy(evaluate(hasStatus ? src : `success() && (${src})`, scope));
}

// ── the runner ─────────────────────────────────────────────────────────────────────────────

export async function runWorkflow(
  yamlText: string,
  options: {
    /** The repository at the workflow's commit (each job's checkout). */
    readonly checkout: Readonly<Record<string, string>>;
    /** Runs one mlops-gate action step. */
    readonly action: (step: ActionStep) => Promise<StepRun>;
  },
): Promise<WorkflowRun> {
  const doc = parse(yamlText) as Json;
  if (!isObject(doc.jobs)) throw new Error('workflow has no jobs');
  const jobs: Record<string, { result: JobResult; outputs: Record<string, string>; steps: { name: string; outcome: JobResult }[] }> = {};
  const artifacts = new Map<string, Record<string, string>>();
  const pending = Object.entries(doc.jobs as Record<string, Json>);
  while (pending.length) {
    const index = pending.findIndex(([, job]) => ([] as string[]).concat((job.needs as string[] | string | undefined) ?? []).every((n) => jobs[n]));
    if (index < 0) throw new Error('a job needs a job that does not exist (or a cycle)');
    const [name, job] = pending.splice(index, 1)[0]!;
    const needNames = ([] as string[]).concat((job.needs as string[] | string | undefined) ?? []);
    const needs = Object.fromEntries(needNames.map((n) => [n, jobs[n]!]));
    const needsStatus: JobResult = needNames.some((n) => jobs[n]!.result !== 'success') ? 'failure' : 'success';
    const steps: Record<string, { outputs: Record<string, string>; outcome: JobResult }> = {};
    const scope = (jobStatus: JobResult): Scope => ({ needs, steps, jobStatus, needsStatus });
    if (!condition(job.if, scope('success'))) {
      jobs[name] = { result: 'skipped', outputs: {}, steps: [] };
      continue;
    }
    const workspace: Record<string, string> = { ...options.checkout };
    const files: Record<string, string> = {};
    let status: JobResult = 'success';
    const record: { name: string; outcome: JobResult }[] = [];
    for (const [n, step] of ((job.steps as Json[] | undefined) ?? []).entries()) {
      const id = typeof step.id === 'string' ? step.id : `step${n}`;
      const label = typeof step.uses === 'string' ? step.uses : `run ${id}`;
      // A step's own `if` is evaluated with the job status so far (needs no longer matter).
      const s: Scope = { needs, steps, jobStatus: status, needsStatus: 'success' };
      if (!condition(step.if, s)) {
        steps[id] = { outputs: {}, outcome: 'skipped' };
        record.push({ name: label, outcome: 'skipped' });
        continue;
      }
      const w: Record<string, string> = Object.fromEntries(Object.entries(isObject(step.with) ? step.with : {}).map(([k, v]) => [k, interpolate(String(v), s)]));
      let outcome: JobResult = 'success';
      let outputs: Record<string, string> = {};
      const uses = String(step.uses ?? '');
      if (uses.startsWith('actions/checkout@') || uses.startsWith('actions/setup-node@')) {
        // The workspace is the checkout already.
      } else if (uses.startsWith('actions/upload-artifact@')) {
        const text = files[w.path!] ?? workspace[w.path!];
        if (text === undefined) outcome = 'failure';
        else artifacts.set(w.name!, { [w.path!.split('/').pop()!]: text });
      } else if (uses.startsWith('actions/download-artifact@')) {
        const artifact = artifacts.get(w.name!);
        if (!artifact) outcome = 'failure';
        else for (const [file, text] of Object.entries(artifact)) workspace[`${w.path ? `${w.path}/` : ''}${file}`] = text;
      } else if (/^mlops-gate\/mlops-gate@/.test(uses)) {
        const run = await options.action({ job: name, uses, with: w, workspace });
        outputs = { ...run.outputs };
        Object.assign(files, run.files ?? {});
        outcome = run.code === 0 ? 'success' : 'failure';
      } else {
        throw new Error(`the workflow runner does not know step "${uses || String(step.run)}"`);
      }
      steps[id] = { outputs, outcome };
      record.push({ name: label, outcome });
      if (outcome === 'failure' && step['continue-on-error'] !== true) status = 'failure';
    }
    const outputs = Object.fromEntries(Object.entries(isObject(job.outputs) ? job.outputs : {}).map(([k, v]) => [k, interpolate(String(v), scope(status))]));
    jobs[name] = { result: status, outputs, steps: record };
  }
  return { jobs, artifacts };
}

// Builders for policy tests: small, explicit evidence with overridable parts.

import type { GateSpec, Target, Waiver } from '../../../src/config/types.js';
import {
  gathered,
  notGathered,
  type Approval,
  type ApprovalsEvidence,
  type ColumnSpec,
  type Gathered,
  type ModelSignature,
  type RunInfo,
  type TargetEvidence,
  type VersionEvidence,
  type VersionInfo,
} from '../../../src/evidence/types.js';
import { getGateType } from '../../../src/policy/registry.js';
import type { GateContext, GateResult } from '../../../src/policy/types.js';

export const TARGET: Target = { model: 'churn', from: 'staging', to: 'prod' };
export const NOW = new Date('2026-11-23T18:00:00Z');
export const HEAD = 'a'.repeat(40);
export const OLD = 'b'.repeat(40);
export const POSITION = { file: 'mlops.yml', line: 10, column: 5 };

export const run = (over: Partial<RunInfo> = {}): RunInfo => ({
  runId: 'run-cand',
  status: 'FINISHED',
  startTimeMs: 1,
  endTimeMs: 2,
  metrics: {},
  params: {},
  tags: {},
  url: null,
  ...over,
});

export const versionInfo = (over: Partial<VersionInfo> = {}): VersionInfo => ({
  name: 'churn',
  version: '7',
  status: 'READY',
  description: 'Gradient boosted churn model trained on Q3 data.',
  tags: {},
  aliases: [],
  source: 'runs:/run-cand/model',
  runId: 'run-cand',
  modelId: null,
  createdAtMs: 1,
  url: 'http://mlflow/#/models/churn/versions/7',
  ...over,
});

export const version = (
  over: Partial<VersionInfo> = {},
  facts: Omit<VersionEvidence, 'version'> = {},
): VersionEvidence => ({ version: versionInfo(over), ...facts });

/** A candidate (v7) whose run logged `metrics`. */
export const candidateWith = (metrics: Record<string, number>, over: Partial<VersionInfo> = {}): VersionEvidence =>
  version(over, { run: gathered(run({ metrics })) });

/** A champion (v5) whose run logged `metrics`. */
export const championWith = (metrics: Record<string, number>): VersionEvidence =>
  version({ version: '5', runId: 'run-champ', url: null }, { run: gathered(run({ runId: 'run-champ', metrics })) });

export const evidence = (
  candidate: VersionEvidence | null | Gathered<VersionEvidence | null>,
  champion: VersionEvidence | null | Gathered<VersionEvidence | null> = gathered(null),
  rest: Partial<Pick<TargetEvidence, 'approvals' | 'commits'>> = {},
): TargetEvidence => {
  const wrap = (v: VersionEvidence | null | Gathered<VersionEvidence | null>): Gathered<VersionEvidence | null> =>
    v !== null && 'ok' in v ? v : gathered(v);
  return { candidate: wrap(candidate), champion: wrap(champion), ...rest };
};

export const unavailable = <T>(message = 'connect ECONNREFUSED 127.0.0.1:5000'): Gathered<T> => notGathered<T>('unavailable', message);

export const ctx = (e: TargetEvidence): GateContext => ({ target: TARGET, evidence: e, now: NOW });

/** Parse raw options with the registered gate type and evaluate: exactly what the engine does. */
export const runGate = (type: string, raw: Record<string, unknown>, e: TargetEvidence): GateResult => {
  const gate = getGateType(type);
  if (!gate) throw new Error(`no gate type ${type}`);
  return gate.evaluate(gate.parse(raw), ctx(e));
};

export const col = (name: string | null, type: string, required = true): ColumnSpec => ({ name, type, required });
export const signature = (inputs: ColumnSpec[] | null, outputs: ColumnSpec[] | null = [col(null, 'double')]): ModelSignature => ({
  inputs,
  outputs,
  inputExamplePath: null,
});

/** A PR review by a person with write access (what GitHub reports for a repository collaborator). */
export const review = (user: string, state: Approval['state'], over: Partial<Approval> = {}): Approval => ({
  user,
  state,
  submittedAt: null,
  commitId: HEAD,
  source: 'pull_request_review',
  reviewer: { writeAccess: true, bot: false, via: 'permission' },
  ...over,
});

export const approvalsEvidence = (approvals: Approval[], over: Partial<ApprovalsEvidence> = {}): ApprovalsEvidence => ({
  author: 'Author',
  headSha: HEAD,
  approvals,
  teams: {},
  ...over,
});

export const spec = (type: string, options: Record<string, unknown>, over: Partial<GateSpec> = {}): GateSpec => ({
  id: `prod/${type}${typeof options.metric === 'string' ? `:${options.metric}` : ''}`,
  type,
  policy: 'prod',
  severity: 'fail',
  options,
  position: POSITION,
  ...over,
});

export const waiver = (over: Partial<Waiver> = {}): Waiver => ({
  gate: 'prod/description',
  models: null,
  environments: null,
  owner: 'alice',
  reason: 'model card in review',
  expires: '2026-12-31',
  position: POSITION,
  ...over,
});

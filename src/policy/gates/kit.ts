// Shared pieces for gate implementations: building results and reading evidence so that a
// missing fact becomes `error` (never a bad-model `fail`).

import type { Gathered, RunInfo, TargetEvidence, VersionEvidence } from '../../evidence/types.js';
import type { GateContext, GateResult, Measured } from '../types.js';

export const result = (
  outcome: GateResult['outcome'],
  message: string,
  measured: Measured = {},
  threshold: Measured = {},
): GateResult => ({ outcome, message, measured, threshold });

/** The gate needed a fact the gatherer did not collect: a bug in needs() or in the gatherer. */
export const notGatheredResult = (what: string): GateResult =>
  result('error', `Evidence not gathered: ${what} (this is a bug in mlops-gate; the gate cannot be evaluated).`);

/** The fact could not be read (network, permissions, nonsense answer): reported, never judged. */
export const unreadableResult = (what: string, error: { kind: string; message: string }): GateResult =>
  result('error', `Could not read ${what} (${error.kind}): ${error.message}`, { evidence_error: error.kind });

export type Read<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly result: GateResult };

/** Unwrap gathered evidence, or the `error` result that explains why it is not there. */
export const read = <T>(fact: Gathered<T> | undefined, what: string): Read<T> => {
  if (fact === undefined) return { ok: false, result: notGatheredResult(what) };
  if (!fact.ok) return { ok: false, result: unreadableResult(what, fact.error) };
  return { ok: true, value: fact.value };
};

/** The candidate version. The engine only calls gates when there is one; anything else is an error. */
export const readCandidate = (evidence: TargetEvidence): Read<VersionEvidence> => {
  const candidate = read(evidence.candidate, 'the candidate version');
  if (!candidate.ok) return candidate;
  if (candidate.value === null) return { ok: false, result: result('error', 'There is no candidate version to evaluate.') };
  return { ok: true, value: candidate.value };
};

export const versionLabel = (v: VersionEvidence): string => `${v.version.name} v${v.version.version}`;

/** The candidate's source run (null when the version has none), or the error result. */
export const readCandidateRun = (ctx: GateContext): Read<{ version: VersionEvidence; run: RunInfo | null }> => {
  const candidate = readCandidate(ctx.evidence);
  if (!candidate.ok) return candidate;
  const run = read(candidate.value.run, `the source run of candidate ${versionLabel(candidate.value)}`);
  if (!run.ok) return run;
  return { ok: true, value: { version: candidate.value, run: run.value } };
};

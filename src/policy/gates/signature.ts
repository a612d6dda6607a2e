// signature: the candidate's MLmodel signature exists and does not break callers of the champion.
// Compatibility is about inputs: no removed, retyped or newly required input column. Named columns
// compare by name; unnamed tensor specs compare by position.

import type { ColumnSpec, ModelSignature } from '../../evidence/types.js';
import { listOf } from '../format.js';
import { readBoolean, readEnum } from '../options.js';
import type { GateType, Measured } from '../types.js';
import { read, readCandidate, result, versionLabel } from './kit.js';

export interface SignatureOptions {
  readonly requireInputs: boolean;
  readonly requireOutputs: boolean;
  readonly compatibleWith: 'champion' | 'none';
}

export interface InputDiff {
  readonly removed: readonly string[];
  readonly retyped: readonly string[];
  readonly newlyRequired: readonly string[];
}

const columnLabel = (column: ColumnSpec, index: number): string => column.name ?? `#${String(index)}`;

/** What would break a caller of `champion` if it called `candidate` instead. */
export const diffInputs = (champion: readonly ColumnSpec[], candidate: readonly ColumnSpec[]): InputDiff => {
  const byName = champion.every((c) => c.name !== null) && candidate.every((c) => c.name !== null);
  const removed: string[] = [];
  const retyped: string[] = [];
  const newlyRequired: string[] = [];
  if (byName) {
    const candidateByName = new Map(candidate.map((c) => [c.name, c]));
    const championByName = new Map(champion.map((c) => [c.name, c]));
    for (const old of champion) {
      const now = candidateByName.get(old.name);
      if (now === undefined) removed.push(old.name ?? '');
      else if (now.type !== old.type) retyped.push(`${old.name ?? ''} (${old.type} → ${now.type})`);
    }
    for (const now of candidate) {
      const old = championByName.get(now.name);
      if (now.required && (old === undefined || !old.required)) newlyRequired.push(now.name ?? '');
    }
  } else {
    champion.forEach((old, i) => {
      const now = candidate[i];
      if (now === undefined) removed.push(columnLabel(old, i));
      else if (now.type !== old.type) retyped.push(`${columnLabel(old, i)} (${old.type} → ${now.type})`);
    });
    candidate.forEach((now, i) => {
      const old = champion[i];
      if (now.required && (old === undefined || !old.required)) newlyRequired.push(columnLabel(now, i));
    });
  }
  return { removed, retyped, newlyRequired };
};

const describeDiff = (diff: InputDiff): string[] => [
  ...(diff.removed.length ? [`removed input ${listOf(diff.removed)}`] : []),
  ...(diff.retyped.length ? [`retyped ${listOf(diff.retyped)}`] : []),
  ...(diff.newlyRequired.length ? [`newly required ${listOf(diff.newlyRequired)}`] : []),
];

const countOf = (columns: readonly ColumnSpec[] | null | undefined): number | null => (columns ? columns.length : null);

export const signatureGate: GateType<SignatureOptions> = {
  type: 'signature',
  schemaRef: '#/$defs/gate_signature',

  parse: (raw) => ({
    requireInputs: readBoolean(raw, 'require_inputs', true),
    requireOutputs: readBoolean(raw, 'require_outputs', true),
    compatibleWith: readEnum(raw, 'compatible_with', ['champion', 'none'] as const, 'champion'),
  }),

  needs: (o) => ({ candidateSignature: true, championSignature: o.compatibleWith === 'champion' }),

  evaluate(o, ctx) {
    const threshold: Measured = {
      require_inputs: o.requireInputs,
      require_outputs: o.requireOutputs,
      compatible_with: o.compatibleWith,
    };
    const candidate = readCandidate(ctx.evidence);
    if (!candidate.ok) return { ...candidate.result, threshold };
    const label = versionLabel(candidate.value);
    const signatureFact = read(candidate.value.signature, `the MLmodel signature of candidate ${label}`);
    if (!signatureFact.ok) return { ...signatureFact.result, threshold };
    const signature: ModelSignature | null = signatureFact.value;

    const missing = [
      ...(o.requireInputs && !signature?.inputs ? ['input schema'] : []),
      ...(o.requireOutputs && !signature?.outputs ? ['output schema'] : []),
    ];
    const measured: Measured = { inputs: countOf(signature?.inputs), outputs: countOf(signature?.outputs) };
    if (missing.length > 0) {
      const what = signature === null ? 'no signature in its MLmodel' : `no ${listOf(missing)}`;
      return result('fail', `Candidate ${label} has ${what}; log the model with a signature.`, measured, threshold);
    }
    if (o.compatibleWith === 'none') {
      return result('pass', `Candidate ${label} has the required signature.`, measured, threshold);
    }

    const championFact = read(ctx.evidence.champion, `the champion in ${ctx.target.to}`);
    if (!championFact.ok) return { ...championFact.result, measured, threshold };
    const champion = championFact.value;
    // Nothing to be compatible with is not a defect of the candidate: pass, and say what was not checked.
    if (champion === null) {
      return result(
        'pass',
        `Candidate ${label} has the required signature; ${ctx.target.to} has no champion yet, so compatibility was not checked.`,
        { ...measured, compatibility: 'no_champion' },
        threshold,
      );
    }
    const championLabel = versionLabel(champion);
    const championSignature = read(champion.signature, `the MLmodel signature of champion ${championLabel}`);
    if (!championSignature.ok) return { ...championSignature.result, measured, threshold };
    const oldInputs = championSignature.value?.inputs ?? null;
    if (oldInputs === null) {
      return result(
        'pass',
        `Candidate ${label} has the required signature; champion ${championLabel} has no input schema, so compatibility was not checked.`,
        { ...measured, compatibility: 'champion_has_no_inputs' },
        threshold,
      );
    }
    const newInputs = signature?.inputs ?? null;
    if (newInputs === null) {
      return result(
        'pass',
        `Candidate ${label} has no input schema (not required), so it accepts any input; compatibility with ${championLabel} was not checked.`,
        { ...measured, compatibility: 'candidate_has_no_inputs' },
        threshold,
      );
    }
    const diff = diffInputs(oldInputs, newInputs);
    const problems = describeDiff(diff);
    const diffMeasured: Measured = {
      ...measured,
      champion_version: champion.version.version,
      removed: diff.removed.join(', ') || null,
      retyped: diff.retyped.join(', ') || null,
      newly_required: diff.newlyRequired.join(', ') || null,
    };
    if (problems.length > 0) {
      return result(
        'fail',
        `Candidate ${label}'s inputs are incompatible with champion ${championLabel}: ${problems.join('; ')}.`,
        { ...diffMeasured, compatibility: 'incompatible' },
        threshold,
      );
    }
    return result(
      'pass',
      `Candidate ${label}'s signature is compatible with champion ${championLabel} (${String(newInputs.length)} inputs).`,
      { ...diffMeasured, compatibility: 'compatible' },
      threshold,
    );
  },
};

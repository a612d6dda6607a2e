// description: the candidate version says what it is (a description, or a model card link).

import { readNumber, readString, GateOptionError } from '../options.js';
import type { GateType, Measured } from '../types.js';
import { readCandidate, result, versionLabel } from './kit.js';

export interface DescriptionOptions {
  readonly minLength: number;
  readonly modelCardTag: string | null;
}

/** Length in characters (code points), so "é" or an emoji counts once. */
const characters = (text: string): number => [...text].length;

export const descriptionGate: GateType<DescriptionOptions> = {
  type: 'description',
  schemaRef: '#/$defs/gate_description',

  parse(raw) {
    const minLength = readNumber(raw, 'min_length') ?? 20;
    if (!Number.isInteger(minLength) || minLength < 1) throw new GateOptionError('option "min_length" must be an integer ≥ 1', 'min_length');
    return { minLength, modelCardTag: readString(raw, 'model_card_tag') ?? null };
  },

  needs: () => ({}),

  evaluate(o, ctx) {
    const threshold: Measured = { min_length: o.minLength, model_card_tag: o.modelCardTag };
    const candidate = readCandidate(ctx.evidence);
    if (!candidate.ok) return { ...candidate.result, threshold };
    const label = versionLabel(candidate.value);
    const length = characters((candidate.value.version.description ?? '').trim());
    const card = o.modelCardTag === null ? null : candidate.value.version.tags[o.modelCardTag]?.trim() || null;
    const measured: Measured = { length, model_card: card };
    if (length >= o.minLength) {
      return result('pass', `Candidate ${label} has a ${String(length)}-character description (min ${String(o.minLength)}).`, measured, threshold);
    }
    if (card !== null) {
      return result(
        'pass',
        `Candidate ${label}'s description is short (${String(length)} of ${String(o.minLength)} characters) but model card tag ${o.modelCardTag ?? ''} is set.`,
        measured,
        threshold,
      );
    }
    const cardNote = o.modelCardTag === null ? '' : ` and model card tag ${o.modelCardTag} is not set`;
    const what = length === 0 ? `has no description (min ${String(o.minLength)} characters)` : `has a ${String(length)}-character description, fewer than the ${String(o.minLength)} required`;
    return result('fail', `Candidate ${label} ${what}${cardNote}.`, measured, threshold);
  },
};

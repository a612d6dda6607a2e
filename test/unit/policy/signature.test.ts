import { describe, expect, it } from 'vitest';
import { gathered, type ColumnSpec, type Gathered, type ModelSignature } from '../../../src/evidence/types.js';
import { diffInputs } from '../../../src/policy/gates/signature.js';
import type { GateOutcome } from '../../../src/policy/types.js';
import { col, evidence, runGate, signature, unavailable, version } from './fixtures.js';

const candidate = (sig: Gathered<ModelSignature | null>) => version({}, { signature: sig });
const champion = (sig: Gathered<ModelSignature | null>) => version({ version: '5' }, { signature: sig });

const BASE: ColumnSpec[] = [col('age', 'long'), col('income', 'double'), col('region', 'string', false)];

describe('signature: presence', () => {
  it.each<[string, Record<string, unknown>, ModelSignature | null, GateOutcome]>([
    ['inputs and outputs present', { compatible_with: 'none' }, signature(BASE), 'pass'],
    ['no signature at all', { compatible_with: 'none' }, null, 'fail'],
    ['no inputs', { compatible_with: 'none' }, signature(null), 'fail'],
    ['no outputs', { compatible_with: 'none' }, signature(BASE, null), 'fail'],
    ['no outputs, outputs not required', { compatible_with: 'none', require_outputs: false }, signature(BASE, null), 'pass'],
    ['nothing required, no signature', { compatible_with: 'none', require_inputs: false, require_outputs: false }, null, 'pass'],
  ])('%s → %s', (_name, options, sig, expected) => {
    expect(runGate('signature', options, evidence(candidate(gathered(sig)))).outcome).toBe(expected);
  });

  it('names what is missing', () => {
    expect(runGate('signature', {}, evidence(candidate(gathered(null)))).message).toBe(
      'Candidate churn v7 has no signature in its MLmodel; log the model with a signature.',
    );
    expect(runGate('signature', {}, evidence(candidate(gathered(signature(null, null))))).message).toMatch(/has no input schema and output schema/);
  });

  it('an unreadable MLmodel is an error', () => {
    const r = runGate('signature', {}, evidence(candidate(unavailable('HTTP 500 from artifacts'))));
    expect(r.outcome).toBe('error');
    expect(r.message).toMatch(/MLmodel signature of candidate churn v7.*HTTP 500/);
  });

  it('a signature that was not gathered is an error', () => {
    expect(runGate('signature', {}, evidence(version())).outcome).toBe('error');
  });
});

describe('signature: compatibility with the champion', () => {
  const check = (oldInputs: ColumnSpec[] | null, newInputs: ColumnSpec[] | null, options: Record<string, unknown> = {}) =>
    runGate(
      'signature',
      { require_inputs: false, ...options },
      evidence(candidate(gathered(signature(newInputs))), champion(gathered(oldInputs === null ? null : signature(oldInputs)))),
    );

  it.each<[string, ColumnSpec[], GateOutcome]>([
    ['identical', BASE, 'pass'],
    ['reordered named columns', [BASE[2]!, BASE[0]!, BASE[1]!], 'pass'],
    ['added optional column', [...BASE, col('tenure', 'long', false)], 'pass'],
    ['required column made optional', [col('age', 'long', false), BASE[1]!, BASE[2]!], 'pass'],
    ['removed column', [BASE[0]!, BASE[2]!], 'fail'],
    ['removed optional column', [BASE[0]!, BASE[1]!], 'fail'],
    ['retyped column', [col('age', 'double'), BASE[1]!, BASE[2]!], 'fail'],
    ['added required column', [...BASE, col('tenure', 'long')], 'fail'],
    ['optional column made required', [BASE[0]!, BASE[1]!, col('region', 'string', true)], 'fail'],
  ])('named columns: %s → %s', (_name, inputs, expected) => {
    expect(check(BASE, inputs).outcome).toBe(expected);
  });

  it.each<[string, ColumnSpec[], ColumnSpec[], GateOutcome]>([
    ['same tensors', [col(null, 'tensor:float64')], [col(null, 'tensor:float64')], 'pass'],
    ['retyped tensor', [col(null, 'tensor:float64')], [col(null, 'tensor:int32')], 'fail'],
    ['removed tensor', [col(null, 'tensor:float64'), col(null, 'tensor:int64')], [col(null, 'tensor:float64')], 'fail'],
    ['added required tensor', [col(null, 'tensor:float64')], [col(null, 'tensor:float64'), col(null, 'tensor:int64')], 'fail'],
    ['added optional tensor', [col(null, 'tensor:float64')], [col(null, 'tensor:float64'), col(null, 'tensor:int64', false)], 'pass'],
  ])('unnamed tensors compare by position: %s → %s', (_name, oldInputs, newInputs, expected) => {
    expect(check(oldInputs, newInputs).outcome).toBe(expected);
  });

  it('lists every incompatibility in one sentence', () => {
    const r = check(BASE, [col('age', 'string'), col('region', 'string', true), col('tenure', 'long')]);
    expect(r.message).toBe(
      "Candidate churn v7's inputs are incompatible with champion churn v5: removed input income; retyped age (long → string); newly required region and tenure.",
    );
    expect(r.measured).toMatchObject({ removed: 'income', retyped: 'age (long → string)', newly_required: 'region, tenure', compatibility: 'incompatible' });
  });

  it('diffInputs labels unnamed columns by position', () => {
    expect(diffInputs([col(null, 'a'), col(null, 'b')], [col(null, 'a')])).toEqual({ removed: ['#1'], retyped: [], newlyRequired: [] });
  });

  it('no champion yet: pass, compatibility not checked', () => {
    const r = runGate('signature', {}, evidence(candidate(gathered(signature(BASE)))));
    expect(r.outcome).toBe('pass');
    expect(r.measured.compatibility).toBe('no_champion');
  });

  it('champion without a signature: pass with a note (decision documented in docs/gates.md)', () => {
    const r = check(null, BASE);
    expect(r.outcome).toBe('pass');
    expect(r.message).toMatch(/champion churn v5 has no input schema, so compatibility was not checked/);
    expect(r.measured.compatibility).toBe('champion_has_no_inputs');
  });

  it('candidate without inputs (not required) vs a champion with inputs: pass with a note', () => {
    const r = check(BASE, null);
    expect(r.outcome).toBe('pass');
    expect(r.measured.compatibility).toBe('candidate_has_no_inputs');
  });

  it('compatible_with none ignores the champion entirely', () => {
    const e = evidence(candidate(gathered(signature([col('x', 'long')]))), champion(unavailable()));
    expect(runGate('signature', { compatible_with: 'none' }, e).outcome).toBe('pass');
  });

  it("an unreadable champion signature is an error", () => {
    const e = evidence(candidate(gathered(signature(BASE))), champion(unavailable('403 forbidden')));
    expect(runGate('signature', {}, e).outcome).toBe('error');
  });

  it('an unreadable champion is an error', () => {
    expect(runGate('signature', {}, evidence(candidate(gathered(signature(BASE))), unavailable())).outcome).toBe('error');
  });
});

import { describe, expect, it } from 'vitest';
import type { GateSpec, Waiver } from '../../../src/config/types.js';
import { ConfigError } from '../../../src/errors.js';
import { gathered, NO_NEEDS, notGathered, type TargetEvidence } from '../../../src/evidence/types.js';
import { compileGate, evaluateTarget, needsFor, summarizeGates } from '../../../src/policy/engine.js';

import { candidateWith, championWith, evidence, NOW, spec, TARGET, unavailable, version, waiver } from './fixtures.js';
import type { GateReport } from '../../../src/policy/types.js';

const DESCRIPTION = spec('description', { min_length: 20 });
const THRESHOLD = spec('metric_threshold', { metric: 'roc_auc', threshold: 0.8, greater_is_better: true });
const DELTA = spec('metric_delta', { metric: 'roc_auc', greater_is_better: true, max_regression: { relative: 0.01 } });

const goodCandidate = candidateWith({ roc_auc: 0.85 }, { description: 'A long enough description for the gate.' });
const badCandidate = candidateWith({ roc_auc: 0.7 }, { description: 'short' });

const evaluate = (gates: GateSpec[], e: TargetEvidence, waivers: Waiver[] = [], now = NOW) =>
  evaluateTarget({ target: TARGET, gates, waivers, evidence: e, now });

const gateById = (gates: readonly GateReport[], id: string): GateReport => {
  const g = gates.find((x) => x.id === id);
  if (!g) throw new Error(`no gate ${id}`);
  return g;
};

describe('compileGate', () => {
  it('parses options once per spec', () => {
    expect(compileGate(DESCRIPTION)).toBe(compileGate(DESCRIPTION));
  });

  it('applies defaults in parse', () => {
    expect(compileGate(spec('signature', {})).options).toEqual({ requireInputs: true, requireOutputs: true, compatibleWith: 'champion' });
  });

  it('unknown gate type throws a ConfigError naming the gate, with its position', () => {
    const bad = spec('metric_magic', {});
    try {
      compileGate(bad);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      const d = (e as ConfigError).diagnostics[0]!;
      expect(d.code).toBe('unknown-gate-type');
      expect(d.message).toMatch(/prod\/metric_magic: unknown gate type "metric_magic"/);
      expect(d.position).toEqual(bad.position);
      expect(d.hint).toMatch(/metric_delta/);
    }
  });

  it('unusable options throw a ConfigError with the option path', () => {
    try {
      compileGate(spec('metric_delta', { metric: 'm', greater_is_better: true, max_regression: { absolute: 1, relative: 1 } }));
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as ConfigError).diagnostics[0]).toMatchObject({ code: 'gate-options', path: '/max_regression' });
    }
  });
});

describe('needsFor', () => {
  it('no gates need nothing', () => {
    expect(needsFor([])).toEqual(NO_NEEDS);
  });

  it.each<[string, GateSpec[], Partial<typeof NO_NEEDS>]>([
    ['description', [DESCRIPTION], {}],
    ['metric_threshold', [THRESHOLD], { candidateRun: true }],
    ['metric_delta', [DELTA], { candidateRun: true, championRun: true }],
    ['signature', [spec('signature', {})], { candidateSignature: true, championSignature: true }],
    ['signature without compatibility', [spec('signature', { compatible_with: 'none' })], { candidateSignature: true }],
    ['approvals', [spec('approvals', {})], { approvals: true }],
    ['provenance', [spec('provenance', {})], { candidateRun: true }],
    ['provenance commit_in_repo', [spec('provenance', { commit_in_repo: true })], { candidateRun: true, commits: true }],
    ['required_tags on version', [spec('required_tags', { tags: { a: '.+' } })], {}],
    ['required_tags on run', [spec('required_tags', { tags: { a: '.+' }, on: 'run' })], { candidateRun: true }],
    ['merged', [DESCRIPTION, DELTA, spec('approvals', {})], { candidateRun: true, championRun: true, approvals: true }],
  ])('%s', (_name, gates, expected) => {
    expect(needsFor(gates)).toEqual({ ...NO_NEEDS, ...expected });
  });
});

describe('evaluateTarget', () => {
  it('all gates pass → pass', () => {
    const r = evaluate([DESCRIPTION, THRESHOLD, DELTA], evidence(goodCandidate, championWith({ roc_auc: 0.84 })));
    expect(r.verdict).toBe('pass');
    expect(r.summary).toBe('all 3 gates pass');
    expect(r.gates.map((g) => g.outcome)).toEqual(['pass', 'pass', 'pass']);
  });

  it('worst wins, and the summary lists failing gates by short id', () => {
    const r = evaluate([DESCRIPTION, THRESHOLD, DELTA], evidence(badCandidate, championWith({ roc_auc: 0.84 })));
    expect(r.verdict).toBe('fail');
    expect(r.summary).toBe('3 of 3 gates fail: description, metric_threshold:roc_auc, metric_delta:roc_auc');
  });

  it('error outranks fail', () => {
    const r = evaluate([DESCRIPTION, DELTA], evidence(badCandidate, unavailable()));
    expect(r.verdict).toBe('error');
    expect(r.summary).toBe('1 of 2 gates could not be evaluated: metric_delta:roc_auc; 1 fail: description');
  });

  it('severity warn turns a failure into warn that does not block', () => {
    const r = evaluate([{ ...DESCRIPTION, severity: 'warn' }, THRESHOLD], evidence(candidateWith({ roc_auc: 0.9 }, { description: 'x' })));
    expect(r.verdict).toBe('warn');
    const g = gateById(r.gates, 'prod/description');
    expect(g).toMatchObject({ outcome: 'warn', rawOutcome: 'fail', severity: 'warn' });
    expect(r.summary).toBe('1 of 2 gates warn: description');
  });

  it('severity warn does not soften an error', () => {
    const r = evaluate([{ ...DELTA, severity: 'warn' }], evidence(goodCandidate, unavailable()));
    expect(r.gates[0]!.outcome).toBe('error');
    expect(r.verdict).toBe('error');
  });

  it('a gate that itself returns warn (on_missing_baseline: warn) reports warn', () => {
    const g = spec('metric_delta', { metric: 'roc_auc', greater_is_better: true, min_absolute_change: 0, on_missing_baseline: 'warn' });
    const r = evaluate([g], evidence(goodCandidate, null));
    expect(r.verdict).toBe('warn');
    expect(r.gates[0]!.rawOutcome).toBe('warn');
  });

  describe('waivers', () => {
    const failing = evidence(badCandidate);

    it('an active waiver turns a failure into waived, recorded', () => {
      const r = evaluate([DESCRIPTION], failing, [waiver()]);
      expect(r.verdict).toBe('waived');
      expect(r.gates[0]).toMatchObject({
        outcome: 'waived',
        rawOutcome: 'fail',
        waiver: { owner: 'alice', reason: 'model card in review', expires: '2026-12-31', expired: false },
      });
      expect(r.summary).toBe('1 of 1 gate waived: description');
    });

    it('waives a severity-warn gate too', () => {
      expect(evaluate([{ ...DESCRIPTION, severity: 'warn' }], failing, [waiver()]).gates[0]!.outcome).toBe('waived');
    });

    it('an expired waiver is recorded and changes nothing', () => {
      const r = evaluate([DESCRIPTION], failing, [waiver({ expires: '2026-11-22' })]);
      expect(r.verdict).toBe('fail');
      expect(r.gates[0]!.waiver).toMatchObject({ expired: true, expires: '2026-11-22' });
      expect(r.gates[0]!.message).toMatch(/waiver by alice expired on 2026-11-22/);
    });

    it.each([
      ['same day, morning', '2026-11-23T00:00:00Z', true],
      ['same day, last millisecond', '2026-11-23T23:59:59.999Z', true],
      ['next day, midnight', '2026-11-24T00:00:00Z', false],
    ])('a waiver expiring 2026-11-23 is active %s → %s', (_name, now, active) => {
      const r = evaluate([DESCRIPTION], failing, [waiver({ expires: '2026-11-23' })], new Date(now));
      expect(r.gates[0]!.outcome).toBe(active ? 'waived' : 'fail');
      expect(r.gates[0]!.waiver?.expired).toBe(!active);
    });

    it.each<[string, Partial<Waiver>, boolean]>([
      ['glob over metric gates', { gate: 'prod/metric_*' }, true],
      ['glob star alone', { gate: '*' }, true],
      ['other gate id', { gate: 'prod/signature' }, false],
      ['glob does not match a prefix only', { gate: 'prod/metric' }, false],
      ['glob dot is literal', { gate: 'prod.metric_threshold:roc_auc' }, false],
      ['matching model', { gate: '*', models: ['churn'] }, true],
      ['other model', { gate: '*', models: ['fraud'] }, false],
      ['matching target environment', { gate: '*', environments: ['prod'] }, true],
      ['source environment does not count', { gate: '*', environments: ['staging'] }, false],
    ])('waiver matching: %s → %s', (_name, over, applies) => {
      const r = evaluate([THRESHOLD], failing, [waiver(over)]);
      expect(r.gates[0]!.outcome).toBe(applies ? 'waived' : 'fail');
    });

    it('prefers an active waiver over an expired one', () => {
      const r = evaluate([DESCRIPTION], failing, [waiver({ expires: '2026-01-01', owner: 'old' }), waiver({ owner: 'new' })]);
      expect(r.gates[0]).toMatchObject({ outcome: 'waived', waiver: { owner: 'new', expired: false } });
    });

    it('never waives an error, and says so', () => {
      const r = evaluate([DELTA], evidence(goodCandidate, unavailable()), [waiver({ gate: '*' })]);
      expect(r.gates[0]).toMatchObject({ outcome: 'error', waiver: null });
      expect(r.gates[0]!.message).toMatch(/waiver by alice does not apply/);
      expect(r.verdict).toBe('error');
    });

    it('a passing gate does not consume a waiver', () => {
      const r = evaluate([DESCRIPTION], evidence(goodCandidate), [waiver()]);
      expect(r.gates[0]).toMatchObject({ outcome: 'pass', waiver: null });
    });

    it('mixed: waived and failing gates, verdict is the worst', () => {
      const r = evaluate([DESCRIPTION, THRESHOLD], failing, [waiver()]);
      expect(r.verdict).toBe('fail');
      expect(r.summary).toBe('1 of 2 gates fail: metric_threshold:roc_auc; 1 waived: description');
    });
  });

  describe('special cases', () => {
    it('candidate evidence error → verdict error, every gate error with the reason', () => {
      const e: TargetEvidence = { candidate: notGathered('denied', 'HTTP 403 PERMISSION_DENIED'), champion: gathered(null) };
      const r = evaluate([DESCRIPTION, THRESHOLD], e, [waiver({ gate: '*' })]);
      expect(r.verdict).toBe('error');
      expect(r.candidate).toBeNull();
      expect(r.gates.map((g) => g.outcome)).toEqual(['error', 'error']);
      // One reason, once: in the summary; each gate only says it was not evaluated.
      expect(r.gates[0]!.message).toMatch(/^Not evaluated: the candidate version in \w+ could not be read \(denied\)\.$/);
      expect(r.summary).toBe('candidate could not be read (denied): HTTP 403 PERMISSION_DENIED');
    });

    it('no candidate → skipped, with the selector in the summary', () => {
      const r = evaluateTarget({
        target: TARGET,
        gates: [DESCRIPTION],
        waivers: [],
        evidence: evidence(null, championWith({ roc_auc: 0.8 })),
        now: NOW,
        candidateSelector: { kind: 'alias', alias: 'challenger' },
      });
      expect(r.verdict).toBe('skipped');
      expect(r.summary).toBe('no candidate version matches alias @challenger in staging');
      expect(r.gates[0]!.outcome).toBe('skipped');
      expect(r.champion).toMatchObject({ name: 'churn', version: '5' });
    });

    it('no candidate without a selector still says so', () => {
      expect(evaluate([DESCRIPTION], evidence(null)).summary).toBe('no candidate version matches the candidate selector in staging');
    });

    it('candidate is already the champion → skipped', () => {
      const same = version({ version: '5' });
      const r = evaluate([DESCRIPTION, THRESHOLD], evidence(same, same));
      expect(r.verdict).toBe('skipped');
      expect(r.summary).toBe('already champion: churn v5 is already the champion in prod');
      expect(r.gates.every((g) => g.outcome === 'skipped')).toBe(true);
    });

    it('same version number of a different model name is not the champion', () => {
      const r = evaluate([DESCRIPTION], evidence(version({ version: '5', name: 'dev.churn' }), version({ version: '5', name: 'prod.churn' })));
      expect(r.verdict).toBe('pass');
    });

    it('no gates → pass, saying so', () => {
      const r = evaluate([], evidence(goodCandidate));
      expect(r).toMatchObject({ verdict: 'pass', summary: 'no gates apply to this target', gates: [] });
    });

    it('gate undefined evidence is an error, not a crash', () => {
      // metric_threshold needs the run, but none was gathered.
      const r = evaluate([THRESHOLD], evidence(version()));
      expect(r.gates[0]!.outcome).toBe('error');
      expect(r.gates[0]!.message).toMatch(/Evidence not gathered/);
    });
  });

  it('fills candidate and champion summaries with run metrics', () => {
    const r = evaluate([DESCRIPTION], evidence(goodCandidate, championWith({ roc_auc: 0.84 })));
    expect(r.candidate).toEqual({ name: 'churn', version: '7', url: 'http://mlflow/#/models/churn/versions/7', runId: 'run-cand', metrics: { roc_auc: 0.85 } });
    expect(r.champion).toEqual({ name: 'churn', version: '5', url: null, runId: 'run-champ', metrics: { roc_auc: 0.84 } });
    expect(r).toMatchObject({ model: 'churn', from: 'staging', to: 'prod' });
  });

  it('metrics are null when the run was not gathered', () => {
    expect(evaluate([DESCRIPTION], evidence(version())).candidate?.metrics).toBeNull();
  });

  it('copies gate identity into each report', () => {
    const r = evaluate([{ ...THRESHOLD, id: 'custom-id', policy: 'baseline' }], evidence(goodCandidate));
    expect(r.gates[0]).toMatchObject({ id: 'custom-id', type: 'metric_threshold', policy: 'baseline', severity: 'fail' });
    expect(r.gates[0]!.threshold).toEqual({ threshold: 0.8, greater_is_better: true });
  });
});

describe('summarizeGates', () => {
  const report = (id: string, outcome: GateReport['outcome']): GateReport => ({
    id: `p/${id}`,
    type: id,
    policy: 'p',
    severity: 'fail',
    outcome,
    rawOutcome: outcome,
    message: '',
    measured: {},
    threshold: {},
    waiver: null,
  });

  it.each<[GateReport[], string]>([
    [[report('a', 'pass')], 'the 1 gate passes'],
    [[report('a', 'pass'), report('b', 'skipped')], '1 of 2 gates pass, 1 skipped'],
    [[report('a', 'skipped')], 'all 1 gate skipped'],
    [[report('a', 'fail'), report('b', 'warn'), report('c', 'pass')], '1 of 3 gates fail: a; 1 warn: b'],
  ])('%#', (gates, expected) => {
    expect(summarizeGates(gates)).toBe(expected);
  });
});

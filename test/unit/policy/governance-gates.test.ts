// Issue 16 gates: dataset, semver, requirements, quarantine, required_tags on the registered model,
// and expression (CEL) including its budgets and the needs derived from the fields it reads.

import { describe, expect, it } from 'vitest';
import { gathered, type ColumnSpec, type DatasetInput, type ModelSignature, type VersionEvidence } from '../../../src/evidence/types.js';
import { compileCel, evaluateCel, CEL_LIMITS } from '../../../src/policy/cel.js';
import { compileGate, checkGateOptions, needsFor } from '../../../src/policy/engine.js';
import { parseRequirements, normalizePackage } from '../../../src/policy/gates/requirements.js';
import { compareSemver, parseSemver } from '../../../src/policy/gates/semver.js';
import { quarantineKey } from '../../../src/registry/journal.js';
import { evidence, run, runGate, unavailable, version, POSITION } from './fixtures.js';

const ds = (name: string, digest: string, context: string | null = 'eval'): DatasetInput => ({ name, digest, context, sourceType: 'code' });
const withData = (datasets: DatasetInput[] | null, over: Partial<VersionEvidence['version']> = {}): VersionEvidence =>
  version(over, { run: gathered(datasets === null ? null : run({ runId: over.version === '5' ? 'run-champ' : 'run-cand', datasets })) });
const champ = (datasets: DatasetInput[] | null): VersionEvidence => withData(datasets, { version: '5', runId: 'run-champ' });

describe('dataset', () => {
  it.each<[string, Record<string, unknown>, DatasetInput[] | null, DatasetInput[] | null | 'none', string]>([
    ['same name and digest', {}, [ds('eval', 'c4567977')], [ds('eval', 'c4567977')], 'pass'],
    ['one shared among several', {}, [ds('a', '1'), ds('eval', 'c4')], [ds('eval', 'c4'), ds('b', '2')], 'pass'],
    ['same name, other digest', {}, [ds('eval', 'aaaa0000')], [ds('eval', 'bbbb1111')], 'fail'],
    ['different datasets', {}, [ds('x', '1')], [ds('y', '2')], 'fail'],
    ['candidate logged none', {}, [], [ds('eval', '1')], 'fail'],
    ['candidate has no run', {}, null, [ds('eval', '1')], 'fail'],
    ['champion logged none: on_missing_baseline fail (default)', {}, [ds('eval', '1')], [], 'fail'],
    ['champion logged none: on_missing_baseline warn', { on_missing_baseline: 'warn' }, [ds('eval', '1')], [], 'warn'],
    ['no champion: on_missing_baseline pass', { on_missing_baseline: 'pass' }, [ds('eval', '1')], 'none', 'pass'],
    ['context filter: only the train set is shared', { context: 'eval' }, [ds('t', '1', 'train'), ds('e', '2')], [ds('t', '1', 'train'), ds('e', '3')], 'fail'],
    ['context filter: no context tag (mlflow.evaluate) does not count', { context: 'eval' }, [ds('e', '2', null)], [ds('e', '2', null)], 'fail'],
    ['name filter', { name: 'holdout' }, [ds('holdout', '9'), ds('other', '1')], [ds('holdout', '9')], 'pass'],
  ])('%s → %s', (_n, options, mine, theirs, expected) => {
    const e = evidence(withData(mine), theirs === 'none' ? null : champ(theirs));
    expect(runGate('dataset', options, e).outcome).toBe(expected);
  });

  it('says which digests differ', () => {
    const r = runGate('dataset', {}, evidence(withData([ds('eval', 'aaaa0000')]), champ([ds('eval', 'bbbb1111')])));
    expect(r.message).toContain('eval (candidate digest aaaa0000, champion bbbb1111)');
    expect(r.measured).toMatchObject({ candidate_datasets: 'eval@aaaa0000', champion_datasets: 'eval@bbbb1111', shared: null });
  });

  it('an unreadable champion run is an error, never a fail', () => {
    const e = evidence(withData([ds('eval', '1')]), version({ version: '5' }, { run: unavailable() }));
    expect(runGate('dataset', {}, e).outcome).toBe('error');
  });
});

const col = (name: string, type = 'double', required = true): ColumnSpec => ({ name, type, required });
const sig = (...inputs: ColumnSpec[]): ModelSignature => ({ inputs, outputs: [col('y', 'long')], inputExamplePath: null });
const sv = (tag: string | null, signature: ModelSignature | null, over: Partial<VersionEvidence['version']> = {}) =>
  version({ tags: tag === null ? {} : { version: tag }, ...over }, { signature: gathered(signature) });

describe('semver', () => {
  it('parses and orders as semver.org says', () => {
    const order = ['1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-alpha.beta', '1.0.0-beta', '1.0.0-beta.2', '1.0.0-beta.11', '1.0.0-rc.1', '1.0.0', '1.0.1', '1.10.0', '2.0.0'];
    for (let i = 1; i < order.length; i++) expect(compareSemver(parseSemver(order[i - 1]!)!, parseSemver(order[i]!)!), `${order[i - 1]} < ${order[i]}`).toBe(-1);
    for (const bad of ['1.0', 'v1.0.0', '01.0.0', '1.0.0-', '1.0.0+', ' 1.0.0', '1.0.0\n']) expect(parseSemver(bad), bad).toBeNull();
    expect(compareSemver(parseSemver('1.0.0+build.1')!, parseSemver('1.0.0+build.2')!)).toBe(0);
    expect(parseSemver('99999999999999999999.0.0')?.major).toBe(99999999999999999999n);
  });

  it('a hostile tag value is refused in bounded time', () => {
    const start = performance.now();
    for (const v of ['1.0.0-' + 'a.'.repeat(100_000) + '!', '1'.repeat(100_000), '1.0.0-' + '0a-'.repeat(50_000) + '.']) expect(parseSemver(v)).toBeNull();
    expect(performance.now() - start).toBeLessThan(200);
  });

  const champion = sv('1.4.2', sig(col('a'), col('b')), { version: '5' });
  it.each<[string, string | null, ModelSignature | null, string]>([
    ['minor bump, compatible', '1.5.0', sig(col('a'), col('b')), 'pass'],
    ['equal is not lower', '1.4.2', sig(col('a'), col('b')), 'pass'],
    ['lower', '1.4.1', sig(col('a'), col('b')), 'fail'],
    ['pre-release of the same version is lower', '1.4.2-rc.1', sig(col('a'), col('b')), 'fail'],
    ['breaking (removed input) with a minor bump', '1.5.0', sig(col('a')), 'fail'],
    ['breaking (retyped) with a major bump', '2.0.0', sig(col('a', 'string'), col('b')), 'pass'],
    ['not a semantic version', 'v1.5', sig(col('a'), col('b')), 'fail'],
    ['no tag', null, sig(col('a'), col('b')), 'fail'],
  ])('%s → %s', (_n, tag, signature, expected) => {
    expect(runGate('semver', {}, evidence(sv(tag, signature), champion)).outcome).toBe(expected);
  });

  it('0.y.z: a minor bump may break (semver §4); the message says what is needed otherwise', () => {
    const zero = sv('0.3.1', sig(col('a'), col('b')), { version: '5' });
    expect(runGate('semver', {}, evidence(sv('0.4.0', sig(col('a'))), zero)).outcome).toBe('pass');
    const r = runGate('semver', {}, evidence(sv('0.3.2', sig(col('a'))), zero));
    expect(r.outcome).toBe('fail');
    expect(r.message).toContain('needs at least 0.4.0 or 1.0.0');
  });

  it('no champion, or a champion without a semantic version: passes and says nothing was compared', () => {
    expect(runGate('semver', {}, evidence(sv('1.0.0', null))).outcome).toBe('pass');
    const r = runGate('semver', {}, evidence(sv('1.0.0', sig(col('a'))), sv('latest', sig(col('a')), { version: '5' })));
    expect(r.outcome).toBe('pass');
    expect(r.message).toContain('not a semantic version, so nothing was compared');
  });

  it('needs signatures only for the breaking-change rule', () => {
    expect(compileGate({ id: 'p/semver', type: 'semver', policy: 'p', severity: 'fail', options: { major_for_breaking: false }, position: POSITION }).gate.needs({ tag: 'version', noDowngrade: true, majorForBreaking: false })).toEqual({
      candidateSignature: false,
      championSignature: false,
    });
  });
});

describe('requirements', () => {
  it('parses requirements.txt as pip reads it', () => {
    const text = [
      '# comment',
      'mlflow==3.17.2',
      'Scikit_Learn == 1.9.1  # trailing comment',
      'numpy>=1.26',
      'pandas==2.*',
      'torch[cuda]==2.3.0 ; python_version >= "3.10"',
      'scipy===1.17.1',
      'requests @ https://example.com/requests.whl',
      '-r other.txt',
      '--index-url https://pypi.example.com/simple',
      'skops==0.16.0 \\',
      '    --hash=sha256:abc',
      'joblib',
    ].join('\n');
    const parsed = parseRequirements(text);
    expect(parsed.requirements.map((r) => [r.name, r.pinned])).toEqual([
      ['mlflow', true],
      ['scikit-learn', true],
      ['numpy', false],
      ['pandas', false],
      ['torch', true],
      ['scipy', true],
      ['requests', false],
      ['skops', true],
      ['joblib', false],
    ]);
    expect(parsed.unjudged).toEqual(['-r other.txt']);
    expect(normalizePackage('Foo.Bar__baz')).toBe('foo-bar-baz');
  });

  const reqs = (text: string | null) => evidence(version({}, { requirements: gathered(text === null ? null : { text, path: 'requirements.txt of churn v7' }) }));
  it.each<[string, Record<string, unknown>, string | null, string]>([
    ['all pinned', {}, 'mlflow==3.17.2\nnumpy==2.4.6', 'pass'],
    ['one unpinned', {}, 'mlflow==3.17.2\nnumpy', 'fail'],
    ['pinning not required', { require_pinned: false }, 'numpy>=1', 'pass'],
    ['denied (pip names)', { deny: ['TensorFlow', 'scikit_learn'] }, 'tensorflow==2.16.1\nscikit-learn==1.9.1', 'fail'],
    ['outside the allowed list', { allow: ['numpy'] }, 'numpy==2.4.6\npandas==3.1.2', 'fail'],
    ['within the allowed list', { allow: ['numpy', 'pandas'] }, 'numpy==2.4.6\nPandas==3.1.2', 'pass'],
    ['an include cannot be checked', {}, 'numpy==2.4.6\n-c constraints.txt', 'fail'],
    ['no requirements.txt', {}, null, 'fail'],
  ])('%s → %s', (_n, options, text, expected) => {
    expect(runGate('requirements', options, reqs(text)).outcome).toBe(expected);
  });

  it('a hostile file: 10 MB of unpinned lines is judged in linear time and the message stays short', () => {
    const text = 'numpy>=1.0  # ' + 'x'.repeat(80) + '\n';
    const big = text.repeat(Math.ceil((10 * 1024 * 1024) / text.length));
    const start = performance.now();
    const r = runGate('requirements', {}, reqs(big));
    expect(performance.now() - start).toBeLessThan(3000);
    expect(r.outcome).toBe('fail');
    expect(r.message.length).toBeLessThan(600);
    expect(r.message).toMatch(/and \d+ more/);
  });

  it('an unreadable file is an error', () => {
    expect(runGate('requirements', {}, evidence(version({}, { requirements: unavailable() }))).outcome).toBe('error');
  });
});

describe('quarantine', () => {
  it('passes a version without a mark, and needs nothing gathered', () => {
    expect(runGate('quarantine', {}, evidence(version({ tags: { owner: 'a' } }))).outcome).toBe('pass');
    expect(needsFor([{ id: 'b/q', type: 'quarantine', policy: 'b', severity: 'fail', options: {}, position: POSITION }])).toMatchObject({ candidateRun: false, candidateModelTags: false });
  });

  it('fails a version marked in any environment, says why and how to lift it', () => {
    const mark = 'v2 of churn-prod rolled back to v1 in prod by alice at 2026-11-23T10:00:00.000Z';
    const r = runGate('quarantine', {}, evidence(version({ tags: { [quarantineKey('prod')]: mark } })));
    expect(r.outcome).toBe('fail');
    expect(r.message).toContain('is quarantined: it was rolled back in prod (v2 of churn-prod rolled back to v1 in prod by alice');
    expect(r.message).toContain('environments: [prod], owner:');
    expect(r.measured).toMatchObject({ quarantined: true, environments: 'prod' });
  });

  it('a tag that only looks like a mark is not one', () => {
    expect(runGate('quarantine', {}, evidence(version({ tags: { 'mlops_gate.prod.quarantined.x': 'y', 'x.prod.quarantined': 'y', mlops_gate_quarantined_: 'y', mlops_gate_quarantined_a_q: 'y' } }))).outcome).toBe('pass');
  });

  it('reads marks under the tag-rule keys (environment decoded) and under the dotted keys of earlier versions', () => {
    for (const env of ['prod', 'prod-eu', 'prod_eu', 'p.r/od']) {
      expect(quarantineKey(env)).toMatch(/^[A-Za-z0-9_]+$/);
      const r = runGate('quarantine', {}, evidence(version({ tags: { [quarantineKey(env)]: 'rolled back' } })));
      expect([r.outcome, r.measured.environments]).toEqual(['fail', env]);
    }
    const legacy = runGate('quarantine', {}, evidence(version({ tags: { 'mlops_gate.prod.quarantined': 'rolled back' } })));
    expect([legacy.outcome, legacy.measured.environments]).toEqual(['fail', 'prod']);
  });
});

describe('required_tags on: model', () => {
  const model = (tags: Record<string, string> | 'unreadable') =>
    evidence(version({ tags: { cost_center: 'on-the-version' } }, { modelTags: tags === 'unreadable' ? unavailable() : gathered(tags) }));
  it('reads the registered model tags, not the version tags', () => {
    expect(runGate('required_tags', { tags: { cost_center: 'risk-\\d+' }, on: 'model' }, model({ cost_center: 'risk-42' })).outcome).toBe('pass');
    expect(runGate('required_tags', { tags: { cost_center: 'risk-\\d+' }, on: 'model' }, model({})).outcome).toBe('fail');
    expect(runGate('required_tags', { tags: { constructor: '.+' }, on: 'model' }, model({})).outcome).toBe('fail');
    expect(runGate('required_tags', { tags: { cost_center: '.+' }, on: 'model' }, model('unreadable')).outcome).toBe('error');
  });
});

describe('expression (CEL)', () => {
  const metrics = (auc: number, championAuc: number | null) =>
    evidence(
      version({ tags: { owner: 'risk' } }, { run: gathered(run({ metrics: { auc } })) }),
      championAuc === null ? null : version({ version: '5' }, { run: gathered(run({ runId: 'run-champ', metrics: { auc: championAuc } })) }),
    );

  it('true passes, false fails (or warns), with the message template filled in', () => {
    const options = { expression: 'candidate.run.metrics["auc"] >= champion.run.metrics["auc"]', message: 'AUC {{ candidate.run.metrics["auc"] }} < champion v{{ champion.version }} {{ champion.run.metrics["auc"] }}' };
    expect(runGate('expression', options, metrics(0.9, 0.8))).toMatchObject({ outcome: 'pass', measured: { value: true } });
    const r = runGate('expression', options, metrics(0.7, 0.8));
    expect(r).toMatchObject({ outcome: 'fail', message: 'AUC 0.7 < champion v5 0.8' });
    expect(runGate('expression', { ...options, on_false: 'warn' }, metrics(0.7, 0.8)).outcome).toBe('warn');
  });

  it('an evaluation error is not a pass: it takes on_false and says why', () => {
    const r = runGate('expression', { expression: 'candidate.run.metrics["f1"] > 0.5' }, metrics(0.9, null));
    expect(r.outcome).toBe('fail');
    expect(r.message).toContain('could not be evaluated');
    expect(r.message).toContain('No such key: f1');
    expect(runGate('expression', { expression: '"f1" in candidate.run.metrics && candidate.run.metrics["f1"] > 0.5' }, metrics(0.9, null)).message).toBe(
      'Expression is false: "f1" in candidate.run.metrics && candidate.run.metrics["f1"] > 0.5',
    );
  });

  it('missing evidence is an error, never judged', () => {
    const e = evidence(version({}, { run: unavailable() }));
    expect(runGate('expression', { expression: 'candidate.run.status == "FINISHED"' }, e).outcome).toBe('error');
    // Not read by the expression: not needed, no error.
    expect(runGate('expression', { expression: 'candidate.version > 0' }, e).outcome).toBe('pass');
  });

  it('a fact it reads that was never gathered (an old evidence file) is an error, not an empty value', () => {
    const r = runGate('expression', { expression: 'candidate.model_tags["tier"] == "gold"' }, evidence(version({})));
    expect(r.outcome).toBe('error');
    expect(r.message).toContain('Evidence not gathered');
  });

  it('the champion does not exist yet: champion.exists is false', () => {
    expect(runGate('expression', { expression: '!champion.exists || candidate.run.metrics["auc"] > champion.run.metrics["auc"]' }, metrics(0.9, null)).outcome).toBe('pass');
  });

  it('needs: only what the expression and its message read', () => {
    const needs = (expression: string, message?: string) =>
      needsFor([{ id: 'p/e', type: 'expression', policy: 'p', severity: 'fail', options: { expression, ...(message ? { message } : {}) }, position: POSITION }]);
    expect(needs('candidate.tags["owner"] == "risk" && target.to == "prod"')).toEqual(needsFor([]));
    expect(needs('candidate.run.metrics["auc"] > 0.8')).toMatchObject({ candidateRun: true, championRun: false, candidateSignature: false });
    expect(needs('size(champion.signature.inputs) <= size(candidate.signature.inputs)')).toMatchObject({ candidateSignature: true, championSignature: true, candidateRun: false });
    expect(needs('candidate.model_tags["tier"] == "gold"')).toMatchObject({ candidateModelTags: true, championModelTags: false });
    expect(needs('pr.approvals >= 2 || pr.changed_files.all(f, !f.startsWith("models/"))')).toMatchObject({ approvals: true, changedFiles: true });
    expect(needs('true', 'from run {{ candidate.run.id }}')).toMatchObject({ candidateRun: true });
    expect(needs('candidate.run.datasets.exists(d, d.context == "eval")')).toMatchObject({ candidateRun: true });
  });

  it('refuses at load what could run away: matches(), deep list macros, non-bool results', () => {
    const problem = (expression: string) => checkGateOptions('expression', { expression })[0];
    expect(problem('candidate.description.matches("(a+)+$")')).toMatchObject({ code: 'bad-expression', key: 'expression', index: 22 });
    expect(problem('[1].exists(a, [2].exists(b, [3].exists(c, a + b + c == 6)))')).toMatchObject({ key: 'expression', index: 32 });
    expect(problem('candidate.name')?.message).toContain('must be true or false');
    expect(problem('candidate.version > "7"')?.message).toContain('no such overload');
    expect(problem('candidat.version > 1')?.message).toContain('Unknown variable: candidat');
    expect(problem('candidate.run.metric["auc"] > 1.0')?.message).toContain('No such key: metric');
    expect(problem('candidate.tags.x.re2Matches("(a")')).toMatchObject({ index: 28 });
    expect(problem('x'.repeat(CEL_LIMITS.expressionLength + 1))?.message).toContain('at most 4000');
    expect(problem('1 + '.repeat(600) + '1 == 1')?.message).toMatch(/Exceeded max(AstNodes|Depth)/);
    expect(checkGateOptions('expression', { expression: 'true', message: 'x {{ candidate.nope }}' })[0]).toMatchObject({ key: 'message', index: 15 });
  });

  it('a budget stops an expression built to run long or to build huge values, whatever a short-circuit made of it', () => {
    const files = Array.from({ length: 3000 }, (_, i) => `models/f${String(i)}.py`);
    const e = evidence(version({ tags: { big: 'x'.repeat(100_000) } }), null, {});
    const withFiles = { ...e, changedFiles: gathered(files), approvals: gathered({ author: 'a', headSha: 'h', approvals: [], teams: {} }) };
    for (const expression of [
      'pr.changed_files.exists(a, pr.changed_files.exists(b, a + b == "never"))',
      'pr.changed_files.exists(a, pr.changed_files.exists(b, a + b == "never")) || true',
      'pr.changed_files.map(f, candidate.tags["big"] + candidate.tags["big"]).size() > 0',
      'pr.changed_files.all(a, pr.changed_files.all(b, !candidate.tags["big"].contains(a + b)))',
    ]) {
      const start = performance.now();
      const r = runGate('expression', { expression }, withFiles);
      expect(performance.now() - start, expression).toBeLessThan(2000);
      expect(r.outcome, expression).toBe('fail');
      expect(r.message, expression).toContain('needed more than 5,000,000 steps');
    }
    // The linear-time matcher on a long value: no blow-up.
    const start = performance.now();
    const compiled = compileCel('candidate.tags["big"].re2Matches("(x+)+y")', 'bool');
    expect(compiled.ok).toBe(true);
    if (compiled.ok) expect(evaluateCel(compiled.value, { candidate: { tags: new Map([['big', 'x'.repeat(100_000)]]) } })).toEqual({ ok: true, value: false });
    expect(performance.now() - start).toBeLessThan(2000);
  });

  it('hostile tag keys and values are data, never code or prototype', () => {
    const e = evidence(version({ tags: JSON.parse('{"__proto__": "x", "constructor": "y", "t": "{{ candidate.name }}"}') as Record<string, string> }));
    expect(runGate('expression', { expression: '"toString" in candidate.tags' }, e).outcome).toBe('fail');
    expect(runGate('expression', { expression: 'candidate.tags["constructor"] == "y"' }, e).outcome).toBe('pass');
    const r = runGate('expression', { expression: 'false', message: 'tag: {{ candidate.tags["t"] }}' }, e);
    expect(r.message).toBe('tag: {{ candidate.name }}');
  });
});

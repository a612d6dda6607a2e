// The pieces every report is built from: gate phrases, the why, outcomes and traffic, the text
// wrap of the job summary, compact progress lines, and which workflow applies a plan on merge.

import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { commentBody, commentContext } from '../../../src/action/comment.js';
import { stablePart } from '../../../src/platform/github/comment.js';
import { appliesPromotions, findApplyWorkflow } from '../../../src/action/workflows.js';
import type { GateReport } from '../../../src/policy/types.js';
import { gatePhrase, why } from '../../../src/report/gates.js';
import { outcomeOf } from '../../../src/report/promotion.js';
import { wrapText } from '../../../src/report/text.js';
import type { ResultDocument, TargetReport } from '../../../src/result/types.js';
import { compactProgress } from '../../../src/util/progress.js';

const gate = (type: string, outcome: GateReport['outcome'], measured: GateReport['measured'], threshold: GateReport['threshold'], message = `${type} message.`): GateReport => ({
  id: `p/${type}`,
  type,
  policy: 'p',
  severity: 'fail',
  outcome,
  rawOutcome: outcome,
  message,
  measured,
  threshold,
  waiver: null,
});

describe('gate phrases', () => {
  it('metric_delta: value vs champion, change, limit, direction; nothing unset', () => {
    const g = gate('metric_delta', 'fail', { candidate: 23, champion: 18, delta: 5, run_id: 'r'.repeat(32) }, { greater_is_better: false, min_absolute_change: null, max_regression_relative: 0.1, relative_base: 'champion' });
    expect(gatePhrase(g)).toBe('23 vs champion 18: +27.8% (worse); limit: at most 10% worse; lower is better');
  });
  it('metric_threshold, required_tags, signature, description, provenance', () => {
    expect(gatePhrase(gate('metric_threshold', 'pass', { candidate: 0.884, run_id: 'r' }, { threshold: 0.8, greater_is_better: true }))).toBe('0.884; limit: ≥ 0.8');
    expect(gatePhrase(gate('required_tags', 'fail', { owner: 'x', validation_status: null }, { owner: '.+', validation_status: 'passed' }, '1 of 2 required tags fail on candidate m v2: missing validation_status.'))).toBe('missing validation_status');
    expect(gatePhrase(gate('signature', 'fail', { compatibility: 'incompatible' }, {}, "Candidate m v2's inputs are incompatible with champion m v1: removed input a."))).toBe('removed input a');
    expect(gatePhrase(gate('description', 'warn', { length: 3, model_card: null }, { min_length: 20, model_card_tag: null }))).toBe('3 characters; limit: ≥ 20');
    expect(gatePhrase(gate('provenance', 'pass', { run_id: '7ef209afc042025f732bb343909344f4', run_status: 'FINISHED', git_commit: '9b7e0d1c33fa' }, {}))).toBe('run 7ef209af… FINISHED, commit 9b7e0d1c33fa');
  });
  it('errors, skips and unknown gate types read as their message', () => {
    expect(gatePhrase(gate('metric_delta', 'error', { candidate: 1, champion: 2 }, {}, 'Could not read the run.'))).toBe('Could not read the run');
    expect(gatePhrase(gate('approvals', 'fail', {}, {}, '0 of 1 required approvals.'))).toBe('0 of 1 required approvals');
  });
});

const target = (gates: GateReport[], extra: Partial<TargetReport> = {}): TargetReport => ({
  model: 'churn',
  from: 'dev',
  to: 'test',
  candidate: { name: 'c', version: '2', url: null, runId: null, metrics: null },
  champion: { name: 'c', version: '1', url: null, runId: null, metrics: null },
  verdict: 'fail',
  summary: 'engine summary',
  gates,
  ...extra,
});

describe('why', () => {
  it('names the failing gates by their full id, every time the same way', () => {
    const t = target([gate('signature', 'fail', {}, {}), gate('required_tags', 'fail', {}, {}), gate('metric_delta', 'warn', {}, {}), gate('description', 'pass', {}, {})]);
    expect(why(t)).toBe('2 fail: p/signature, p/required_tags; 1 warn: p/metric_delta');
    expect(why(target([gate('a', 'pass', {}, {}), gate('b', 'pass', {}, {})], { verdict: 'pass' }))).toBe('all 2 gates pass');
    // Every gate said the same (no candidate, already champion): the target's own sentence.
    const same = (g: GateReport) => ({ ...g, outcome: 'skipped' as const, message: 'Skipped: already champion.' });
    expect(why(target([same(gate('a', 'pass', {}, {})), same(gate('b', 'pass', {}, {}))], { verdict: 'skipped', summary: 'already champion' }))).toBe('already champion');
  });
});

describe('outcomes', () => {
  const plan = (status: NonNullable<TargetReport['plan']>['status'], message = '') => ({ mode: 'copy' as const, hash: null, status, message, source: null, destination: null, previousChampion: null, steps: [], writes: 0 });
  it('a blocking verdict is blocked whatever the plan says; nothing to promote is not a block', () => {
    expect(outcomeOf(target([], { verdict: 'fail', plan: plan('planned') }))).toBe('blocked');
    expect(outcomeOf(target([], { verdict: 'pass', plan: plan('planned') }))).toBe('will-apply');
    expect(outcomeOf(target([], { verdict: 'skipped', plan: plan('blocked') }))).toBe('nothing-to-do');
    expect(outcomeOf(target([], { verdict: 'warn', plan: plan('blocked') }))).toBe('blocked');
    expect(outcomeOf(target([], { verdict: 'pass', plan: plan('failed', 'rollout aborted, the previous config is restored: health') }))).toBe('aborted');
    expect(outcomeOf(target([], { verdict: 'pass', plan: { ...plan('applied'), mode: 'rollback' } }))).toBe('rolled-back');
  });
});

describe('wrapText', () => {
  it('wraps long lines at spaces with a hanging indent; cuts words longer than a line', () => {
    const text = `short\n    ${'word '.repeat(40)}\n${'x'.repeat(130)}`;
    const lines = wrapText(text, 40).split('\n');
    expect(lines[0]).toBe('short');
    expect(lines[1]!.startsWith('    word')).toBe(true);
    expect(lines[2]!.startsWith('        word')).toBe(true);
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(40);
    expect(lines.join('').replace(/\s/g, '')).toBe(text.replace(/\s/g, ''));
  });
});

describe('compactProgress', () => {
  it('keeps the first line of a wait or pause and each change, drops the ticking seconds', () => {
    const seen: string[] = [];
    const say = compactProgress((l) => seen.push(l));
    for (const s of [0, 1, 2, 5, 12]) say(`waiting for churn-test: IN_PROGRESS (${s} s)…`);
    say('waiting for churn-test: NOT_UPDATING (33 s)…');
    for (const s of [300, 240, 180]) say(`churn-test: pausing ${s} s before the health check at "canary 10%"`);
    say('churn-test: health of churn-2 at "canary 10%" — 300 requests');
    say('waiting for churn-test: IN_PROGRESS (0 s)…');
    expect(seen).toEqual([
      'waiting for churn-test: IN_PROGRESS (0 s)…',
      'waiting for churn-test: NOT_UPDATING (33 s)…',
      'churn-test: pausing 300 s before the health check at "canary 10%"',
      'churn-test: health of churn-2 at "canary 10%" — 300 requests',
      'waiting for churn-test: IN_PROGRESS (0 s)…',
    ]);
  });

  it('compacts each target on its own when targets run at once and their lines alternate', () => {
    const seen: string[] = [];
    const say = compactProgress((l) => seen.push(l));
    for (const s of [0, 1, 2]) {
      say(`[a dev→prod] waiting for a-prod: IN_PROGRESS (${s} s)…`);
      say(`[b dev→prod] waiting for b-prod: IN_PROGRESS (${s} s)…`);
    }
    say('[a dev→prod] waiting for a-prod: NOT_UPDATING (3 s)…');
    expect(seen).toEqual(['[a dev→prod] waiting for a-prod: IN_PROGRESS (0 s)…', '[b dev→prod] waiting for b-prod: IN_PROGRESS (0 s)…', '[a dev→prod] waiting for a-prod: NOT_UPDATING (3 s)…']);
  });
});

describe('the workflow that applies a plan on merge', () => {
  const workflow = (path: string) => parse(readFileSync(path, 'utf8')) as unknown;
  it('is the release workflow of the examples (and the reusable one), not the PR check or a dry run', () => {
    expect(appliesPromotions(workflow('examples/workflows/release-promote.yml'))).toBe(true);
    expect(appliesPromotions(workflow('.github/workflows/promote.yml'))).toBe(true);
    expect(appliesPromotions(workflow('examples/workflows/pr-check.yml'))).toBe(false);
    expect(appliesPromotions(workflow('examples/workflows/rollback.yml'))).toBe(false);
    expect(appliesPromotions({ jobs: { a: { steps: [{ uses: 'mlops-gate/mlops-gate@v1', with: { command: 'promote', 'dry-run': true } }] } } })).toBe(false);
    expect(appliesPromotions({ jobs: { a: { uses: 'mlops-gate/mlops-gate/.github/workflows/promote.yml@v1' } } })).toBe(true);
  });

  it('is found in the checkout and linked; the comment names it, with the commits evaluated', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mlops-gate-wf-'));
    mkdirSync(join(dir, '.github', 'workflows'), { recursive: true });
    writeFileSync(join(dir, '.github', 'workflows', 'a-check.yml'), readFileSync('examples/workflows/pr-check.yml'));
    writeFileSync(join(dir, '.github', 'workflows', 'release.yml'), readFileSync('examples/workflows/release-promote.yml'));
    writeFileSync(join(dir, '.github', 'workflows', 'broken.yml'), 'jobs: [');
    const context = {
      repo: { owner: 'acme', repo: 'models' },
      serverUrl: 'https://github.com',
      runUrl: 'https://github.com/acme/models/actions/runs/9',
      pullRequest: { number: 5, author: 'a', baseSha: 'a'.repeat(40), baseRef: 'main', headSha: 'b'.repeat(40), headRef: 'f', headRepo: 'acme/models', fromFork: false },
    };
    expect(findApplyWorkflow(dir, context)).toEqual({ name: 'mlops-gate / promote (release.yml)', url: 'https://github.com/acme/models/actions/workflows/release.yml' });
    expect(findApplyWorkflow(join(dir, 'nowhere'), context)).toBeNull();
    const rc = commentContext({ ...context, eventName: 'pull_request', sha: null, runId: 9, runAttempt: 1, actor: 'a', job: null, apiUrl: 'x' }, dir);
    expect(rc).toMatchObject({ headSha: 'b'.repeat(40), baseSha: 'a'.repeat(40) });
    const result: ResultDocument = {
      schemaVersion: 1,
      tool: { name: 'mlops-gate', version: '0.1.0' },
      command: 'plan',
      generatedAt: '2026-01-01T00:00:00Z',
      config: { file: 'mlops.yml', digest: 'f'.repeat(64) },
      verdict: 'pass',
      targets: [target([gate('a', 'pass', {}, {})], { verdict: 'pass', plan: { mode: 'copy', hash: `sha256:${'c'.repeat(64)}`, status: 'planned', message: '', source: null, destination: null, previousChampion: null, steps: [], writes: 0 } })],
      diagnostics: [],
      requests: null,
    };
    const body = commentBody(result, { marker: '<!-- m -->', runUrl: rc.runUrl ?? null, context: rc });
    expect(body).toContain('Applied after merge by [mlops-gate / promote (release.yml)](https://github.com/acme/models/actions/workflows/release.yml)');
    expect(body).toContain('· head bbbbbbb · rules from base aaaaaaa');
    expect(body).toContain('`cccccccccccc`');
    // A new head commit is new content (the comment says which commit it judged); a new run link is not.
    const stable = (over: Partial<typeof rc>, when = result.generatedAt) =>
      stablePart(commentBody({ ...result, generatedAt: when }, { marker: '<!-- m -->', runUrl: null, context: { ...rc, ...over } }));
    expect(stable({})).not.toBe(stable({ headSha: 'd'.repeat(40) }));
    expect(stable({})).toBe(stable({ runUrl: 'https://github.com/acme/models/actions/runs/10' }, '2027-05-05T00:00:00Z'));
  });
});

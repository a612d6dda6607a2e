// The action bundle end to end: dist/index.js run as a runner runs it, GitHub = the local stand-in,
// registry facts read live from a real MLflow server (a pull request never replays evidence).

import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startGitHubStandIn, type GitHubStandIn, type StandInReview } from '../../support/github-api.js';
import { startMlflowServer, type MlflowServer } from '../../support/mlflow-server.js';
import { buildActionBundle, runAction, type RunSpec } from './harness.js';
import { seedVersion } from './registry.js';

const BASE = 'a'.repeat(40);
const HEAD = 'b'.repeat(40);
const OLD_HEAD = 'c'.repeat(40);
const PR = 5;

const quality = (threshold: number, approvals = '') => `description: Minimum quality.
gates:
  - type: metric_threshold
    metric: auc
    threshold: ${threshold}
    greater_is_better: true
${approvals}`;
const APPROVALS = `  - type: approvals
    min: 1
`;
const TEAM_APPROVALS = `  - type: approvals
    min: 1
    from: { teams: [ml-leads] }
`;

const prEvent = (opts: { fork?: boolean; headRepo?: string } = {}) => ({
  action: 'synchronize',
  number: PR,
  pull_request: {
    number: PR,
    user: { login: 'alice' },
    base: { sha: BASE, ref: 'main', repo: { full_name: 'acme/models', fork: false } },
    head: { sha: HEAD, ref: 'feature', repo: { full_name: opts.headRepo ?? 'acme/models', fork: opts.fork ?? false } },
  },
});

let bundle: string;
let mlflow: MlflowServer;
beforeAll(async () => {
  [bundle, mlflow] = await Promise.all([buildActionBundle(), startMlflowServer()]);
}, 600_000);
afterAll(async () => {
  await mlflow?.stop();
});

/** Each test's own registered models (`<prefix>-test` holds the candidate), on the shared server. */
let prefix = '';
let serial = 0;
let config = '';
const configFor = (p: string) => `version: 1
environments:
  test: { registry: mlflow, tracking_uri: "${mlflow.url}" }
  prod: { registry: mlflow, tracking_uri: "${mlflow.url}", promote_from: test }
models:
  churn:
    name: ${p}-\${env}
    candidate: { latest: true }
    policies: [policies/quality.yml]
`;
/** A new candidate version whose run logged this auc (it becomes the latest). */
const candidate = (auc: number) => seedVersion(mlflow, `${prefix}-test`, auc);

let api: GitHubStandIn;
beforeEach(async () => {
  prefix = `gh${Date.now().toString(36)}${serial++}`;
  config = configFor(prefix);
  await candidate(0.95);
  api = await startGitHubStandIn({ token: 'ghs_testtoken', latencyMs: 10 });
  api.pulls.set(PR, { number: PR, author: 'alice', baseSha: BASE, headSha: HEAD, files: ['src/train.py'] });
  api.contents.set(BASE, new Map([['mlops.yml', config], ['policies/quality.yml', quality(0.9)]]));
});
afterEach(() => api.close());

const run = (over: Partial<RunSpec> = {}) =>
  runAction({
    bundle,
    apiUrl: api.url,
    workspace: { 'mlops.yml': config, 'policies/quality.yml': quality(0.9) },
    event: prEvent(),
    eventName: 'pull_request',
    github: api,
    ...over,
  });
const marked = () => api.commentsOn('acme', 'models', PR).filter((c) => c.body.includes('<!-- mlops-gate:plan:mlops.yml -->'));

describe('sticky PR comment', () => {
  it('first run creates the comment; a second run with a new verdict updates it in place', async () => {
    const first = await run();
    // Progress lines only (registry facts are read live): nothing went wrong.
    expect(first.stderr).not.toMatch(/error|warning|fail/i);
    expect(first.code).toBe(0);
    expect(first.outputs.verdict).toBe('pass');
    expect(first.outputs['result-json']).toMatch(/mlops-gate-result\.json$/);
    expect(first.summary).toContain('### ✅ mlops-gate plan: nothing blocks (1 target)');
    expect(first.summary).toContain('`mlops.yml` · head bbbbbbb · rules from base aaaaaaa');
    expect(first.summary).toContain('<details><summary>Text report</summary>');
    expect(marked()).toHaveLength(1);
    expect(marked()[0]?.body).toContain('### ✅ mlops-gate plan: nothing blocks');
    expect(marked()[0]?.body).toContain('| ✅&nbsp;PASS | the 1 gate passes |');
    expect(marked()[0]?.body).toMatch(/will promote/);
    expect(api.calls.every((c) => c.authorization === 'token ghs_testtoken')).toBe(true);
    // The only place the token appears is the runner's mask command, which the runner consumes.
    const lines = first.stdout.split('\n');
    expect(lines).toContain('::add-mask::ghs_testtoken');
    expect(lines.filter((l) => l.includes('ghs_testtoken'))).toHaveLength(1);

    await candidate(0.8);
    const second = await run();
    expect(second.code).toBe(1);
    expect(second.outputs.verdict).toBe('fail');
    expect(marked()).toHaveLength(1);
    expect(marked()[0]?.body).toContain('### ❌ mlops-gate plan: 1 of 1 blocked');
    expect(marked()[0]?.body).toContain('https://github.example/acme/models/actions/runs/42');
    expect(api.callsTo('POST', /\/comments$/)).toHaveLength(1);
    expect(api.callsTo('PATCH', /\/issues\/comments\//)).toHaveLength(1);

    // Same verdict again: nothing to edit.
    await run({ runId: 43 });
    expect(api.callsTo('PATCH', /\/issues\/comments\//)).toHaveLength(1);
  });

  it('ten concurrent runs leave exactly one comment', async () => {
    // All ten runs see "no comment yet" before any of them creates one: the worst case.
    api.barrier('GET', /\/issues\/5\/comments$/, 10);
    const runs = await Promise.all(Array.from({ length: 10 }, (_, i) => run({ runId: 100 + i })));
    expect(runs.map((r) => r.code)).toEqual(Array(10).fill(0));
    expect(marked()).toHaveLength(1);
    // Each run created once (the race really happened), and the copies were cleaned up.
    expect(api.callsTo('POST', /\/comments$/)).toHaveLength(10);
    expect(api.callsTo('DELETE', /\/issues\/comments\//).filter((c) => c.status === 204)).toHaveLength(9);
  });

  it('comment: false posts nothing', async () => {
    const r = await run({ inputs: { comment: 'false' } });
    expect(r.code).toBe(0);
    expect(api.callsTo('POST', /\/comments$/)).toHaveLength(0);
  });
});

describe('approvals through GitHub', () => {
  const withApprovals = (reviews: StandInReview[], gates = APPROVALS) => {
    api.contents.set(BASE, new Map([['mlops.yml', config], ['policies/quality.yml', quality(0.9, gates)]]));
    api.reviews.set(PR, reviews);
    return run({ workspace: { 'mlops.yml': config, 'policies/quality.yml': quality(0.9, gates) } });
  };
  const approvalsGate = (r: Awaited<ReturnType<typeof run>>) => {
    const body = marked()[0]?.body ?? '';
    return { verdict: r.outputs.verdict, code: r.code, body };
  };

  it('an eligible approval on the head commit passes (control)', async () => {
    const r = await withApprovals([{ user: 'bob', state: 'APPROVED', commit_id: HEAD, submitted_at: '2026-01-01T10:00:00Z' }]);
    expect(approvalsGate(r)).toMatchObject({ verdict: 'pass', code: 0 });
  });

  it('self-approval does not count', async () => {
    const r = await withApprovals([{ user: 'alice', state: 'APPROVED', commit_id: HEAD, submitted_at: '2026-01-01T10:00:00Z' }]);
    const g = approvalsGate(r);
    expect(g).toMatchObject({ verdict: 'fail', code: 1 });
    expect(g.body).toContain('@\u2060alice (author)'); // shown, but pings nobody
    expect(g.body).not.toMatch(/@alice/);
  });

  it('a dismissed review does not count', async () => {
    const r = await withApprovals([{ user: 'bob', state: 'DISMISSED', commit_id: HEAD, submitted_at: '2026-01-01T10:00:00Z' }]);
    expect(approvalsGate(r).verdict).toBe('fail');
    expect(approvalsGate(r).body).toContain('@\u2060bob (review dismissed)');
  });

  it('a stale approval (older commit) does not count', async () => {
    const r = await withApprovals([{ user: 'bob', state: 'APPROVED', commit_id: OLD_HEAD, submitted_at: '2026-01-01T10:00:00Z' }]);
    expect(approvalsGate(r).verdict).toBe('fail');
    expect(approvalsGate(r).body).toContain('@\u2060bob (stale');
  });

  it('changes requested after an approval blocks', async () => {
    const r = await withApprovals([
      { user: 'bob', state: 'APPROVED', commit_id: HEAD, submitted_at: '2026-01-01T10:00:00Z' },
      { user: 'carol', state: 'APPROVED', commit_id: HEAD, submitted_at: '2026-01-01T10:30:00Z' },
      { user: 'bob', state: 'CHANGES_REQUESTED', commit_id: HEAD, submitted_at: '2026-01-01T11:00:00Z' },
    ]);
    expect(approvalsGate(r).verdict).toBe('fail');
    expect(approvalsGate(r).body).toContain('Changes requested by @\u2060bob');
  });

  it('a team whose membership cannot be read is an error, not a pass', async () => {
    api.teams.set('acme/ml-leads', 403);
    const r = await withApprovals([{ user: 'bob', state: 'APPROVED', commit_id: HEAD, submitted_at: '2026-01-01T10:00:00Z' }], TEAM_APPROVALS);
    expect(approvalsGate(r)).toMatchObject({ verdict: 'error', code: 3 });
    expect(approvalsGate(r).body).toMatch(/Could not read the membership of team ml-leads/);
  });

  it('a readable team counts its members only', async () => {
    api.teams.set('acme/ml-leads', ['carol']);
    const r = await withApprovals([{ user: 'bob', state: 'APPROVED', commit_id: HEAD, submitted_at: '2026-01-01T10:00:00Z' }], TEAM_APPROVALS);
    expect(approvalsGate(r).verdict).toBe('fail');
    api.reviews.get(PR)?.push({ user: 'carol', state: 'APPROVED', commit_id: HEAD, submitted_at: '2026-01-01T11:00:00Z' });
    const again = await run({ workspace: { 'mlops.yml': config, 'policies/quality.yml': quality(0.9, TEAM_APPROVALS) } });
    expect(again.outputs.verdict).toBe('pass');
  });
});

describe('trusted policies', () => {
  it('a PR that relaxes a threshold in its own head policy is judged by the base policy and blocked', async () => {
    api.pulls.set(PR, { number: PR, author: 'alice', baseSha: BASE, headSha: HEAD, files: ['policies/quality.yml'] });
    await candidate(0.8);
    const r = await run({ workspace: { 'mlops.yml': config, 'policies/quality.yml': quality(0.5) } });
    expect(r.code).toBe(1);
    expect(r.outputs.verdict).toBe('fail');
    const body = marked()[0]?.body ?? '';
    expect(body).toMatch(/auc/);
    expect(body).toMatch(/policy-integrity/);
    expect(body).toMatch(/a maintainer must merge that first/);
    // The metric gate itself used the base threshold 0.9, not the PR's 0.5.
    expect(body).toContain('0.8; limit: ≥ 0.9');
    // …and is annotated at its line in the (base) policy file, titled with model and gate.
    expect(r.annotations).toContainEqual(
      expect.objectContaining({ level: 'error', props: expect.objectContaining({ file: 'policies/quality.yml', line: '3', title: 'mlops-gate: churn test → prod: policies/quality.yml/metric_threshold:auc fails' }) }),
    );
    expect(r.annotations).toContainEqual(expect.objectContaining({ level: 'error', props: expect.objectContaining({ file: 'policies/quality.yml', line: '1' }) }));
    // mlops.yml, its policy, and an Asset Bundle looked for beside mlops.yml (absent): all at the base.
    expect(api.callsTo('GET', /\/contents\//).map((c) => `${decodeURIComponent(c.path.replace(/^.*\/contents\//, ''))}@${c.query.ref}`).sort()).toEqual([
      `databricks.yml@${BASE}`,
      `mlops.yml@${BASE}`,
      `policies/quality.yml@${BASE}`,
    ]);
  });

  it('even when the relaxed head policy would pass the model, the base policy decides', async () => {
    api.pulls.set(PR, { number: PR, author: 'alice', baseSha: BASE, headSha: HEAD, files: [] });
    // The PR file list says nothing changed, but the workspace (head) is relaxed: base still decides.
    await candidate(0.8);
    const r = await run({ workspace: { 'mlops.yml': config, 'policies/quality.yml': quality(0.5) } });
    expect(r.outputs.verdict).toBe('fail');
    expect(marked()[0]?.body).toContain('0.8; limit: ≥ 0.9');
  });

  it('a fork PR is skipped with a clear reason, never passed', async () => {
    const r = await run({ event: prEvent({ fork: true, headRepo: 'mallory/models' }) });
    expect(r.code).toBe(0);
    expect(r.outputs.verdict).toBe('skipped');
    expect(r.annotations.some((a) => a.level === 'warning' && /comes from a fork \(mallory\/models\)/.test(a.message))).toBe(true);
    expect(r.summary).toMatch(/SKIPPED/);
    expect(api.callsTo('POST', /./)).toHaveLength(0);
  });
});

describe('errors as annotations', () => {
  it('a config error in the base config is annotated at file:line:column', async () => {
    api.contents.set(BASE, new Map([['mlops.yml', config.replace('candidate: { latest: true }', 'candidat: { latest: true }')], ['policies/quality.yml', quality(0.9)]]));
    const r = await run();
    expect(r.code).toBe(2);
    const err = r.annotations.find((a) => a.level === 'error' && a.props.file === 'mlops.yml');
    expect(err?.props).toMatchObject({ file: 'mlops.yml', line: expect.stringMatching(/^\d+$/), col: expect.stringMatching(/^\d+$/) });
    expect(api.callsTo('POST', /./)).toHaveLength(0);
  });
});

describe('promote and rollback in the action', () => {
  it('refuse to run on pull request events, before contacting anything', async () => {
    const r = await run({ inputs: { command: 'promote', environment: 'prod' } });
    expect(r.code).toBe(2);
    expect(r.annotations.some((a) => a.level === 'error' && /promote does not run on pull request events/.test(a.message))).toBe(true);
    expect(api.calls).toHaveLength(0);
  });
});

describe('GitHub Enterprise Server and rate limits', () => {
  it('uses GITHUB_API_URL with the /api/v3 prefix and waits out a secondary rate limit', async () => {
    await api.close();
    api = await startGitHubStandIn({ token: 'ghs_testtoken', prefix: '/api/v3' });
    api.pulls.set(PR, { number: PR, author: 'alice', baseSha: BASE, headSha: HEAD, files: [] });
    api.contents.set(BASE, new Map([['mlops.yml', config], ['policies/quality.yml', quality(0.9)]]));
    api.failNext('GET', /\/issues\/5\/comments$/, { status: 403, headers: { 'retry-after': '1' }, body: { message: 'You have exceeded a secondary rate limit' } });
    const r = await run();
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/GitHub rate limit on GET \S*\/api\/v3\/repos\/acme\/models\/issues\/5\/comments\S*; waiting 1 s/);
    expect(marked()).toHaveLength(1);
    expect(api.callsTo('GET', /\/issues\/5\/comments$/).map((c) => c.status)).toEqual([403, 200, 200]);
  });
});

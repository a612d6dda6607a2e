import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGitHubClient } from '../../../src/platform/github/client.js';
import { readGitHubContext } from '../../../src/platform/github/context.js';
import { forkSkipReason, readTrustedSources, repoPath } from '../../../src/platform/github/trusted.js';
import { repoRelativePath } from '../../../src/action/workspace.js';
import { readConfig } from '../../../src/run/plan.js';
import type { ConfigError } from '../../../src/errors.js';
import { startGitHubStandIn, type GitHubStandIn } from '../../support/github-api.js';
import { blocked, passing } from './results.js';
import { skippedResult, withPolicyIntegrityFinding } from '../../../src/result/findings.js';

const BASE = 'a'.repeat(40);
const HEAD = 'b'.repeat(40);

const config = (_threshold: number) => `version: 1
environments:
  test: { registry: mlflow, tracking_uri: http://127.0.0.1:1 }
  prod: { registry: mlflow, tracking_uri: http://127.0.0.1:1, promote_from: test }
models:
  churn:
    name: churn-\${env}
    candidate: { latest: true }
    policies: [policies/quality.yml]
`;
const quality = (threshold: number) => `extends: [shared/base.yml]
gates:
  - type: metric_threshold
    metric: auc
    threshold: ${threshold}
    greater_is_better: true
`;
const shared = `gates:
  - type: approvals
    min: 1
    from: { teams: [ml-leads] }
`;

describe('repoPath', () => {
  it('normalises repository paths and rejects paths outside the repository', () => {
    expect(repoPath('./a/../policies/x.yml')).toBe('policies/x.yml');
    expect(repoPath('/etc/passwd')).toBeNull();
    expect(repoPath('../x.yml')).toBeNull();
  });
});

describe('trusted sources', () => {
  let api: GitHubStandIn;
  const pr = { number: 3, author: 'alice', baseSha: BASE, baseRef: 'main', headSha: HEAD, headRef: 'f', headRepo: 'acme/models', fromFork: false };
  const repo = { owner: 'acme', repo: 'models' };
  beforeEach(async () => {
    api = await startGitHubStandIn();
    api.contents.set(
      BASE,
      new Map([
        ['mlops.yml', config(0.9)],
        ['policies/quality.yml', quality(0.9)],
        ['policies/shared/base.yml', shared],
      ]),
    );
  });
  afterEach(() => api.close());

  const workspace = (files: Record<string, string>) => (p: string) => files[p] ?? null;
  const read = (local: Record<string, string>) =>
    readTrustedSources({
      github: createGitHubClient({ token: 't', apiUrl: api.url, sleep: async () => undefined }),
      repo,
      pullRequest: pr,
      localReadFile: workspace(local),
      toRepoPath: (p: string) => repoRelativePath('/ws', p),
      discover: (readFile, listDir) => void readConfig('mlops.yml', { env: {}, now: new Date('2026-01-01T00:00:00Z'), readFile, listDir }),
    });

  it('serves the base versions of the config and every policy file it reaches; nothing from the PR checkout', async () => {
    api.pulls.set(3, { number: 3, author: 'alice', baseSha: BASE, headSha: HEAD, files: ['README.md'] });
    const trusted = await read({ 'mlops.yml': config(0.9), 'policies/quality.yml': quality(0.5), 'evidence.json': '{}' });
    // databricks.yml beside mlops.yml was looked for too (an Asset Bundle), and is absent at the base.
    expect([...trusted.baseFiles.keys()].sort()).toEqual(['databricks.yml', 'mlops.yml', 'policies/quality.yml', 'policies/shared/base.yml']);
    expect(trusted.baseFiles.get('databricks.yml')).toBeNull();
    expect(trusted.readFile('policies/quality.yml')).toContain('threshold: 0.9');
    expect(trusted.readFile('./policies/quality.yml')).toContain('threshold: 0.9');
    // A file the config does not reach is absent, never the PR's copy.
    expect(trusted.readFile('evidence.json')).toBeNull();
    expect(trusted.changed).toEqual([]);
    expect(api.callsTo('GET', /\/contents\//).every((c) => c.query.ref === BASE)).toBe(true);
    const { config: loaded } = readConfig('mlops.yml', { env: {}, now: new Date(), readFile: trusted.readFile });
    expect([...loaded.policies.keys()].length).toBeGreaterThan(0);
  });

  it('reads an Asset Bundle and the files its include globs match from the base commit, listing directories there', async () => {
    const bundle = 'bundle:\n  name: churn\ninclude:\n  - resources/*.yml\ntargets:\n  prod: {}\n';
    const endpoint = (size: string) =>
      `resources:\n  model_serving_endpoints:\n    churn:\n      name: churn-prod\n      config:\n        served_entities:\n          - entity_name: ml.prod.churn\n            entity_version: "1"\n            workload_size: ${size}\n            scale_to_zero_enabled: true\n`;
    api.contents.get(BASE)!.set('databricks.yml', bundle);
    api.contents.get(BASE)!.set('resources/serving.yml', endpoint('Small'));
    api.contents.get(BASE)!.set('resources/notes.md', 'not yaml');
    api.pulls.set(3, { number: 3, author: 'alice', baseSha: BASE, headSha: HEAD, files: ['resources/serving.yml', 'resources/new.yml'] });
    // The PR's checkout has another size and one more include: neither is read.
    const trusted = await read({ 'databricks.yml': bundle, 'resources/serving.yml': endpoint('Large'), 'resources/new.yml': 'resources: {}\n' });
    expect([...trusted.baseFiles.keys()].sort()).toEqual(['databricks.yml', 'mlops.yml', 'policies/quality.yml', 'policies/shared/base.yml', 'resources/serving.yml']);
    expect(trusted.readFile('resources/serving.yml')).toContain('workload_size: Small');
    expect(trusted.listDir('resources')?.map((e) => e.name)).toEqual(['notes.md', 'serving.yml']);
    expect(trusted.changed).toEqual(['resources/serving.yml']);
    expect(api.callsTo('GET', /\/contents/).every((c) => c.query.ref === BASE)).toBe(true);
    const { config: loaded } = readConfig('mlops.yml', { env: {}, now: new Date(), readFile: trusted.readFile, listDir: trusted.listDir });
    expect(loaded.bundle?.bundle.files).toEqual(['databricks.yml', 'resources/serving.yml']);
  });

  it('refuses a bundle include that leaves the repository, at its line', async () => {
    api.contents.get(BASE)!.set('databricks.yml', 'bundle:\n  name: churn\ninclude:\n  - ../../etc/*.yml\n');
    api.pulls.set(3, { number: 3, author: 'alice', baseSha: BASE, headSha: HEAD, files: [] });
    const trusted = await read({});
    let error: unknown = null;
    try {
      readConfig('mlops.yml', { env: {}, now: new Date(), readFile: trusted.readFile, listDir: trusted.listDir });
    } catch (e) {
      error = e;
    }
    expect((error as ConfigError).diagnostics.map((d) => [d.code, d.position?.file, d.position?.line, d.position?.column])).toEqual([['bundle-include', 'databricks.yml', 4, 5]]);
    // Nothing outside the repository was asked for.
    expect(api.callsTo('GET', /\/contents/).some((c) => c.path.includes('..') || c.path.includes('etc'))).toBe(false);
  });

  it('lists the policy files the PR changes (from the PR file list)', async () => {
    api.pulls.set(3, { number: 3, author: 'alice', baseSha: BASE, headSha: HEAD, files: ['policies/quality.yml', 'src/train.py'] });
    const trusted = await read({});
    expect(trusted.changed).toEqual(['policies/quality.yml']);
  });

  it('falls back to comparing the workspace when the PR file list is unavailable', async () => {
    api.failNext('GET', /\/pulls\/3\/files$/, { status: 403 });
    const trusted = await read({ 'mlops.yml': config(0.9), 'policies/quality.yml': quality(0.5), 'policies/shared/base.yml': shared });
    expect(trusted.changed).toEqual(['policies/quality.yml']);
  });
});

describe('policy integrity finding', () => {
  it('blocks every target and explains, without touching other gates', () => {
    const out = withPolicyIntegrityFinding(passing(), ['policies/quality.yml']);
    expect(out.verdict).toBe('fail');
    expect(out.targets[0]?.verdict).toBe('fail');
    expect(out.targets[0]?.gates[0]).toMatchObject({ id: 'policy-integrity', outcome: 'fail' });
    expect(out.targets[0]?.gates[0]?.message).toMatch(/this PR changes policies.*a maintainer must merge that first/i);
    expect(out.targets[0]?.gates.slice(1)).toEqual(passing().targets[0]?.gates);
    expect(out.diagnostics[0]).toMatchObject({ severity: 'error', code: 'policy-integrity', position: { file: 'policies/quality.yml', line: 1 } });
  });
  it('is a no-op when nothing changed, and fails even with no targets', () => {
    expect(withPolicyIntegrityFinding(blocked(), [])).toEqual(blocked());
    expect(withPolicyIntegrityFinding({ ...passing(), targets: [], verdict: 'skipped' }, ['mlops.yml']).verdict).toBe('fail');
  });
});

describe('fork pull requests', () => {
  const ctx = (eventName: string, headRepo: string | null, fork = false) =>
    readGitHubContext({ GITHUB_REPOSITORY: 'acme/models', GITHUB_EVENT_NAME: eventName, GITHUB_EVENT_PATH: '/e' }, () =>
      JSON.stringify({
        pull_request: {
          number: 9,
          user: { login: 'mallory' },
          base: { sha: BASE, ref: 'main', repo: { full_name: 'acme/models' } },
          head: { sha: HEAD, ref: 'x', repo: headRepo === null ? null : { full_name: headRepo, fork } },
        },
      }),
    );
  it('skips fork PRs on pull_request, and on any event without a token', () => {
    expect(forkSkipReason(ctx('pull_request', 'mallory/models', true), true)).toMatch(/from a fork \(mallory\/models\).*not a pass/);
    expect(forkSkipReason(ctx('pull_request', null), true)).toMatch(/deleted repository/);
    expect(forkSkipReason(ctx('pull_request_review', 'mallory/models', true), true)).not.toBeNull();
    expect(forkSkipReason(ctx('pull_request_target', 'mallory/models', true), false)).not.toBeNull();
    expect(forkSkipReason(ctx('pull_request_target', 'mallory/models', true), true)).toBeNull();
    expect(forkSkipReason(ctx('pull_request', 'acme/models'), true)).toBeNull();
    expect(forkSkipReason(ctx('push', 'mallory/models', true), false)).toBeNull();
  });
  it('the skipped result is never a pass', () => {
    const r = skippedResult({ reason: 'fork', configFile: 'mlops.yml', digest: 'd', targets: [{ model: 'churn', from: 'test', to: 'prod' }], now: new Date(0) });
    expect(r.verdict).toBe('skipped');
    expect(r.targets.map((t) => t.verdict)).toEqual(['skipped']);
    expect(r.diagnostics[0]?.message).toBe('fork');
  });
});

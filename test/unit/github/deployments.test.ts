import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGitHubClient } from '../../../src/platform/github/client.js';
import { DeploymentError, ensureDeployment, lastSuccessfulPromotion, recordPromotionDeployments, setDeploymentStatus } from '../../../src/platform/github/deployments.js';
import { startGitHubStandIn, type GitHubStandIn } from '../../support/github-api.js';

const SHA = 'e'.repeat(40);
const repo = { owner: 'acme', repo: 'models' };

describe('deployments', () => {
  let api: GitHubStandIn;
  beforeEach(async () => {
    api = await startGitHubStandIn();
  });
  afterEach(() => api.close());
  const github = () => createGitHubClient({ token: 't', apiUrl: api.url, sleep: async () => undefined });
  const payload = (version: string, previous: string | null) => ({
    model: 'churn',
    name: 'main.ml.churn',
    version,
    previousChampion: previous ? { name: 'main.ml.churn', version: previous } : null,
  });

  it('creates a deployment with the promotion payload, records statuses, and reuses it on re-run', async () => {
    const first = await ensureDeployment({ github: github(), repo, environment: 'prod', sha: SHA, payload: payload('7', '6'), productionEnvironment: true });
    expect(first.created).toBe(true);
    await setDeploymentStatus({ github: github(), repo, deploymentId: first.id, state: 'in_progress', logUrl: 'https://github.com/acme/models/actions/runs/1' });
    const again = await ensureDeployment({ github: github(), repo, environment: 'prod', sha: SHA, payload: payload('7', '6') });
    expect(again).toEqual({ id: first.id, environment: 'prod', created: false });
    await setDeploymentStatus({ github: github(), repo, deploymentId: first.id, state: 'success', description: 'churn v7 serving 100%' });

    expect(api.deployments).toHaveLength(1);
    const d = api.deployments[0]!;
    expect(d).toMatchObject({ environment: 'prod', ref: SHA, production_environment: true });
    expect(d.payload).toEqual({ kind: 'mlops-gate/promotion', ...payload('7', '6') });
    expect(d.statuses.map((s) => s.state)).toEqual(['in_progress', 'success']);
    const post = api.callsTo('POST', /\/deployments$/)[0]!;
    expect(post.body).toMatchObject({ required_contexts: [], auto_merge: false });
  });

  it('finds the live promotion and its rollback target; failed ones are skipped', async () => {
    const ok = await ensureDeployment({ github: github(), repo, environment: 'prod', sha: SHA, payload: payload('6', '5') });
    await setDeploymentStatus({ github: github(), repo, deploymentId: ok.id, state: 'success' });
    const bad = await ensureDeployment({ github: github(), repo, environment: 'prod', sha: SHA, payload: payload('7', '6') });
    await setDeploymentStatus({ github: github(), repo, deploymentId: bad.id, state: 'failure' });
    const other = await ensureDeployment({ github: github(), repo, environment: 'prod', sha: SHA, payload: { ...payload('9', null), model: 'fraud' } });
    await setDeploymentStatus({ github: github(), repo, deploymentId: other.id, state: 'success' });

    const live = await lastSuccessfulPromotion(github(), repo, 'prod', 'churn');
    expect(live).toMatchObject({ deploymentId: ok.id, version: '6', previousChampion: { version: '5' } });
    expect(await lastSuccessfulPromotion(github(), repo, 'test', 'churn')).toBeNull();
  });

  it('a rollback is recorded as a rollback, and is what is live afterwards', async () => {
    const promoted = await ensureDeployment({ github: github(), repo, environment: 'prod', sha: SHA, payload: payload('7', '6') });
    await setDeploymentStatus({ github: github(), repo, deploymentId: promoted.id, state: 'success' });
    const recorded = await recordPromotionDeployments({
      github: github(),
      repo,
      sha: SHA,
      runUrl: null,
      githubEnvironmentOf: () => 'prod',
      operation: 'rollback',
      outcomes: [{ model: 'churn', environment: 'prod', status: 'applied', message: 'rolled back', destination: { model: 'main.ml.churn', version: '6' }, previousChampion: '7', planHash: null }],
    });
    expect(recorded).toMatchObject([{ state: 'success', written: true }]);
    expect(api.deployments.map((d) => (d.payload as { kind: string }).kind)).toEqual(['mlops-gate/promotion', 'mlops-gate/rollback']);
    expect(await lastSuccessfulPromotion(github(), repo, 'prod', 'churn')).toMatchObject({ version: '6', previousChampion: { version: '7' } });
  });

  it('explains a missing permission', async () => {
    await api.close();
    api = await startGitHubStandIn({ readOnly: true });
    const error = await ensureDeployment({ github: github(), repo, environment: 'prod', sha: SHA, payload: payload('7', null) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeploymentError);
    expect((error as Error).message).toMatch(/cannot create a deployment to prod: HTTP 403.*deployments: write/);
  });
});

describe('recordPromotionDeployments', () => {
  let api: GitHubStandIn;
  beforeEach(async () => {
    api = await startGitHubStandIn();
  });
  afterEach(() => api.close());
  const github = () => createGitHubClient({ token: 't', apiUrl: api.url, sleep: async () => undefined });
  const outcome = (status: string, environment = 'prod', version: string | null = '7') => ({
    model: 'churn',
    environment,
    status,
    message: `${status} message`,
    destination: { model: 'churn-prod', version },
    previousChampion: '6',
    planHash: 'sha256:abc',
  });
  const record = (outcomes: ReturnType<typeof outcome>[]) =>
    recordPromotionDeployments({
      github: github(),
      repo,
      sha: SHA,
      runUrl: 'https://github.com/acme/models/actions/runs/9',
      outcomes,
      githubEnvironmentOf: (e) => (e === 'prod' ? 'production' : null),
      isProduction: (e) => e === 'production',
    });

  it('records applied promotions, skips what changed nothing, and is idempotent on re-run', async () => {
    const first = await record([outcome('applied'), outcome('blocked'), outcome('applied', 'test'), outcome('drift')]);
    expect(first.map((r) => ('skipped' in r ? r.skipped : r.state))).toEqual([
      'success',
      'nothing deployed (blocked)',
      'environment "test" names no github_environment',
      'nothing deployed (drift)',
    ]);
    expect(api.deployments).toHaveLength(1);
    expect(api.deployments[0]).toMatchObject({
      environment: 'production',
      production_environment: true,
      payload: { model: 'churn', name: 'churn-prod', version: '7', previousChampion: { name: 'churn-prod', version: '6' }, planHash: 'sha256:abc' },
    });
    expect(api.deployments[0]!.statuses.map((s) => [s.state, s.log_url])).toEqual([
      ['success', 'https://github.com/acme/models/actions/runs/9'],
    ]);
    const writes = () => api.calls.filter((c) => c.method !== 'GET').length;
    const before = writes();
    const again = await record([outcome('up-to-date')]);
    expect(again[0]).toMatchObject({ state: 'success', written: false });
    expect(writes()).toBe(before);
  });

  it('promoting a version again after a rollback is a new record', async () => {
    await record([outcome('applied', 'prod', '7')]);
    await record([{ ...outcome('applied', 'prod', '6'), previousChampion: '7' }]);
    await record([outcome('applied', 'prod', '7')]);
    expect(api.deployments.map((d) => (d.payload as { version: string }).version)).toEqual(['7', '6', '7']);
  });

  it('a failed apply is recorded as a failure', async () => {
    await record([outcome('failed')]);
    expect(api.deployments[0]!.statuses.map((s) => s.state)).toEqual(['failure']);
  });
});

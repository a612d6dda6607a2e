// GitHub Deployments as the audit trail of promotions: one deployment per (environment, model
// version), with its final status (success | failure). Re-running a promotion reuses the
// deployment it already created instead of making another. The previous champion travels in the
// payload, so GitHub's environment history also shows the rollback target.

import { describeError, statusOf, type GitHub } from './client.js';
import type { RepoRef } from './context.js';

export interface DeploymentPayload {
  /** The model id from mlops.yml. */
  readonly model: string;
  /** Registered model name in the destination and the version promoted. */
  readonly name: string;
  readonly version: string;
  /** What served before (for rollback), or null on a first promotion. */
  readonly previousChampion: { readonly name: string; readonly version: string } | null;
  readonly planHash?: string | null;
}

export interface DeploymentRef {
  readonly id: number;
  readonly environment: string;
  /** false when an earlier run already created it. */
  readonly created: boolean;
}

export type DeploymentState = 'in_progress' | 'success' | 'failure' | 'error' | 'inactive' | 'queued' | 'pending';

/** The payload kind says what the deployment records: a promotion or a rollback (both are "what is live now"). */
const PAYLOAD_KINDS = { promotion: 'mlops-gate/promotion', rollback: 'mlops-gate/rollback' } as const;
export type DeploymentOperation = keyof typeof PAYLOAD_KINDS;

interface StoredPayload extends DeploymentPayload {
  readonly kind: (typeof PAYLOAD_KINDS)[DeploymentOperation];
}

const isOurPayload = (p: unknown): p is StoredPayload =>
  typeof p === 'object' && p !== null && Object.values(PAYLOAD_KINDS).includes((p as { kind?: unknown }).kind as StoredPayload['kind']);

export class DeploymentError extends Error {
  override readonly name = 'DeploymentError';
}

const fail = (what: string, e: unknown): DeploymentError => {
  const hint = statusOf(e) === 403 ? ' (the token needs `deployments: write`)' : '';
  return new DeploymentError(`GitHub deployments: cannot ${what}: ${describeError(e)}${hint}`);
};

export interface CreateDeploymentRequest {
  readonly github: GitHub;
  readonly repo: RepoRef;
  /** GitHub environment name (e.g. prod). */
  readonly environment: string;
  /** Commit being deployed (the workflow's GITHUB_SHA). */
  readonly sha: string;
  readonly payload: DeploymentPayload;
  readonly description?: string;
  readonly productionEnvironment?: boolean;
  /** Default promotion. */
  readonly operation?: DeploymentOperation;
}

/** Find the deployment of this exact model version to this environment at this commit, or create it. */
export async function ensureDeployment(req: CreateDeploymentRequest): Promise<DeploymentRef> {
  const { github, repo } = req;
  let existing;
  try {
    existing = await github.paginate(github.rest.repos.listDeployments, {
      owner: repo.owner,
      repo: repo.repo,
      environment: req.environment,
      sha: req.sha,
      per_page: 100,
    });
  } catch (e) {
    throw fail(`list deployments of ${req.environment}`, e);
  }
  // Reuse only the newest record of this model (GitHub lists newest first): after a rollback, promoting
  // the same version again is a new event in the environment's history.
  const newest = existing.find((d) => isOurPayload(d.payload) && d.payload.model === req.payload.model);
  if (newest && isOurPayload(newest.payload) && newest.payload.name === req.payload.name && newest.payload.version === req.payload.version) {
    return { id: newest.id, environment: req.environment, created: false };
  }
  try {
    const { data, status } = await github.rest.repos.createDeployment({
      owner: repo.owner,
      repo: repo.repo,
      ref: req.sha,
      environment: req.environment,
      // Promotion is gated by mlops-gate itself; commit statuses are not a precondition here.
      required_contexts: [],
      auto_merge: false,
      transient_environment: false,
      production_environment: req.productionEnvironment ?? false,
      description: (req.description ?? `${req.payload.model}: ${req.payload.name} v${req.payload.version}`).slice(0, 140),
      payload: { kind: PAYLOAD_KINDS[req.operation ?? 'promotion'], ...req.payload } as unknown as Record<string, unknown>,
    });
    if (status !== 201 || !('id' in data)) throw new DeploymentError(`GitHub did not create the deployment: ${JSON.stringify(data).slice(0, 200)}`);
    return { id: data.id, environment: req.environment, created: true };
  } catch (e) {
    if (e instanceof DeploymentError) throw e;
    throw fail(`create a deployment to ${req.environment}`, e);
  }
}

export interface StatusRequest {
  readonly github: GitHub;
  readonly repo: RepoRef;
  readonly deploymentId: number;
  readonly state: DeploymentState;
  readonly description?: string;
  /** Link to the workflow run. */
  readonly logUrl?: string | null;
  /** Link to the serving endpoint or registry page. */
  readonly environmentUrl?: string | null;
}

export async function setDeploymentStatus(req: StatusRequest): Promise<void> {
  try {
    await req.github.rest.repos.createDeploymentStatus({
      owner: req.repo.owner,
      repo: req.repo.repo,
      deployment_id: req.deploymentId,
      state: req.state,
      ...(req.description ? { description: req.description.slice(0, 140) } : {}),
      ...(req.logUrl ? { log_url: req.logUrl } : {}),
      ...(req.environmentUrl ? { environment_url: req.environmentUrl } : {}),
      // Older successes stay in the history (they are rollback targets), not marked inactive.
      auto_inactive: false,
    });
  } catch (e) {
    throw fail(`set deployment ${req.deploymentId} to ${req.state}`, e);
  }
}

export interface RecordedPromotion extends DeploymentPayload {
  readonly deploymentId: number;
  readonly sha: string;
  readonly createdAt: string;
}

/**
 * The newest mlops-gate deployment of `model` to `environment` whose latest status is success:
 * what is live now, with its previous champion (the rollback target). Null when there is none.
 */
export async function lastSuccessfulPromotion(github: GitHub, repo: RepoRef, environment: string, model: string): Promise<RecordedPromotion | null> {
  try {
    // Newest first; look at a bounded window, enough for any realistic history of one environment.
    const deployments = await github.paginate(
      github.rest.repos.listDeployments,
      { owner: repo.owner, repo: repo.repo, environment, per_page: 100 },
      (response, done) => {
        if (response.data.length < 100) done();
        return response.data;
      },
    );
    for (const d of deployments.slice(0, 300)) {
      if (!isOurPayload(d.payload) || d.payload.model !== model) continue;
      const { data: statuses } = await github.rest.repos.listDeploymentStatuses({ owner: repo.owner, repo: repo.repo, deployment_id: d.id, per_page: 1 });
      if (statuses[0]?.state !== 'success') continue;
      const p: StoredPayload = d.payload;
      return {
        model: p.model,
        name: p.name,
        version: p.version,
        previousChampion: p.previousChampion ?? null,
        planHash: p.planHash ?? null,
        deploymentId: d.id,
        sha: d.sha,
        createdAt: d.created_at,
      };
    }
    return null;
  } catch (e) {
    throw fail(`read the deployment history of ${environment}`, e);
  }
}

/** What a promote/rollback target did, as far as the deployment record is concerned. */
export interface PromotionOutcome {
  readonly model: string;
  /** mlops.yml environment promoted into (or rolled back). */
  readonly environment: string;
  readonly status: string;
  readonly message: string;
  readonly destination: { readonly model: string; readonly version: string | null } | null;
  readonly previousChampion: string | null;
  readonly planHash: string | null;
}

export type RecordOutcome =
  | { readonly model: string; readonly environment: string; readonly deploymentId: number; readonly state: DeploymentState; readonly written: boolean }
  | { readonly model: string; readonly environment: string; readonly skipped: string };

/** Applied or already-converged targets are successes; failed applies are failures; the rest changed nothing. */
const STATE_BY_STATUS: Readonly<Record<string, DeploymentState | undefined>> = {
  applied: 'success',
  'up-to-date': 'success',
  failed: 'failure',
};

/**
 * Record each promotion (or rollback) as a GitHub Deployment of its GitHub environment, with its
 * final status, success | failure: two content-creating calls. Idempotent: a re-run that finds its deployment already
 * in the same final state writes nothing.
 */
export async function recordPromotionDeployments(req: {
  readonly github: GitHub;
  readonly repo: RepoRef;
  readonly sha: string;
  readonly runUrl: string | null;
  readonly outcomes: readonly PromotionOutcome[];
  /** GitHub environment of an mlops.yml environment, or null when it names none. */
  readonly githubEnvironmentOf: (environment: string) => string | null;
  readonly isProduction?: (githubEnvironment: string) => boolean;
  /** What the outcomes are (the deployment payload's kind); default promotion. */
  readonly operation?: DeploymentOperation;
}): Promise<RecordOutcome[]> {
  const results: RecordOutcome[] = [];
  for (const o of req.outcomes) {
    const ghEnv = req.githubEnvironmentOf(o.environment);
    const state = STATE_BY_STATUS[o.status];
    if (!ghEnv) {
      results.push({ model: o.model, environment: o.environment, skipped: `environment "${o.environment}" names no github_environment` });
      continue;
    }
    if (!state || !o.destination?.version) {
      results.push({ model: o.model, environment: o.environment, skipped: `nothing deployed (${o.status})` });
      continue;
    }
    const deployment = await ensureDeployment({
      github: req.github,
      repo: req.repo,
      environment: ghEnv,
      sha: req.sha,
      payload: {
        model: o.model,
        name: o.destination.model,
        version: o.destination.version,
        previousChampion: o.previousChampion ? { name: o.destination.model, version: o.previousChampion } : null,
        planHash: o.planHash,
      },
      productionEnvironment: req.isProduction?.(ghEnv) ?? false,
      ...(req.operation ? { operation: req.operation } : {}),
    });
    if (!deployment.created) {
      const { data } = await req.github.rest.repos.listDeploymentStatuses({
        owner: req.repo.owner,
        repo: req.repo.repo,
        deployment_id: deployment.id,
        per_page: 1,
      });
      if (data[0]?.state === state) {
        results.push({ model: o.model, environment: o.environment, deploymentId: deployment.id, state, written: false });
        continue;
      }
    }
    const status = { github: req.github, repo: req.repo, deploymentId: deployment.id, logUrl: req.runUrl };
    // Recorded after the promotion ran, so only the final state: an `in_progress` status would be
    // a third content-creating call that says nothing (GitHub cannot create a deployment with a status).
    await setDeploymentStatus({ ...status, state, description: o.message });
    results.push({ model: o.model, environment: o.environment, deploymentId: deployment.id, state, written: true });
  }
  return results;
}

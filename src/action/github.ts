// The GitHub API client of an action run and the facts the approvals gates need from it.

import * as core from '@actions/core';
import type { Config } from '../config/types.js';
import { UsageError } from '../errors.js';
import { teamsNamedBy } from '../platform/github/approvals.js';
import { createGitHubClient, type GitHub } from '../platform/github/client.js';
import type { GitHubContext } from '../platform/github/context.js';
import { readConfig, type RunDeps } from '../run/plan.js';
import type { ActionSettings } from './inputs.js';

/** GitHub API calls get a deadline like registry calls: MLOPS_GATE_GITHUB_TIMEOUT_SECONDS (default 30). */
const githubTimeoutMs = (env: Readonly<Record<string, string | undefined>>): number => {
  const raw = env.MLOPS_GATE_GITHUB_TIMEOUT_SECONDS?.trim();
  if (!raw) return 30_000;
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new UsageError(`MLOPS_GATE_GITHUB_TIMEOUT_SECONDS must be a positive number of seconds (got "${raw}")`);
  return Math.round(seconds * 1000);
};

export const githubClientFor = (settings: ActionSettings, context: GitHubContext, env: Readonly<Record<string, string | undefined>>): GitHub | null =>
  settings.githubToken
    ? createGitHubClient({ token: settings.githubToken, apiUrl: context.apiUrl, env, timeoutMs: githubTimeoutMs(env), onRetry: (m) => core.info(m) })
    : null;

/** Team slugs the approvals gates name (config errors surface later, from the run itself). */
export function teamsOf(configPath: string, deps: Pick<RunDeps, 'env' | 'now' | 'readFile'>): string[] {
  try {
    const { config } = readConfig(configPath, deps);
    return teamsNamedBy([...config.policies.values()].flatMap((p) => p.gates));
  } catch {
    return [];
  }
}

/** The config as the run reads it, or null when it cannot be loaded (the run reports why). */
export function configOrNull(configPath: string, deps: Pick<RunDeps, 'env' | 'now' | 'readFile' | 'listDir'>): Config | null {
  try {
    return readConfig(configPath, deps).config;
  } catch {
    return null;
  }
}

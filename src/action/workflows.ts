// Which workflow of the repository applies a plan after merge: the PR comment's "On merge"
// section names it. Found in the checked-out .github/workflows: the first workflow (by file name)
// with a step `uses: mlops-gate/mlops-gate@…` and `command: promote` that is not a dry run, or a
// job that calls the reusable `mlops-gate/mlops-gate/.github/workflows/promote.yml`.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { GitHubContext } from '../platform/github/context.js';

export interface ApplyWorkflow {
  readonly name: string;
  readonly url: string | null;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

const USES_ACTION = /^(mlops-gate\/mlops-gate@|\.\/?$|\.\/action\.yml$)/;
const USES_REUSABLE = /(^|\/)mlops-gate\/mlops-gate\/\.github\/workflows\/promote\.yml@|^\.\/\.github\/workflows\/promote\.yml$/;

/** Does this parsed workflow apply promotions (not only dry runs)? */
export function appliesPromotions(doc: unknown): boolean {
  if (!isObject(doc) || !isObject(doc.jobs)) return false;
  for (const job of Object.values(doc.jobs)) {
    if (!isObject(job)) continue;
    if (typeof job.uses === 'string' && USES_REUSABLE.test(job.uses)) return true;
    const steps = Array.isArray(job.steps) ? job.steps : [];
    for (const step of steps) {
      if (!isObject(step) || typeof step.uses !== 'string' || !USES_ACTION.test(step.uses)) continue;
      const w = isObject(step.with) ? step.with : {};
      if (w.command === 'promote' && String(w['dry-run'] ?? 'false') !== 'true') return true;
    }
  }
  return false;
}

/** The release workflow in `workspace`, linked on the repository's Actions page; null when there is none. */
export function findApplyWorkflow(workspace: string, context: Pick<GitHubContext, 'repo' | 'serverUrl'>): ApplyWorkflow | null {
  const dir = join(workspace, '.github', 'workflows');
  let files: string[];
  try {
    files = readdirSync(dir)
      .filter((f) => /\.ya?ml$/.test(f))
      .sort();
  } catch {
    return null;
  }
  for (const file of files) {
    let doc: unknown;
    try {
      doc = parse(readFileSync(join(dir, file), 'utf8'));
    } catch {
      continue;
    }
    if (!appliesPromotions(doc)) continue;
    const name = isObject(doc) && typeof doc.name === 'string' && doc.name.trim() ? `${doc.name.trim()} (${file})` : file;
    const url = context.repo ? `${context.serverUrl}/${context.repo.owner}/${context.repo.repo}/actions/workflows/${encodeURIComponent(file)}` : null;
    return { name, url };
  }
  return null;
}

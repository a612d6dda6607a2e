// Trusted policies on pull requests. A PR must not be judged by rules it edits itself, so the
// config and every local policy file it reaches are read from the BASE commit through the contents
// API; if the PR changes any of them, a blocking `policy-integrity` finding is added. Fork PRs,
// which get no secrets and a read-only token, get a clear `skipped` result instead of a verdict.

import { posix } from 'node:path';
import { ApiError } from '../../errors.js';
import { describeError, statusOf, type GitHub } from './client.js';
import type { GitHubContext, PullRequestInfo, RepoRef } from './context.js';

type ReadFile = (path: string) => string | null;
type DirEntries = readonly { readonly name: string; readonly dir: boolean }[];
type ListDir = (path: string) => DirEntries | null;

/** A repository-relative path, or null for paths outside the repository (absolute, `..`). */
export const repoPath = (p: string): string | null => {
  if (p.startsWith('/')) return null;
  const n = posix.normalize(p.replace(/\\/g, '/'));
  return n === '..' || n.startsWith('../') ? null : n;
};

/** The file at `ref`, or null when it does not exist there. */
/** A contents-API failure other than 404, as a typed error naming the path and commit. */
const contentsError = (verb: 'read' | 'list', path: string, ref: string, e: unknown): ApiError =>
  new ApiError(`GitHub: cannot ${verb} ${path} at ${ref.slice(0, 12)}: ${describeError(e)}`, {
    errorCode: null,
    status: statusOf(e),
    method: 'GET',
    url: `contents/${path}`,
    kind: statusOf(e) === null ? 'transport' : 'http',
    attempts: 1,
  });

export async function readFileAtRef(github: GitHub, repo: RepoRef, path: string, ref: string): Promise<string | null> {
  try {
    const { data } = await github.rest.repos.getContent({ owner: repo.owner, repo: repo.repo, path, ref, mediaType: { format: 'raw' } });
    // The raw media type answers with the file's text; a directory answers with a JSON listing.
    return typeof data === 'string' ? data : null;
  } catch (e) {
    if (statusOf(e) === 404) return null;
    throw contentsError('read', path, ref, e);
  }
}

/** A directory's entries at `ref`, or null when it is not a directory there. */
export async function listDirAtRef(github: GitHub, repo: RepoRef, path: string, ref: string): Promise<DirEntries | null> {
  try {
    const { data } = await github.rest.repos.getContent({ owner: repo.owner, repo: repo.repo, path: path === '.' ? '' : path, ref });
    return Array.isArray(data) ? data.map((e) => ({ name: e.name, dir: e.type === 'dir' })) : null;
  } catch (e) {
    if (statusOf(e) === 404) return null;
    throw contentsError('list', path, ref, e);
  }
}

export interface TrustedSources {
  /** For the run: the base versions of the config and policy files; nothing is read from the PR's checkout. */
  readonly readFile: ReadFile;
  /** Directory listings at the base commit (an Asset Bundle's include globs). */
  readonly listDir: ListDir;
  /** Repository paths read from the base commit (null = absent there). */
  readonly baseFiles: ReadonlyMap<string, string | null>;
  /** Of those, the paths this PR changes (policies and config). */
  readonly changed: readonly string[];
  /** Files this PR changes that decide how the check itself runs: workflows, local actions, the action's bundle. */
  readonly changedWorkflowFiles: readonly string[];
}

export interface TrustedSourcesRequest {
  readonly github: GitHub;
  readonly repo: RepoRef;
  readonly pullRequest: PullRequestInfo;
  /** Reads from the workspace (the PR's checkout); only used to compare when GitHub cannot list the PR's files. */
  readonly localReadFile: ReadFile;
  /** A path as the config names it → its repository path; throws (UsageError) for paths outside the repository. */
  readonly toRepoPath: (path: string) => string;
  /**
   * Loads the configuration through the given readFile (e.g. `readConfig(path, {readFile})`), so we
   * learn which files it reaches. It may throw: the files read so far are what counts.
   */
  readonly discover: (readFile: ReadFile, listDir: ListDir) => void;
  /** Bound on discovery rounds (each round follows one more level of references). */
  readonly maxRounds?: number;
}

/**
 * Fetch, from the base commit, every file the configuration reaches, following references to a
 * fixed point. A reference outside the repository (absolute elsewhere, `..`, a symlink out) is
 * refused: the first such path is thrown once discovery ends.
 */
export async function readTrustedSources(req: TrustedSourcesRequest): Promise<TrustedSources> {
  const base = new Map<string, string | null>();
  const dirs = new Map<string, DirEntries | null>();
  const maxRounds = req.maxRounds ?? 20;
  let refused: unknown = null;
  const dirKey = (p: string): string | null => {
    if (p === '.' || p === '') return '.';
    try {
      return req.toRepoPath(p);
    } catch (e) {
      refused ??= e;
      return null;
    }
  };
  for (let round = 0; round < maxRounds; round++) {
    const missing = new Set<string>();
    const missingDirs = new Set<string>();
    const probeDir: ListDir = (p) => {
      const key = dirKey(p);
      if (key === null) return null;
      if (dirs.has(key)) return dirs.get(key) ?? null;
      missingDirs.add(key);
      return null;
    };
    const probe: ReadFile = (p) => {
      let key: string;
      try {
        key = req.toRepoPath(p);
      } catch (e) {
        refused ??= e;
        return null;
      }
      if (base.has(key)) return base.get(key) ?? null;
      missing.add(key);
      return null;
    };
    try {
      req.discover(probe, probeDir);
    } catch {
      // An invalid or incomplete config: fetch what it asked for and try again; the real run reports errors.
    }
    if (refused) throw refused;
    if (missing.size === 0 && missingDirs.size === 0) break;
    const fetched = await Promise.all(
      [...missing].map(async (p) => [p, await readFileAtRef(req.github, req.repo, p, req.pullRequest.baseSha)] as const),
    );
    for (const [p, text] of fetched) base.set(p, text);
    const listed = await Promise.all([...missingDirs].map(async (p) => [p, await listDirAtRef(req.github, req.repo, p, req.pullRequest.baseSha)] as const));
    for (const [p, entries] of listed) dirs.set(p, entries);
  }

  const { changed, changedWorkflowFiles } = await changedAmong(req, base);
  // Base versions only: a path the discovery did not reach is absent, never the PR's copy.
  const readFile: ReadFile = (p) => base.get(req.toRepoPath(p)) ?? null;
  const listDir: ListDir = (p) => dirs.get(dirKey(p) ?? '\u0000') ?? null;
  return { readFile, listDir, baseFiles: base, changed, changedWorkflowFiles };
}

/** Files that decide how the check runs: a PR changing them could change the check itself. */
export const isWorkflowFile = (path: string, actionAtRoot: boolean): boolean =>
  path.startsWith('.github/workflows/') ||
  path.startsWith('.github/actions/') ||
  /(^|\/)action\.ya?ml$/.test(path) ||
  (actionAtRoot && path.startsWith('dist/'));

async function changedAmong(
  req: TrustedSourcesRequest,
  base: ReadonlyMap<string, string | null>,
): Promise<{ changed: string[]; changedWorkflowFiles: string[] }> {
  try {
    const files = await req.github.paginate(req.github.rest.pulls.listFiles, {
      owner: req.repo.owner,
      repo: req.repo.repo,
      pull_number: req.pullRequest.number,
      per_page: 100,
    });
    const touched = new Set(files.flatMap((f) => [f.filename, ...(f.previous_filename ? [f.previous_filename] : [])]));
    // GitHub lists at most 3,000 files of a PR; beyond that, also compare with the checkout.
    const truncated = files.length >= 3000;
    const changed = [...base.keys()].filter((p) => touched.has(p) || (truncated && differsLocally(req, base, p))).sort();
    // The repository is itself an action (its bundle runs the check) when action.yml sits at its root.
    const actionAtRoot = [...touched].some((f) => f.startsWith('dist/')) ? (await readFileAtRef(req.github, req.repo, 'action.yml', req.pullRequest.baseSha)) !== null : false;
    const changedWorkflowFiles = [...touched].filter((f) => isWorkflowFile(f, actionAtRoot)).sort();
    // A truncated list may hide a workflow change: say so rather than miss it.
    if (truncated && changedWorkflowFiles.length === 0) changedWorkflowFiles.push('(more than 3,000 files changed: workflow changes cannot be ruled out)');
    return { changed, changedWorkflowFiles };
  } catch {
    // Without the PR's file list: compare policies with the checkout, and say the workflows could not be checked.
    return {
      changed: [...base.keys()].filter((p) => differsLocally(req, base, p)).sort(),
      changedWorkflowFiles: ['(the pull request\'s file list could not be read: workflow changes cannot be ruled out)'],
    };
  }
}

const differsLocally = (req: TrustedSourcesRequest, base: ReadonlyMap<string, string | null>, p: string): boolean =>
  (req.localReadFile(p) ?? null) !== (base.get(p) ?? null);

/** Why this run cannot judge the PR (fork without secrets), or null when it can. */
export function forkSkipReason(context: GitHubContext, hasToken: boolean): string | null {
  const pr = context.pullRequest;
  if (!pr || !pr.fromFork) return null;
  // Only pull_request_target runs with the base repository's token and secrets; every other PR event from a fork does not.
  if (context.eventName !== 'pull_request_target' || !hasToken) {
    return (
      `pull request #${pr.number} comes from a fork (${pr.headRepo ?? 'deleted repository'}): GitHub gives such runs no secrets and ` +
      `a read-only token, so registry evidence and base policies cannot be read. Nothing was evaluated; ` +
      `a maintainer can run the check after review (e.g. workflow_dispatch) — this is not a pass.`
    );
  }
  return null;
}


// The GitHub Actions run context, read once from the runner's environment and event payload.
// Everything GitHub-specific downstream takes this value instead of reading process.env.

export interface RepoRef {
  readonly owner: string;
  readonly repo: string;
}

export interface PullRequestInfo {
  readonly number: number;
  readonly author: string | null;
  readonly baseSha: string;
  readonly baseRef: string;
  readonly headSha: string;
  readonly headRef: string;
  /** owner/name of the head repository; null when GitHub no longer knows it (deleted fork). */
  readonly headRepo: string | null;
  /** The head lives in another repository (a fork): such runs get no secrets and a read-only token. */
  readonly fromFork: boolean;
}

export interface GitHubContext {
  readonly repo: RepoRef | null;
  readonly eventName: string | null;
  /** GITHUB_SHA: on pull_request events this is the merge commit, not the PR head. */
  readonly sha: string | null;
  readonly runId: number | null;
  readonly runAttempt: number | null;
  readonly actor: string | null;
  /** GITHUB_JOB: the job id within the workflow. */
  readonly job: string | null;
  /** https://github.com (or the GHES host). */
  readonly serverUrl: string;
  /** https://api.github.com (or https://<ghes>/api/v3). */
  readonly apiUrl: string;
  /** Link to this workflow run, when it can be built. */
  readonly runUrl: string | null;
  readonly pullRequest: PullRequestInfo | null;
}

type Env = Readonly<Record<string, string | undefined>>;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : null);
const positiveInt = (v: string | undefined): number | null => {
  const n = Number(v);
  return v !== undefined && Number.isSafeInteger(n) && n > 0 ? n : null;
};

const trimSlash = (s: string): string => s.replace(/\/+$/, '');

/** Events whose payload carries `pull_request`. */
const PR_EVENTS = new Set(['pull_request', 'pull_request_target', 'pull_request_review']);

function pullRequestFrom(event: Record<string, unknown>, repo: RepoRef | null): PullRequestInfo | null {
  const pr = event.pull_request;
  if (!isObject(pr) || typeof pr.number !== 'number') return null;
  const base = isObject(pr.base) ? pr.base : {};
  const head = isObject(pr.head) ? pr.head : {};
  const headRepo = isObject(head.repo) ? head.repo : null;
  const baseRepo = isObject(base.repo) ? str(base.repo.full_name) : repo ? `${repo.owner}/${repo.repo}` : null;
  const headRepoName = headRepo ? str(headRepo.full_name) : null;
  const fromFork =
    headRepo === null || // the fork was deleted: treat as untrusted
    headRepo.fork === true ||
    (headRepoName !== null && baseRepo !== null && headRepoName.toLowerCase() !== baseRepo.toLowerCase());
  return {
    number: pr.number,
    author: isObject(pr.user) ? str(pr.user.login) : null,
    baseSha: str(base.sha) ?? '',
    baseRef: str(base.ref) ?? '',
    headSha: str(head.sha) ?? '',
    headRef: str(head.ref) ?? '',
    headRepo: headRepoName,
    fromFork,
  };
}

/**
 * Read the run context. `readFile` reads the event payload (GITHUB_EVENT_PATH); a missing or
 * malformed payload yields an empty event, so local runs still work.
 */
export function readGitHubContext(env: Env, readFile: (path: string) => string | null): GitHubContext {
  const [owner, name] = (env.GITHUB_REPOSITORY ?? '').split('/');
  const repo = owner && name ? { owner, repo: name } : null;
  let event: Record<string, unknown> = {};
  if (env.GITHUB_EVENT_PATH) {
    try {
      const parsed: unknown = JSON.parse(readFile(env.GITHUB_EVENT_PATH) ?? '{}');
      if (isObject(parsed)) event = parsed;
    } catch {
      event = {};
    }
  }
  const serverUrl = trimSlash(env.GITHUB_SERVER_URL || 'https://github.com');
  const apiUrl = trimSlash(env.GITHUB_API_URL || (serverUrl === 'https://github.com' ? 'https://api.github.com' : `${serverUrl}/api/v3`));
  const runId = positiveInt(env.GITHUB_RUN_ID);
  const runAttempt = positiveInt(env.GITHUB_RUN_ATTEMPT);
  const eventName = env.GITHUB_EVENT_NAME || null;
  return {
    repo,
    eventName,
    sha: env.GITHUB_SHA || null,
    runId,
    runAttempt,
    actor: env.GITHUB_ACTOR || null,
    job: env.GITHUB_JOB || null,
    serverUrl,
    apiUrl,
    runUrl:
      repo && runId
        ? `${serverUrl}/${repo.owner}/${repo.repo}/actions/runs/${runId}${runAttempt && runAttempt > 1 ? `/attempts/${runAttempt}` : ''}`
        : null,
    pullRequest: eventName && PR_EVENTS.has(eventName) ? pullRequestFrom(event, repo) : null,
  };
}

/**
 * The same CI job across attempts: a GitHub re-run keeps GITHUB_RUN_ID, so it may reclaim (or clean
 * up) the lock an earlier attempt left behind. GITHUB_JOB keeps two jobs of one run apart.
 */
export const reclaimKeyOf = (context: GitHubContext): string | null =>
  context.repo && context.runId ? [`${context.repo.owner}/${context.repo.repo}`, String(context.runId), context.job].filter(Boolean).join('/') : null;

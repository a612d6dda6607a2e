// `evidence:` replays registry facts from a file. GitHub facts the file does not carry (approvals,
// commit existence) are read live when the action has a GitHub context, so a replayed plan on a PR
// is still judged by the PR's real reviews.

import type { GitHubEvidenceReader } from '../evidence/ports.js';
import { gathered, notGathered, type Gathered } from '../evidence/types.js';

const GIT_COMMIT_TAG = 'mlflow.source.git.commit';

const settle = async <T>(p: Promise<T>, what: string): Promise<Gathered<T>> => {
  try {
    return gathered(await p);
  } catch (e) {
    return notGathered('unavailable', `${what}: ${e instanceof Error ? e.message : String(e)}`);
  }
};

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The evidence document with missing GitHub facts filled in; unparseable text is returned unchanged (runPlan reports it). */
export async function fillGitHubEvidence(text: string, github: GitHubEvidenceReader): Promise<string> {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return text;
  }
  if (!isObject(doc) || !isObject(doc.targets)) return text;
  const targets: Json = {};
  for (const [key, raw] of Object.entries(doc.targets)) {
    if (!isObject(raw)) {
      targets[key] = raw;
      continue;
    }
    const t: Json = { ...raw };
    if (t.approvals === undefined) t.approvals = await settle(github.approvals(), 'could not read approvals from GitHub');
    if (t.commits === undefined) {
      const candidate = t.candidate;
      const run = isObject(candidate) && candidate.ok === true && isObject(candidate.value) ? candidate.value.run : undefined;
      const tags = isObject(run) && run.ok === true && isObject(run.value) && isObject(run.value.tags) ? run.value.tags : null;
      const sha = tags && typeof tags[GIT_COMMIT_TAG] === 'string' ? (tags[GIT_COMMIT_TAG] as string) : null;
      if (sha) t.commits = await settle(github.commitsExist([sha]), `could not check commit ${sha} in the repository`);
    }
    targets[key] = t;
  }
  return JSON.stringify({ ...doc, targets });
}

// The pull request's changed files for CEL's `pr.changed_files`: every page, asked once per run,
// and a clear error when there is no pull request. Real HTTP to the GitHub stand-in.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGitHubEvidenceReader } from '../../../src/platform/github/approvals.js';
import { createGitHubClient } from '../../../src/platform/github/client.js';
import { readGitHubContext } from '../../../src/platform/github/context.js';
import { startGitHubStandIn, type GitHubStandIn } from '../../support/github-api.js';

describe('changed files of the pull request', () => {
  let api: GitHubStandIn;
  beforeEach(async () => {
    api = await startGitHubStandIn();
  });
  afterEach(() => api.close());

  const reader = (eventName: string, event: unknown) => {
    const env = { GITHUB_REPOSITORY: 'acme/models', GITHUB_EVENT_NAME: eventName, GITHUB_EVENT_PATH: '/event.json', GITHUB_SHA: 'd'.repeat(40), GITHUB_API_URL: api.url };
    const context = readGitHubContext(env, () => JSON.stringify(event));
    return createGitHubEvidenceReader({ github: createGitHubClient({ token: 't', apiUrl: api.url, sleep: async () => undefined }), context, teams: [] });
  };
  const pullRequest = { pull_request: { number: 9, user: { login: 'alice' }, base: { sha: 'a'.repeat(40), ref: 'main' }, head: { sha: 'b'.repeat(40), ref: 'f', repo: { full_name: 'acme/models', fork: false } } } };

  it('lists every page once, however many gates ask', async () => {
    const files = Array.from({ length: 230 }, (_, i) => `models/churn/part${String(i)}.py`);
    api.pulls.set(9, { number: 9, author: 'alice', baseSha: 'a'.repeat(40), headSha: 'b'.repeat(40), files });
    const r = reader('pull_request', pullRequest);
    const [first, second] = await Promise.all([r.changedFiles(), r.changedFiles()]);
    expect(first).toEqual(files);
    expect(second).toBe(first);
    expect(api.callsTo('GET', /\/pulls\/9\/files/)).toHaveLength(3);
  });

  it('without a pull request: an error that says so (the gate reports error, not a verdict)', async () => {
    await expect(reader('push', {}).changedFiles()).rejects.toThrow(/no pull request in this run/);
  });
});

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGitHubEvidenceReader, latestReviewPerUser, teamsNamedBy } from '../../../src/platform/github/approvals.js';
import { createGitHubClient } from '../../../src/platform/github/client.js';
import { readGitHubContext } from '../../../src/platform/github/context.js';
import { startGitHubStandIn, type GitHubStandIn } from '../../support/github-api.js';

const HEAD = 'b'.repeat(40);
const OLD = 'c'.repeat(40);

describe('latestReviewPerUser', () => {
  const r = (id: number, user: string, state: string, at: string, commit = HEAD) => ({
    id,
    user: { login: user },
    state,
    commit_id: commit,
    submitted_at: at,
  });
  it('keeps the latest decisive review per reviewer; comments do not undo approvals', () => {
    const out = latestReviewPerUser([
      r(1, 'bob', 'APPROVED', '2026-01-01T10:00:00Z'),
      r(2, 'bob', 'COMMENTED', '2026-01-01T11:00:00Z'),
      r(3, 'carol', 'APPROVED', '2026-01-01T10:00:00Z'),
      r(4, 'carol', 'CHANGES_REQUESTED', '2026-01-01T12:00:00Z'),
      r(5, 'dave', 'COMMENTED', '2026-01-01T10:00:00Z'),
      { id: 6, user: { login: 'erin' }, state: 'PENDING', commit_id: HEAD, submitted_at: null },
      r(7, 'frank', 'DISMISSED', '2026-01-01T09:00:00Z', OLD),
    ]);
    expect(Object.fromEntries(out.map((a) => [a.user, a.state]))).toEqual({
      bob: 'APPROVED',
      carol: 'CHANGES_REQUESTED',
      dave: 'COMMENTED',
      frank: 'DISMISSED',
    });
    expect(out.find((a) => a.user === 'frank')?.commitId).toBe(OLD);
    expect(out.every((a) => a.source === 'pull_request_review')).toBe(true);
  });
  it('orders by submission time, not list order', () => {
    const out = latestReviewPerUser([r(9, 'bob', 'CHANGES_REQUESTED', '2026-01-02T00:00:00Z'), r(10, 'bob', 'APPROVED', '2026-01-01T00:00:00Z')]);
    expect(out[0]?.state).toBe('CHANGES_REQUESTED');
  });
});

describe('teamsNamedBy', () => {
  it('collects from.teams of approvals gates only', () => {
    expect(
      teamsNamedBy([
        { type: 'approvals', options: { from: { teams: ['ml-leads', 'acme/risk'] } } },
        { type: 'approvals', options: { min: 2 } },
        { type: 'required_tags', options: { from: { teams: ['nope'] } } },
        { type: 'approvals', options: { from: { teams: ['ml-leads'] } } },
      ]),
    ).toEqual(['acme/risk', 'ml-leads']);
  });
});

describe('GitHub evidence reader', () => {
  let api: GitHubStandIn;
  beforeEach(async () => {
    api = await startGitHubStandIn();
    api.pulls.set(7, { number: 7, author: 'alice', baseSha: 'a'.repeat(40), headSha: HEAD });
  });
  afterEach(() => api.close());

  const reader = (teams: string[] = [], eventName = 'pull_request') => {
    const env = {
      GITHUB_REPOSITORY: 'acme/models',
      GITHUB_EVENT_NAME: eventName,
      GITHUB_EVENT_PATH: '/event.json',
      GITHUB_RUN_ID: '42',
      GITHUB_SHA: 'd'.repeat(40),
      GITHUB_ACTOR: 'release-bot',
      GITHUB_API_URL: api.url,
    };
    // The payload is stale on purpose (old head): the reader must ask for the current one.
    const event = JSON.stringify({
      pull_request: { number: 7, user: { login: 'alice' }, base: { sha: 'a'.repeat(40), ref: 'main' }, head: { sha: OLD, ref: 'f', repo: { full_name: 'acme/models', fork: false } } },
    });
    const context = readGitHubContext(env, () => event);
    return createGitHubEvidenceReader({ github: createGitHubClient({ token: 't', apiUrl: api.url, sleep: async () => undefined }), context, teams });
  };

  it('reports author, current head, reviews (all pages) and environment approvals', async () => {
    const reviews = Array.from({ length: 120 }, (_, i) => ({
      id: i + 1,
      user: `reviewer${i % 40}`,
      state: 'COMMENTED' as const,
      commit_id: OLD,
      submitted_at: `2026-01-01T00:${String(Math.floor(i / 60)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}Z`,
    }));
    reviews.push({ id: 500, user: 'alice', state: 'APPROVED' as never, commit_id: HEAD, submitted_at: '2026-01-02T00:00:00Z' });
    reviews.push({ id: 501, user: 'reviewer3', state: 'APPROVED' as never, commit_id: HEAD, submitted_at: '2026-01-02T00:00:01Z' });
    api.reviews.set(7, reviews);
    api.runApprovals.set(42, [
      { user: 'oncall', state: 'approved', environments: ['prod'] },
      { user: 'sec', state: 'rejected', environments: ['prod'] },
    ]);
    const evidence = await reader().approvals();
    expect(evidence.author).toBe('alice');
    expect(evidence.headSha).toBe(HEAD);
    expect(evidence.approvals.filter((a) => a.source === 'pull_request_review')).toHaveLength(41);
    expect(evidence.approvals).toContainEqual({
      user: 'alice',
      state: 'APPROVED',
      submittedAt: '2026-01-02T00:00:00Z',
      commitId: HEAD,
      source: 'pull_request_review',
      reviewer: { writeAccess: true, bot: false, via: 'permission' },
    });
    expect(evidence.approvals).toContainEqual({ user: 'oncall', state: 'APPROVED', submittedAt: null, commitId: null, source: 'environment' });
    expect(evidence.approvals).toContainEqual({ user: 'sec', state: 'CHANGES_REQUESTED', submittedAt: null, commitId: null, source: 'environment' });
    expect(api.callsTo('GET', /\/pulls\/7\/reviews$/).length).toBeGreaterThan(1);
  });

  it('looks up write access for approvers only: the permission API, else author_association; bots are marked', async () => {
    api.reviews.set(7, [
      { id: 1, user: 'bob', state: 'APPROVED', commit_id: HEAD, submitted_at: '2026-01-02T00:00:00Z' },
      { id: 2, user: 'reader', state: 'APPROVED', commit_id: HEAD, submitted_at: '2026-01-02T00:00:01Z' },
      { id: 3, user: 'dependabot[bot]', state: 'APPROVED', commit_id: HEAD, submitted_at: '2026-01-02T00:00:02Z' },
      { id: 4, user: 'carol', state: 'COMMENTED', commit_id: HEAD, submitted_at: '2026-01-02T00:00:03Z' },
    ]);
    api.permissions.set('reader', 'read');
    const byUser = Object.fromEntries((await reader().approvals()).approvals.map((a) => [a.user, a.reviewer]));
    expect(byUser.bob).toEqual({ writeAccess: true, bot: false, via: 'permission' });
    expect(byUser.reader).toEqual({ writeAccess: false, bot: false, via: 'permission' });
    expect(byUser['dependabot[bot]']).toMatchObject({ bot: true });
    expect(api.callsTo('GET', /\/collaborators\/[^/]+\/permission$/).map((c) => c.path).sort()).toEqual([
      '/repos/acme/models/collaborators/bob/permission',
      '/repos/acme/models/collaborators/reader/permission',
    ]);
  });

  it('asks GitHub once however many targets ask', async () => {
    const r = reader();
    await Promise.all([r.approvals(), r.approvals(), r.approvals()]);
    expect(api.callsTo('GET', /\/pulls\/7$/)).toHaveLength(1);
  });

  it('reads team members, and records unreadable teams with the reason', async () => {
    api.teams.set('acme/ml-leads', ['bob', 'carol']);
    api.teams.set('acme/risk', 403);
    const { teams } = await reader(['ml-leads', 'acme/risk', 'other-org/ghost']).approvals();
    expect(teams['ml-leads']).toEqual(['bob', 'carol']);
    expect(teams['acme/risk']).toMatchObject({ unreadable: expect.stringMatching(/acme\/risk.*HTTP 403.*GITHUB_TOKEN cannot read teams/) });
    expect(teams['other-org/ghost']).toMatchObject({ unreadable: expect.stringMatching(/HTTP 404/) });
  });

  it('outside a pull request: the actor is the author, only environment approvals count', async () => {
    api.runApprovals.set(42, [{ user: 'oncall', state: 'approved', environments: ['prod'] }]);
    const evidence = await reader([], 'workflow_dispatch').approvals();
    expect(evidence).toMatchObject({ author: 'release-bot', headSha: 'd'.repeat(40) });
    expect(evidence.approvals).toEqual([{ user: 'oncall', state: 'APPROVED', submittedAt: null, commitId: null, source: 'environment' }]);
    expect(api.callsTo('GET', /\/pulls\//)).toHaveLength(0);
  });

  it('fails with a clear ApiError when reviews cannot be read', async () => {
    api.failNext('GET', /\/pulls\/7\/reviews$/, { status: 500 }, { status: 500 }, { status: 500 }, { status: 500 });
    await expect(reader().approvals()).rejects.toThrow(/GitHub: cannot read reviews of pull request #7: HTTP 500/);
  });

  it('commitsExist: true for known shas, false for unknown ones', async () => {
    api.commits.add(HEAD);
    const out = await reader().commitsExist([HEAD, OLD, HEAD]);
    expect(out).toEqual({ [HEAD]: true, [OLD]: false });
    expect(api.callsTo('GET', /\/commits\//)).toHaveLength(2);
  });
});

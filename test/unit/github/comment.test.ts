import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGitHubClient } from '../../../src/platform/github/client.js';
import { stablePart, stickyMarker, upsertStickyComment } from '../../../src/platform/github/comment.js';
import { GITHUB_COMMENT_LIMIT } from '../../../src/report/markdown.js';
import { startGitHubStandIn, type GitHubStandIn } from '../../support/github-api.js';
import { blocked, errored, huge, passing, waived } from './results.js';
import { commentBody } from '../../../src/action/comment.js';

const repo = { owner: 'acme', repo: 'models' };
const RUN_URL = 'https://github.com/acme/models/actions/runs/42';
const marker = stickyMarker('plan', 'mlops.yml');

describe('comment body', () => {
  it('uses the documented marker', () => {
    expect(marker).toBe('<!-- mlops-gate:plan:mlops.yml -->');
    expect(stickyMarker('plan', './ml/mlops.yml')).toBe('<!-- mlops-gate:plan:ml/mlops.yml -->');
  });

  it.each([
    ['pass', passing],
    ['blocked', blocked],
    ['error', errored],
    ['waived', waived],
  ])('%s result renders stably', (_name, make) => {
    const body = commentBody(make(), { marker, runUrl: RUN_URL });
    expect(body.split('\n')[0]).toBe(marker);
    expect(body).toContain('<!-- mlops-gate:volatile -->');
    expect(body).toMatchSnapshot();
  });

  it('a very large result stays under the comment limit and links the full report', () => {
    const body = commentBody(huge(), { marker, runUrl: RUN_URL });
    expect(body.length).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);
    expect(body.startsWith(marker)).toBe(true);
    // The fold note points at the job summary; the volatile line links this run's (the only run-specific link).
    expect(body).toContain(`[full report: job summary](${RUN_URL})`);
    // The blocked targets keep their details; passing ones are folded first.
    expect(body).toContain('<b>model_000</b>');
    expect(body).toMatchSnapshot();
  });

  it('the stable part ignores the timestamp and run link but not the verdict', () => {
    const a = commentBody(passing(), { marker, runUrl: RUN_URL });
    const b = commentBody({ ...passing(), generatedAt: '2027-01-01T00:00:00.000Z' }, { marker, runUrl: `${RUN_URL}0` });
    const c = commentBody(blocked(), { marker, runUrl: RUN_URL });
    expect(stablePart(a)).toBe(stablePart(b));
    expect(stablePart(a)).not.toBe(stablePart(c));
  });
});

describe('sticky comment', () => {
  let api: GitHubStandIn;
  beforeEach(async () => {
    api = await startGitHubStandIn({ latencyMs: 15 });
  });
  afterEach(() => api.close());

  const github = () => createGitHubClient({ token: 't', apiUrl: api.url, sleep: async () => undefined });
  const upsert = (body: string, m = marker) => upsertStickyComment({ github: github(), repo, issueNumber: 5, marker: m, body, author: 'github-actions[bot]' });
  const posts = () => api.callsTo('POST', /\/issues\/5\/comments$/).length;

  it('creates once, then updates in place, and skips the update when nothing changed', async () => {
    api.addComment('acme', 'models', 5, 'LGTM', 'carol');
    const first = await upsert(commentBody(passing(), { marker, runUrl: RUN_URL }));
    expect(first).toMatchObject({ action: 'created' });
    expect(api.commentsOn('acme', 'models', 5)).toHaveLength(2);

    const second = await upsert(commentBody(blocked(), { marker, runUrl: RUN_URL }));
    expect(second).toMatchObject({ action: 'updated', commentId: (first as { commentId: number }).commentId });
    const mine = api.commentsOn('acme', 'models', 5).filter((c) => c.body.includes(marker));
    expect(mine).toHaveLength(1);
    expect(mine[0]?.body).toContain('FAIL');

    const patchesBefore = api.callsTo('PATCH', /\/issues\/comments\//).length;
    const third = await upsert(commentBody({ ...blocked(), generatedAt: '2026-05-05T00:00:00.000Z' }, { marker, runUrl: `${RUN_URL}1` }));
    expect(third).toMatchObject({ action: 'unchanged' });
    expect(api.callsTo('PATCH', /\/issues\/comments\//).length).toBe(patchesBefore);
    expect(posts()).toBe(1);
    expect(api.commentsOn('acme', 'models', 5).find((c) => c.user.login === 'carol')?.body).toBe('LGTM');
  });

  it('keeps one comment per config file and command', async () => {
    const other = stickyMarker('plan', 'other/mlops.yml');
    await upsert(commentBody(passing(), { marker, runUrl: null }));
    await upsert(commentBody(passing(), { marker: other, runUrl: null }), other);
    expect(api.commentsOn('acme', 'models', 5)).toHaveLength(2);
  });

  it('ten concurrent runs leave exactly one comment, each run posting at most once', async () => {
    const bodies = Array.from({ length: 10 }, (_, i) =>
      commentBody({ ...blocked(), targets: blocked().targets.map((t) => ({ ...t, summary: `run ${i}` })) }, { marker, runUrl: RUN_URL }),
    );
    api.barrier('GET', /\/issues\/5\/comments$/, 10); // every run lists before any creates
    const outcomes = await Promise.all(bodies.map((b) => upsert(b)));
    expect(outcomes.every((o) => o.action !== 'failed')).toBe(true);
    const left = api.commentsOn('acme', 'models', 5).filter((c) => c.body.includes(marker));
    expect(left).toHaveLength(1);
    expect(posts()).toBe(10); // one create per run, all racing
    expect(bodies).toContain(left[0]?.body);
    // Every run reports the same surviving comment.
    expect(new Set(outcomes.map((o) => (o as { commentId: number }).commentId))).toEqual(new Set([left[0]?.id]));
  });

  it('cleans up duplicates a crashed run left behind, keeping the oldest', async () => {
    const a = api.addComment('acme', 'models', 5, `${marker}\nold`);
    api.addComment('acme', 'models', 5, `${marker}\nduplicate`);
    const out = await upsert(commentBody(passing(), { marker, runUrl: null }));
    expect(out).toMatchObject({ action: 'updated', commentId: a.id, deletedDuplicates: 1 });
    expect(api.commentsOn('acme', 'models', 5)).toHaveLength(1);
    expect(posts()).toBe(0);
  });

  it('finds its comment beyond the first page', async () => {
    for (let i = 0; i < 130; i++) api.addComment('acme', 'models', 5, `chatter ${i}`, 'carol');
    await upsert(commentBody(passing(), { marker, runUrl: null }));
    const again = await upsert(commentBody(blocked(), { marker, runUrl: null }));
    expect(again.action).toBe('updated');
    expect(posts()).toBe(1);
  });

  it('reports a read-only token as a failed outcome with a hint, not an exception', async () => {
    await api.close();
    api = await startGitHubStandIn({ readOnly: true });
    const out = await upsert(commentBody(passing(), { marker, runUrl: null }));
    expect(out.action).toBe('failed');
    expect((out as { reason: string }).reason).toMatch(/HTTP 403.*pull-requests: write/);
  });
});

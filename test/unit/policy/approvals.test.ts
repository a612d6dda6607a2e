import { describe, expect, it } from 'vitest';
import { gathered, type Approval, type ApprovalsEvidence } from '../../../src/evidence/types.js';
import { latestDecisiveReviews } from '../../../src/policy/gates/approvals.js';
import type { GateOutcome } from '../../../src/policy/types.js';
import { approvalsEvidence, candidateWith, evidence, OLD, review, runGate, unavailable } from './fixtures.js';

const gate = (approvals: Approval[], options: Record<string, unknown> = {}, over: Partial<ApprovalsEvidence> = {}) =>
  runGate('approvals', options, evidence(candidateWith({}), null, { approvals: gathered(approvalsEvidence(approvals, over)) }));

const t = (minute: number): string => `2026-11-23T10:${String(minute).padStart(2, '0')}:00Z`;

describe('approvals', () => {
  it.each<[string, Approval[], Record<string, unknown>, GateOutcome]>([
    ['one approval, min 1', [review('bob', 'APPROVED')], {}, 'pass'],
    ['no reviews', [], {}, 'fail'],
    ['one approval, min 2', [review('bob', 'APPROVED')], { min: 2 }, 'fail'],
    ['two people, min 2', [review('bob', 'APPROVED'), review('carol', 'APPROVED')], { min: 2 }, 'pass'],
    ['same person twice counts once', [review('bob', 'APPROVED'), review('BOB', 'APPROVED')], { min: 2 }, 'fail'],
    ['self-approval never counts', [review('author', 'APPROVED')], {}, 'fail'],
    ['self-approval, other case', [review('AUTHOR', 'APPROVED')], {}, 'fail'],
    ['dismissed review does not count', [review('bob', 'DISMISSED')], {}, 'fail'],
    ['approval later dismissed', [review('bob', 'APPROVED', { submittedAt: t(1) }), review('bob', 'DISMISSED', { submittedAt: t(2) })], {}, 'fail'],
    ['comment does not count', [review('bob', 'COMMENTED')], {}, 'fail'],
    ['comment after approval keeps the approval', [review('bob', 'APPROVED', { submittedAt: t(1) }), review('bob', 'COMMENTED', { submittedAt: t(2) })], {}, 'pass'],
    ['pending review ignored', [review('bob', 'PENDING')], {}, 'fail'],
    ['stale approval (older commit)', [review('bob', 'APPROVED', { commitId: OLD })], {}, 'fail'],
    ['stale approval allowed when dismiss_stale false', [review('bob', 'APPROVED', { commitId: OLD })], { dismiss_stale: false }, 'pass'],
    ['changes requested after approval blocks', [review('bob', 'APPROVED', { submittedAt: t(1) }), review('bob', 'CHANGES_REQUESTED', { submittedAt: t(2) })], {}, 'fail'],
    ['approval after changes requested counts', [review('bob', 'CHANGES_REQUESTED', { submittedAt: t(1) }), review('bob', 'APPROVED', { submittedAt: t(2) })], {}, 'pass'],
    ['latest wins by time, not list order', [review('bob', 'APPROVED', { submittedAt: t(5) }), review('bob', 'CHANGES_REQUESTED', { submittedAt: t(1) })], {}, 'pass'],
    ['someone else requests changes: blocks', [review('bob', 'APPROVED'), review('dave', 'CHANGES_REQUESTED')], {}, 'fail'],
    ['changes requested, not blocking', [review('bob', 'APPROVED'), review('dave', 'CHANGES_REQUESTED')], { block_on_changes_requested: false }, 'pass'],
    ['stale changes-request still blocks', [review('bob', 'APPROVED'), review('dave', 'CHANGES_REQUESTED', { commitId: OLD })], {}, 'fail'],
    ['a bot approval does not count', [review('dependabot[bot]', 'APPROVED', { reviewer: { writeAccess: null, bot: true, via: 'unknown' } })], {}, 'fail'],
    ['a bot approval counts when the policy names it', [review('release-bot[bot]', 'APPROVED', { reviewer: { writeAccess: null, bot: true, via: 'unknown' } })], { from: { users: ['release-bot[bot]'] } }, 'pass'],
    ['no write access: not counted', [review('mallory2', 'APPROVED', { reviewer: { writeAccess: false, bot: false, via: 'permission' } })], {}, 'fail'],
    ['write access unverified: not counted', [review('eve', 'APPROVED', { reviewer: { writeAccess: null, bot: false, via: 'unknown' } })], {}, 'fail'],
    ['an old evidence file without reviewer access: not counted', [review('bob', 'APPROVED', { reviewer: undefined })], {}, 'fail'],
    ['write access from author_association counts', [review('bob', 'APPROVED', { reviewer: { writeAccess: true, bot: false, via: 'author_association' } })], {}, 'pass'],
    ['environment approval counts by default', [review('bob', 'APPROVED', { source: 'environment', commitId: null })], {}, 'pass'],
    ['environment approval is never stale', [review('bob', 'APPROVED', { source: 'environment', commitId: null })], { dismiss_stale: true }, 'pass'],
    ['registry tag ignored by default', [review('bob', 'APPROVED', { source: 'registry_tag', commitId: null })], {}, 'fail'],
    ['registry tag counted when enabled', [review('bob', 'APPROVED', { source: 'registry_tag', commitId: null })], { sources: ['registry_tag'] }, 'pass'],
    ['sources filter excludes PR reviews', [review('bob', 'APPROVED')], { sources: ['environment'] }, 'fail'],
    ['users filter: listed', [review('Bob', 'APPROVED')], { from: { users: ['bob'] } }, 'pass'],
    ['users filter: not listed', [review('eve', 'APPROVED')], { from: { users: ['bob'] } }, 'fail'],
    ['empty from = anyone', [review('eve', 'APPROVED')], { from: { users: [], teams: [] } }, 'pass'],
  ])('%s → %s', (_name, approvals, options, expected) => {
    expect(gate(approvals, options).outcome).toBe(expected);
  });

  it('message counts approvals and names people', () => {
    const r = gate([review('bob', 'APPROVED'), review('carol', 'APPROVED')], { min: 2 });
    expect(r.message).toBe('2 of 2 required approvals: @bob and @carol.');
    expect(r.measured).toMatchObject({ approvals: 2, approvers: 'bob, carol', registry_tag_approvals: 0 });
    expect(r.threshold).toMatchObject({ min: 2, sources: 'pull_request_review, environment' });
  });

  it('says why approvals did not count', () => {
    const r = gate([review('author', 'APPROVED'), review('erin', 'APPROVED', { commitId: OLD })], {});
    expect(r.message).toBe('0 of 1 required approval; not counted: @author (author), @erin (stale: approved bbbbbbb, head is aaaaaaa).');
  });

  it('names who requested changes', () => {
    expect(gate([review('bob', 'APPROVED'), review('dave', 'CHANGES_REQUESTED')]).message).toMatch(/^Changes requested by @dave/);
  });

  it('registry tag approvals are reported as weaker', () => {
    const r = gate([review('bob', 'APPROVED', { source: 'registry_tag', commitId: null })], { sources: ['registry_tag'] });
    expect(r.message).toMatch(/1 from a registry tag, weaker evidence/);
    expect(r.measured.registry_tag_approvals).toBe(1);
  });

  it('without a head sha, staleness cannot be judged and approvals count', () => {
    expect(gate([review('bob', 'APPROVED', { commitId: OLD })], {}, { headSha: null }).outcome).toBe('pass');
  });

  it('without a known author, nobody is excluded', () => {
    expect(gate([review('author', 'APPROVED')], {}, { author: null }).outcome).toBe('pass');
  });

  describe('teams', () => {
    const teams = { 'ml-leads': ['Carol', 'dan'], 'platform': { unreadable: 'HTTP 403: token lacks read:org' } };

    it.each<[string, Approval[], Record<string, unknown>, GateOutcome]>([
      ['team member counts', [review('carol', 'APPROVED')], { from: { teams: ['ml-leads'] } }, 'pass'],
      ['non-member does not', [review('eve', 'APPROVED')], { from: { teams: ['ml-leads'] } }, 'fail'],
      ['member of a listed team or a listed user', [review('eve', 'APPROVED')], { from: { teams: ['ml-leads'], users: ['eve'] } }, 'pass'],
      ['unreadable team, min met without it', [review('carol', 'APPROVED'), review('eve', 'APPROVED')], { from: { teams: ['ml-leads', 'platform'] } }, 'pass'],
      ['unreadable team decides the answer → error', [review('eve', 'APPROVED')], { from: { teams: ['ml-leads', 'platform'] } }, 'error'],
      ['unreadable team cannot help (nobody else approved) → fail', [review('carol', 'APPROVED')], { min: 2, from: { teams: ['ml-leads', 'platform'] } }, 'fail'],
      ['team missing from evidence counts as unreadable', [review('eve', 'APPROVED')], { from: { teams: ['ghosts'] } }, 'error'],
    ])('%s → %s', (_name, approvals, options, expected) => {
      expect(gate(approvals, options, { teams }).outcome).toBe(expected);
    });

    it('the error names the team and why', () => {
      const r = gate([review('eve', 'APPROVED')], { from: { teams: ['platform'] } }, { teams });
      expect(r.message).toBe(
        'Could not read the membership of team platform (HTTP 403: token lacks read:org), so 1 approval by @eve cannot be checked; 0 of 1 required approval.',
      );
    });
  });

  it('unreadable approvals evidence is an error', () => {
    const r = runGate('approvals', {}, evidence(candidateWith({}), null, { approvals: unavailable('GitHub API 502') }));
    expect(r.outcome).toBe('error');
    expect(r.message).toMatch(/GitHub API 502/);
  });

  it('approvals not gathered is an error', () => {
    expect(runGate('approvals', {}, evidence(candidateWith({}))).outcome).toBe('error');
  });

  it('latestDecisiveReviews keeps list order when times are unknown', () => {
    const latest = latestDecisiveReviews([review('bob', 'CHANGES_REQUESTED'), review('bob', 'APPROVED')]);
    expect(latest.map((r) => r.state)).toEqual(['APPROVED']);
  });

  it('exclude_author false is refused', () => {
    expect(() => runGate('approvals', { exclude_author: false }, evidence(candidateWith({})))).toThrow(/exclude_author/);
  });
});

// required_tags, provenance, description.

import { describe, expect, it } from 'vitest';
import { gathered, type RunInfo } from '../../../src/evidence/types.js';
import type { GateOutcome } from '../../../src/policy/types.js';
import { evidence, HEAD, run, runGate, unavailable, version } from './fixtures.js';

describe('required_tags', () => {
  const withTags = (versionTags: Record<string, string>, runTags: Record<string, string> | null = null) =>
    evidence(version({ tags: versionTags }, runTags === null ? {} : { run: gathered(run({ tags: runTags })) }));

  it.each<[string, Record<string, unknown>, Record<string, string>, Record<string, string> | null, GateOutcome]>([
    ['present', { tags: { owner: '.+' } }, { owner: 'alice' }, null, 'pass'],
    ['missing', { tags: { owner: '.+' } }, {}, null, 'fail'],
    ['empty value vs .+', { tags: { owner: '.+' } }, { owner: '' }, null, 'fail'],
    ['anchored: partial match fails', { tags: { tier: 'low|high' } }, { tier: 'lower' }, null, 'fail'],
    ['anchored alternation matches whole value', { tags: { tier: 'low|high' } }, { tier: 'high' }, null, 'pass'],
    ['several tags, one wrong', { tags: { owner: '.+', tier: 'low|high' } }, { owner: 'a', tier: 'x' }, null, 'fail'],
    ['run tags', { tags: { owner: '.+' }, on: 'run' }, {}, { owner: 'alice' }, 'pass'],
    ['run tags ignore version tags', { tags: { owner: '.+' }, on: 'run' }, { owner: 'alice' }, {}, 'fail'],
    ['version_or_run: from version', { tags: { owner: '.+' }, on: 'version_or_run' }, { owner: 'alice' }, {}, 'pass'],
    ['version_or_run: from run', { tags: { owner: '.+' }, on: 'version_or_run' }, {}, { owner: 'alice' }, 'pass'],
    ['version_or_run: run fixes a bad version value', { tags: { tier: 'low' }, on: 'version_or_run' }, { tier: 'x' }, { tier: 'low' }, 'pass'],
    ['version_or_run: neither', { tags: { owner: '.+' }, on: 'version_or_run' }, {}, {}, 'fail'],
  ])('%s → %s', (_name, options, versionTags, runTags, expected) => {
    expect(runGate('required_tags', options, withTags(versionTags, runTags)).outcome).toBe(expected);
  });

  it('failure message lists what is missing and what does not match', () => {
    const r = runGate('required_tags', { tags: { owner: '.+', tier: 'low|high', team: '.+' } }, withTags({ tier: 'medium' }));
    expect(r.message).toBe('3 of 3 required tags fail on candidate churn v7: missing owner and team; tier="medium" does not match low|high.');
    expect(r.measured).toEqual({ owner: null, tier: 'medium', team: null });
    expect(r.threshold).toEqual({ owner: '.+', tier: 'low|high', team: '.+' });
  });

  it('pass message names the tags', () => {
    expect(runGate('required_tags', { tags: { owner: '.+' } }, withTags({ owner: 'a' })).message).toBe('Required tag owner is set on candidate churn v7.');
    expect(runGate('required_tags', { tags: { owner: '.+', tier: 'x' } }, withTags({ owner: 'a', tier: 'x' })).message).toBe(
      'All 2 required tags are set on candidate churn v7: owner and tier.',
    );
  });

  it('version tags need no run', () => {
    // No run gathered at all: fine for on=version.
    expect(runGate('required_tags', { tags: { owner: '.+' } }, withTags({ owner: 'a' })).outcome).toBe('pass');
  });

  it('version_or_run does not need the run when version tags suffice, even if the run is unreadable', () => {
    const e = evidence(version({ tags: { owner: 'a' } }, { run: unavailable() }));
    expect(runGate('required_tags', { tags: { owner: '.+' }, on: 'version_or_run' }, e).outcome).toBe('pass');
  });

  it('an unreadable run is an error when the run matters', () => {
    const e = evidence(version({ tags: {} }, { run: unavailable() }));
    expect(runGate('required_tags', { tags: { owner: '.+' }, on: 'version_or_run' }, e).outcome).toBe('error');
    expect(runGate('required_tags', { tags: { owner: '.+' }, on: 'run' }, e).outcome).toBe('error');
  });

  it('run tags on a version without a run fail', () => {
    const e = evidence(version({}, { run: gathered(null) }));
    expect(runGate('required_tags', { tags: { owner: '.+' }, on: 'run' }, e).message).toMatch(/has no source run/);
  });

  it('an invalid regular expression is rejected at parse time', () => {
    expect(() => runGate('required_tags', { tags: { owner: '(' } }, withTags({}))).toThrow(/invalid regular expression/);
  });
});

describe('provenance', () => {
  const withRun = (over: Partial<RunInfo> | null, rest: Parameters<typeof evidence>[2] = {}) =>
    evidence(version({}, { run: gathered(over === null ? null : run(over)) }), null, rest);
  const commitTag = { 'mlflow.source.git.commit': HEAD };

  it.each<[string, Record<string, unknown>, Partial<RunInfo> | null, GateOutcome]>([
    ['finished run with commit', {}, { tags: commitTag }, 'pass'],
    ['no run', {}, null, 'fail'],
    ['run still RUNNING', {}, { status: 'RUNNING', tags: commitTag }, 'fail'],
    ['run FAILED', {}, { status: 'FAILED', tags: commitTag }, 'fail'],
    ['run FAILED but not required finished', { require_finished_run: false }, { status: 'FAILED', tags: commitTag }, 'pass'],
    ['no commit tag', {}, { tags: {} }, 'fail'],
    ['blank commit tag', {}, { tags: { 'mlflow.source.git.commit': '  ' } }, 'fail'],
    ['no commit tag, not required', { require_git_commit: false }, { tags: {} }, 'pass'],
    ['no run, nothing run-related required', { require_run: false, require_git_commit: false }, null, 'pass'],
    ['no run, run not required but commit is', { require_run: false }, null, 'fail'],
  ])('%s → %s', (_name, options, runOver, expected) => {
    expect(runGate('provenance', options, withRun(runOver)).outcome).toBe(expected);
  });

  it.each<[string, Record<string, boolean> | undefined | 'unavailable', GateOutcome]>([
    ['commit in repo', { [HEAD]: true }, 'pass'],
    ['commit not in repo', { [HEAD]: false }, 'fail'],
    ['commit not checked by the gatherer', {}, 'error'],
    ['commits not gathered', undefined, 'error'],
    ['commits unreadable', 'unavailable', 'error'],
  ])('commit_in_repo: %s → %s', (_name, commits, expected) => {
    const rest = commits === undefined ? {} : { commits: commits === 'unavailable' ? unavailable<Record<string, boolean>>() : gathered(commits) };
    expect(runGate('provenance', { commit_in_repo: true }, withRun({ tags: commitTag }, rest)).outcome).toBe(expected);
  });

  it('lists every problem', () => {
    const r = runGate('provenance', {}, withRun({ runId: 'r1', status: 'KILLED', tags: {} }));
    expect(r.message).toBe('Provenance of churn v7 is incomplete: its run r1 is KILLED, not FINISHED and its run r1 has no mlflow.source.git.commit tag.');
    expect(r.measured).toMatchObject({ run_id: 'r1', run_status: 'KILLED', git_commit: null });
  });

  it('pass message traces run and commit', () => {
    expect(runGate('provenance', {}, withRun({ tags: commitTag })).message).toBe('churn v7 traces to run run-cand (FINISHED) and commit aaaaaaa.');
  });

  it('an unreadable run is an error', () => {
    expect(runGate('provenance', {}, evidence(version({}, { run: unavailable() }))).outcome).toBe('error');
  });
});

describe('description', () => {
  const withDescription = (description: string | null, tags: Record<string, string> = {}) => evidence(version({ description, tags }));

  it.each<[string, Record<string, unknown>, string | null, Record<string, string>, GateOutcome]>([
    ['long enough', {}, 'Gradient boosted churn model, Q3.', {}, 'pass'],
    ['exactly min length', { min_length: 5 }, 'abcde', {}, 'pass'],
    ['one short', { min_length: 5 }, 'abcd', {}, 'fail'],
    ['whitespace does not count', { min_length: 5 }, '  abcd   ', {}, 'fail'],
    ['null description', {}, null, {}, 'fail'],
    ['characters, not bytes', { min_length: 3 }, 'éé🙂', {}, 'pass'],
    ['short but model card tag set', { model_card_tag: 'model_card' }, 'tiny', { model_card: 'https://wiki/card' }, 'pass'],
    ['short and model card tag blank', { model_card_tag: 'model_card' }, 'tiny', { model_card: ' ' }, 'fail'],
    ['model card tag ignored when not configured', {}, 'tiny', { model_card: 'https://wiki/card' }, 'fail'],
  ])('%s → %s', (_name, options, description, tags, expected) => {
    expect(runGate('description', options, withDescription(description, tags)).outcome).toBe(expected);
  });

  it('messages give the numbers', () => {
    expect(runGate('description', {}, withDescription('tiny')).message).toBe(
      'Candidate churn v7 has a 4-character description, fewer than the 20 required.',
    );
    expect(runGate('description', { model_card_tag: 'card' }, withDescription('')).message).toBe(
      'Candidate churn v7 has no description (min 20 characters) and model card tag card is not set.',
    );
  });
});

import { describe, expect, it } from 'vitest';
import { applyPromotion, type ApplyOptions } from '../../../src/apply/executor.js';
import { lockPrefix, LOCK_TAGS } from '../../../src/apply/lock.js';
import { identityFor, type PlanInput } from '../../../src/plan/build.js';
import { planHashOf, previousChampionOf, promotedByOf } from '../../support/journal.js';
import { MemoryRegistry, type Fault, type WriteOp } from './memory-registry.js';

const SERVER = 'mem://registry';
const NOW = new Date('2026-11-23T12:00:00Z');

const copyInput: PlanInput = {
  model: 'churn',
  from: 'dev',
  to: 'prod',
  mode: 'copy',
  source: { registry: SERVER, name: 'churn-dev', version: '1', source: 'mlflow-artifacts:/1/run/artifacts/model', runId: 'run' },
  destination: { registry: SERVER, model: 'churn-prod' },
  aliases: ['champion'],
  stage: null,
};

function world(): MemoryRegistry {
  const r = new MemoryRegistry(SERVER);
  r.seedVersion('churn-dev', 'mlflow-artifacts:/1/run/artifacts/model');
  return r;
}

const opts = (registry: MemoryRegistry, extra: Partial<ApplyOptions> = {}): ApplyOptions => ({
  registry,
  actor: 'alice',
  runUrl: 'https://github.com/o/r/actions/runs/1',
  now: () => NOW,
  lockToken: `token-${Math.random()}`,
  ...extra,
});

const copiesOf = (r: MemoryRegistry) => {
  const id = identityFor(copyInput.source);
  return r.models.get('churn-prod')?.versions.filter((v) => v.tags[id.key] === id.value) ?? [];
};

describe('applyPromotion, copy mode', () => {
  it('creates model, version (identity + journal tags in one call) and moves the alias', async () => {
    const r = world();
    const { report } = await applyPromotion(copyInput, opts(r));
    expect(report.status).toBe('applied');
    expect(r.writes.map((w) => w.op)).toEqual(['createLock', 'createModel', 'createVersion', 'setAlias', 'deleteLock']);
    const [copy] = copiesOf(r);
    expect(previousChampionOf(copy!.tags, 'prod')).toBe('none');
    expect(planHashOf(copy!.tags, 'prod')).toBe(report.hash);
    expect(promotedByOf(copy!.tags, 'prod')).toBe('alice');
    expect(r.models.get('churn-prod')?.aliases.champion).toBe(copy?.version);
    expect(r.locks.size).toBe(0);
  });

  it('re-running a finished promotion makes zero writes and keeps the hash', async () => {
    const r = world();
    const first = await applyPromotion(copyInput, opts(r));
    const writes = r.writes.length;
    const again = await applyPromotion(copyInput, opts(r, { actor: 'bob' }));
    expect(again.report.status).toBe('up-to-date');
    expect(r.writes.length).toBe(writes);
    expect(again.plan!.hash).toBe(first.plan!.hash);
  });

  it('records the previous champion before moving the alias, and rolls forward from it', async () => {
    const r = world();
    await applyPromotion(copyInput, opts(r));
    const v2 = r.seedVersion('churn-dev', 'mlflow-artifacts:/1/run2/artifacts/model');
    const next = { ...copyInput, source: { ...copyInput.source, version: v2, source: 'mlflow-artifacts:/1/run2/artifacts/model' } };
    const { report } = await applyPromotion(next, opts(r));
    expect(report.status).toBe('applied');
    expect(report.previousChampion).toBe('1');
    const prod = r.models.get('churn-prod')!;
    expect(prod.aliases.champion).toBe('2');
    expect(previousChampionOf(prod.versions[1]!.tags, 'prod')).toBe('1');
  });

  it('reuses an existing copy and only writes what is missing', async () => {
    const r = world();
    r.models.set('churn-prod', { aliases: {}, tags: {}, versions: [], next: 1 });
    const id = identityFor(copyInput.source);
    r.seedVersion('churn-prod', 'x', { [id.key]: id.value });
    const { report } = await applyPromotion(copyInput, opts(r));
    expect(report.status).toBe('applied');
    expect(copiesOf(r)).toHaveLength(1);
    const ops = r.writes.map((w) => w.op);
    expect(ops).not.toContain('createVersion');
    expect(ops.filter((o) => o === 'setVersionTag').length).toBeGreaterThan(0);
  });
});

describe('fault matrix (in memory): every write × (503, 429, reset, lost answer)', () => {
  const ops: WriteOp[] = ['createModel', 'createVersion', 'setAlias', 'setVersionTag'];
  const kinds: Omit<Fault, 'op' | 'nth'>[] = [
    { when: 'before', status: 503 },
    { when: 'before', status: 429 },
    { when: 'before', status: 0 },
    { when: 'lost', status: 0 },
    { when: 'lost', status: 502 },
  ];
  for (const op of ops) {
    for (const k of kinds) {
      it(`${op} ${k.when} ${k.status}: converges, no duplicate, then zero writes`, async () => {
        const r = world();
        if (op === 'setVersionTag') {
          // A pre-existing copy forces the journal tags to be written by set-tag calls.
          r.models.set('churn-prod', { aliases: {}, tags: {}, versions: [], next: 1 });
          const id = identityFor(copyInput.source);
          r.seedVersion('churn-prod', 'x', { [id.key]: id.value });
        }
        r.faults = [1, 2, 3].map((nth) => ({ op, nth, ...k }));
        const first = await applyPromotion(copyInput, opts(r));
        expect(['applied', 'failed']).toContain(first.report.status);
        expect(r.writes.some((w) => w.op === op)).toBe(true);
        r.faults = [];
        const second = await applyPromotion(copyInput, opts(r));
        expect(['applied', 'up-to-date']).toContain(second.report.status);
        expect(copiesOf(r)).toHaveLength(1);
        expect(r.models.get('churn-prod')?.aliases.champion).toBe(copiesOf(r)[0]?.version);
        const writes = r.writes.length;
        const third = await applyPromotion(copyInput, opts(r));
        expect(third.report.status).toBe('up-to-date');
        expect(r.writes.length).toBe(writes);
        expect(r.locks.size).toBe(0);
      });
    }
  }

  it('a lost create answer is recovered within the run, without a second create', async () => {
    const r = world();
    r.faults = [{ op: 'createVersion', nth: 1, when: 'lost', status: 0 }];
    const { report } = await applyPromotion(copyInput, opts(r));
    expect(report.status).toBe('applied');
    expect(r.writes.filter((w) => w.op === 'createVersion')).toHaveLength(1);
    expect(report.steps.find((s) => s.kind === 'copy-version')?.message).toMatch(/took effect/);
  });

  it('a non-retryable error fails the step and names what to do', async () => {
    const r = world();
    r.faults = [{ op: 'setAlias', nth: 1, when: 'before', status: 403 }];
    const { report } = await applyPromotion(copyInput, opts(r));
    expect(report.status).toBe('failed');
    expect(r.writes.filter((w) => w.op === 'setAlias')).toHaveLength(1);
    expect(report.message).toMatch(/Re-running converges/);
  });
});

describe('plan fidelity and locks', () => {
  it('--expect-plan refuses when the champion moved, saying what changed', async () => {
    const r = world();
    r.models.set('churn-prod', { aliases: {}, tags: {}, versions: [], next: 1 });
    r.seedVersion('churn-prod', 'old');
    r.models.get('churn-prod')!.aliases.champion = '1';
    const reviewed = await applyPromotion(copyInput, opts(r, { dryRun: true }));
    expect(reviewed.report.status).toBe('planned');
    expect(r.writes).toHaveLength(0);
    r.seedVersion('churn-prod', 'manual');
    r.models.get('churn-prod')!.aliases.champion = '2';
    const { report } = await applyPromotion(copyInput, opts(r, { expectPlan: { hash: reviewed.plan!.hash, plan: reviewed.plan } }));
    expect(report.status).toBe('drift');
    expect(report.message).toMatch(/champion changed since review: it was v1, now v2/);
    expect(r.writes).toHaveLength(0);
    const ok = await applyPromotion(copyInput, opts(r, { expectPlan: { hash: report.hash!.slice(7, 27) } }));
    expect(ok.report.status).toBe('applied');
  });

  it('a live lock blocks and names its holder; an expired one is taken over', async () => {
    const r = world();
    const prefix = lockPrefix(`${SERVER}|churn-prod|prod`);
    r.locks.set(`${prefix}1`, {
      [LOCK_TAGS.owner]: 'carol',
      [LOCK_TAGS.runUrl]: 'https://ci/run/9',
      [LOCK_TAGS.acquiredAt]: '2026-11-23T11:55:00.000Z',
      [LOCK_TAGS.expiresAt]: '2026-11-23T12:10:00.000Z',
    });
    const blocked = await applyPromotion(copyInput, opts(r));
    expect(blocked.report.status).toBe('locked');
    expect(blocked.report.message).toMatch(/carol.*https:\/\/ci\/run\/9/);
    expect(r.registryWrites()).toBe(0);
    const later = await applyPromotion(copyInput, opts(r, { now: () => new Date('2026-11-23T12:30:00Z') }));
    expect(later.report.status).toBe('applied');
    expect(later.report.message).toMatch(/took over the lock left by carol/);
    expect(r.writes.filter((w) => w.op === 'createLock').map((w) => w.args[0])).toEqual([`${prefix}2`]);
    expect(r.locks.size).toBe(0);
  });

  it('a lost answer to the takeover create: the run finds its own lock and still removes the generation it took over', async () => {
    const r = world();
    const prefix = lockPrefix(`${SERVER}|churn-prod|prod`);
    r.locks.set(`${prefix}1`, { [LOCK_TAGS.owner]: 'carol', [LOCK_TAGS.expiresAt]: '2026-11-23T11:00:00.000Z' });
    r.faults = [{ op: 'createLock', when: 'lost', nth: 1 }];
    const { report } = await applyPromotion(copyInput, opts(r));
    expect(report.status).toBe('applied');
    expect(report.message).toMatch(/took over the lock left by carol/);
    expect(r.writes.filter((w) => w.op === 'createLock')).toHaveLength(1);
    expect(r.locks.size).toBe(0);
  });

  it('two unanswered lock creates in a row: the run recognises its own lock instead of reporting itself as the holder', async () => {
    const r = world();
    // The first create never lands; the second lands but its answer is lost.
    r.faults = [
      { op: 'createLock', when: 'before', nth: 1, status: 0 },
      { op: 'createLock', when: 'lost', nth: 2 },
    ];
    const { report } = await applyPromotion(copyInput, opts(r));
    expect(report.status).toBe('applied');
    expect(copiesOf(r)).toHaveLength(1);
    expect(r.locks.size).toBe(0);
  });

  it('two failed lock creates with only this job\'s dead lock visible: a clear failure, not "held by" itself', async () => {
    const r = world();
    const prefix = lockPrefix(`${SERVER}|churn-prod|prod`);
    const job = 'acme/churn/42/promote';
    r.locks.set(`${prefix}1`, { [LOCK_TAGS.owner]: 'release-bot', [LOCK_TAGS.reclaimKey]: job, [LOCK_TAGS.expiresAt]: '2026-11-23T13:00:00.000Z' });
    r.faults = [
      { op: 'createLock', when: 'before', nth: 1, status: 0 },
      { op: 'createLock', when: 'before', nth: 2, status: 0 },
    ];
    const { report } = await applyPromotion(copyInput, opts(r, { lockReclaimKey: job }));
    expect(report.status).toBe('failed');
    expect(report.message).toMatch(/could not take the lock .*two attempts to create it failed or went unanswered/);
    expect(r.registryWrites()).toBe(0);
    const rerun = await applyPromotion(copyInput, opts(r, { lockReclaimKey: job }));
    expect(rerun.report.status).toBe('applied');
    expect(r.locks.size).toBe(0);
  });

  it('two promotions started together: exactly one proceeds, the other reports the holder', async () => {
    const r = world();
    let arrived = 0;
    let release!: () => void;
    const barrier = new Promise<void>((res) => (release = res));
    const beforeLock = async () => {
      if (++arrived === 2) release();
      await barrier;
    };
    const [a, b] = await Promise.all([
      applyPromotion(copyInput, opts(r, { actor: 'alice', beforeLock })),
      applyPromotion(copyInput, opts(r, { actor: 'bob', beforeLock })),
    ]);
    const statuses = [a.report.status, b.report.status].sort();
    expect(statuses).toEqual(['applied', 'locked']);
    const loser = a.report.status === 'locked' ? a : b;
    expect(loser.report.message).toMatch(a.report.status === 'locked' ? /bob/ : /alice/);
    expect(copiesOf(r)).toHaveLength(1);
    expect(r.writes.filter((w) => w.op === 'createVersion')).toHaveLength(1);
  });
});

describe('alias and stage modes', () => {
  it('alias mode moves champion and env aliases, journals, re-run writes nothing', async () => {
    const r = new MemoryRegistry(SERVER);
    r.seedVersion('churn', 's1');
    const v2 = r.seedVersion('churn', 's2');
    r.models.get('churn')!.aliases = { champion: '1', prod: '1' };
    const input: PlanInput = {
      ...copyInput,
      mode: 'alias',
      source: { registry: SERVER, name: 'churn', version: v2, source: 's2', runId: null },
      destination: { registry: SERVER, model: 'churn' },
      aliases: ['champion', 'prod'],
    };
    const { report } = await applyPromotion(input, opts(r));
    expect(report.status).toBe('applied');
    expect(r.models.get('churn')!.aliases).toEqual({ champion: '2', prod: '2' });
    expect(previousChampionOf(r.models.get('churn')!.versions[1]!.tags, 'prod')).toBe('1');
    const n = r.writes.length;
    expect((await applyPromotion(input, opts(r))).report.status).toBe('up-to-date');
    expect(r.writes.length).toBe(n);
  });

  it('stage mode archives the previous holder and re-run writes nothing', async () => {
    const r = new MemoryRegistry(SERVER);
    r.seedVersion('churn', 's1', {}, 'Production');
    const v2 = r.seedVersion('churn', 's2');
    const input: PlanInput = {
      ...copyInput,
      mode: 'stage',
      source: { registry: SERVER, name: 'churn', version: v2, source: 's2', runId: null },
      destination: { registry: SERVER, model: 'churn' },
      aliases: ['champion'],
      stage: 'Production',
    };
    const { report } = await applyPromotion(input, opts(r));
    expect(report.status).toBe('applied');
    expect(report.previousChampion).toBe('1');
    expect(r.models.get('churn')!.versions.map((v) => v.stage)).toEqual(['Archived', 'Production']);
    const n = r.writes.length;
    expect((await applyPromotion(input, opts(r))).report.status).toBe('up-to-date');
    expect(r.writes.length).toBe(n);
  });
});

describe('crash safety: killed after each write, a re-run converges', () => {
  const points: { label: string; op: WriteOp; existingCopy?: boolean }[] = [
    { label: 'lock taken', op: 'createLock' },
    { label: 'model created', op: 'createModel' },
    { label: 'version created', op: 'createVersion' },
    { label: 'journal tag written', op: 'setVersionTag', existingCopy: true },
    { label: 'alias moved', op: 'setAlias' },
  ];
  for (const p of points) {
    it(`killed after "${p.label}": others are locked out until expiry, the same job reclaims the lock, no duplicate`, async () => {
      const r = world();
      if (p.existingCopy) {
        r.models.set('churn-prod', { aliases: {}, tags: {}, versions: [], next: 1 });
        const id = identityFor(copyInput.source);
        r.seedVersion('churn-prod', 'x', { [id.key]: id.value });
      }
      r.killAfter = { op: p.op, nth: 1 };
      // The "process" dies right after the write: nothing it does afterwards reaches the registry.
      await applyPromotion(copyInput, opts(r, { lockReclaimKey: 'o/r/42' })).catch(() => undefined);
      expect(r.dead).toBe(true);
      r.restart();
      expect(r.locks.size).toBe(1); // a killed run cannot release its lock

      // Killed after the last write: the promotion is complete, so nobody needs the lock.
      const complete = p.op === 'setAlias';
      const other = await applyPromotion(copyInput, opts(r, { lockReclaimKey: 'o/r/43' }));
      expect(other.report.status).toBe(complete ? 'up-to-date' : 'locked');
      const rerun = await applyPromotion(copyInput, opts(r, { lockReclaimKey: 'o/r/42' }));
      expect(rerun.report.status).toBe(complete ? 'up-to-date' : 'applied');
      expect(copiesOf(r)).toHaveLength(1);
      expect(r.models.get('churn-prod')?.aliases.champion).toBe(copiesOf(r)[0]?.version);
      if (!complete) expect(r.locks.size).toBe(0);
      const n = r.writes.length;
      expect((await applyPromotion(copyInput, opts(r))).report.status).toBe('up-to-date');
      expect(r.writes.length).toBe(n);
    });
  }
});

describe('--expect-plan with a reviewed file that lacks the target', () => {
  it('refuses to apply an unreviewed target', async () => {
    const r = world();
    const { report } = await applyPromotion(copyInput, opts(r, { expectPlan: { hash: '', missingFrom: 'reviewed.json' } }));
    expect(report.status).toBe('drift');
    expect(report.message).toMatch(/not in the reviewed plan file reviewed.json/);
    expect(r.writes).toHaveLength(0);
  });
});

describe('writes the server applied after the client gave up', () => {
  it('an unfinished copy left beside the READY one is deleted by the re-run, as part of the copy step', async () => {
    const r = world();
    await applyPromotion(copyInput, opts(r));
    const id = identityFor(copyInput.source);
    // A late create: same identity, never finished.
    const late = r.seedVersion('churn-prod', 'models:/churn-dev/1', { [id.key]: id.value }, 'None', 'PENDING_REGISTRATION');
    const before = r.writes.length;
    const rerun = await applyPromotion(copyInput, opts(r));
    expect(rerun.report.status).toBe('applied');
    expect(r.writes.slice(before).map((w) => w.op)).toEqual(['createLock', 'deleteVersion', 'deleteLock']);
    expect(r.writes.find((w) => w.op === 'deleteVersion')?.args).toEqual(['churn-prod', late]);
    const copyStep = rerun.report.steps.find((s) => s.kind === 'copy-version');
    expect(copyStep).toMatchObject({ status: 'done', version: '1' });
    expect(copyStep?.message).toMatch(/kept v1; deleted v2 \(PENDING_REGISTRATION\)/);
    expect(copiesOf(r).map((v) => [v.version, v.status])).toEqual([['1', 'READY']]);
    const again = await applyPromotion(copyInput, opts(r));
    expect(again.report).toMatchObject({ status: 'up-to-date', writes: 0 });
  });

  it('a READY duplicate nothing points at is deleted; one an alias names is kept and reported', async () => {
    const r = world();
    await applyPromotion(copyInput, opts(r));
    const id = identityFor(copyInput.source);
    const dup = r.seedVersion('churn-prod', 'models:/churn-dev/1', { [id.key]: id.value });
    await applyPromotion(copyInput, opts(r));
    expect(copiesOf(r).map((v) => v.version)).toEqual(['1']);
    expect(r.writes.filter((w) => w.op === 'deleteVersion').map((w) => w.args)).toEqual([['churn-prod', dup]]);

    const named = r.seedVersion('churn-prod', 'models:/churn-dev/1', { [id.key]: id.value });
    r.models.get('churn-prod')!.aliases.shadow = named;
    const rerun = await applyPromotion(copyInput, opts(r));
    expect(rerun.report.status).toBe('up-to-date');
    expect(copiesOf(r).map((v) => v.version)).toEqual(['1', named]);
  });

  it('an unfinished version with no READY copy yet is not a stray: the copy step still creates or finishes the copy', async () => {
    const r = world();
    const id = identityFor(copyInput.source);
    r.models.set('churn-prod', { aliases: {}, tags: {}, versions: [], next: 1 });
    r.seedVersion('churn-prod', 'models:/churn-dev/1', { [id.key]: id.value }, 'None', 'FAILED_REGISTRATION');
    const { report } = await applyPromotion(copyInput, opts(r));
    expect(report.status).toBe('applied');
    // Created v2; the failed v1 became a stray beside it and went in the same step.
    expect(r.writes.map((w) => w.op)).toEqual(['createLock', 'createVersion', 'deleteVersion', 'setAlias', 'deleteLock']);
    expect(copiesOf(r).map((v) => [v.version, v.status])).toEqual([['2', 'READY']]);
  });

  it('a lock this job created late (after it released its own) is released by the re-run that has nothing to do', async () => {
    const r = world();
    const job = { lockReclaimKey: 'acme/churn/42/promote' };
    await applyPromotion(copyInput, opts(r, job));
    // The timed-out create of the first round lands now, after the run released its lock.
    const name = `${lockPrefix('mem://registry|churn-prod|prod')}1`;
    r.locks.set(name, { [LOCK_TAGS.token]: 'first-round', [LOCK_TAGS.reclaimKey]: job.lockReclaimKey, [LOCK_TAGS.expiresAt]: '2026-11-23T13:00:00.000Z' });
    const other = await applyPromotion(copyInput, opts(r, { lockReclaimKey: 'acme/churn/43/promote' }));
    expect(other.report.status).toBe('up-to-date');
    expect(r.locks.size).toBe(1); // another job's live lock is not ours to delete
    const rerun = await applyPromotion(copyInput, opts(r, job));
    expect(rerun.report).toMatchObject({ status: 'up-to-date', writes: 1 });
    expect(rerun.report.message).toMatch(/released 1 stale lock/);
    expect(r.locks.size).toBe(0);
    const again = await applyPromotion(copyInput, opts(r, job));
    expect(again.report).toMatchObject({ status: 'up-to-date', writes: 0 });
  });
});

describe('lock heartbeat', () => {
  const servingLikeInput = copyInput;
  it('renews the lock when a third of its lifetime passed between steps, and stops when the lock was taken', async () => {
    const r = world();
    let now = NOW.getTime();
    const clock = () => new Date(now);
    const ttlMs = 9 * 60_000;
    const renewed = await applyPromotion(servingLikeInput, opts(r, {
      now: clock,
      lockTtlMs: ttlMs,
      afterStep: async () => void (now += 4 * 60_000),
    }));
    expect(renewed.report.status).toBe('applied');
    const renewals = r.writes.filter((w) => w.op === 'setLockTag');
    expect(renewals.length).toBeGreaterThan(0);
    expect(renewals[0]!.args[1]).toBe(LOCK_TAGS.expiresAt);

    const r2 = world();
    now = NOW.getTime();
    const stolen = await applyPromotion(servingLikeInput, opts(r2, {
      now: clock,
      lockTtlMs: ttlMs,
      afterStep: async () => {
        now += 4 * 60_000;
        // Someone else replaced the lock meanwhile (e.g. it expired while this process was paused).
        for (const tags of r2.locks.values()) tags[LOCK_TAGS.token] = 'someone-else';
      },
    }));
    expect(stolen.report.status).toBe('failed');
    expect(stolen.report.message).toMatch(/lost the lock .* now belongs to/);
    expect(r2.writes.some((w) => w.op === 'setAlias')).toBe(false);
    // The lock is someone else's now: it is left alone.
    expect([...r2.locks.values()].map((t) => t[LOCK_TAGS.token])).toEqual(['someone-else']);
  });
});

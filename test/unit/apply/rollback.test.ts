import { describe, expect, it } from 'vitest';
import { applyPromotion, executePlan, type ApplyOptions } from '../../../src/apply/executor.js';
import { rollbackJob } from '../../../src/apply/rollback.js';
import type { PlanInput } from '../../../src/plan/build.js';
import type { RollbackInput } from '../../../src/plan/rollback.js';
import { MemoryRegistry } from './memory-registry.js';

const R = 'mem://r';
const opts = (registry: MemoryRegistry): ApplyOptions => ({ registry, actor: 'ops', runUrl: null, now: () => new Date('2026-11-23T12:00:00Z'), lockToken: `t${Math.random()}` });
const promoteInput = (version: string): PlanInput => ({
  model: 'churn',
  from: 'dev',
  to: 'prod',
  mode: 'copy',
  source: { registry: R, name: 'churn-dev', version, source: `s${version}`, runId: null },
  destination: { registry: R, model: 'churn-prod' },
  aliases: ['champion'],
  stage: null,
});
const rollback: RollbackInput = { model: 'churn', environment: 'prod', mode: 'copy', registry: R, modelName: 'churn-prod', aliases: ['champion'], stage: null, toVersion: null };

describe('rollback through the executor', () => {
  it('restores the previous champion, never deletes, and a re-run writes nothing', async () => {
    const r = new MemoryRegistry(R);
    r.seedVersion('churn-dev', 's1');
    r.seedVersion('churn-dev', 's2');
    await applyPromotion(promoteInput('1'), opts(r));
    await applyPromotion(promoteInput('2'), opts(r));
    expect(r.models.get('churn-prod')!.aliases.champion).toBe('2');

    const { report } = await executePlan(rollbackJob(rollback), opts(r));
    expect(report.status).toBe('applied');
    expect(r.models.get('churn-prod')!.aliases.champion).toBe('1');
    expect(r.models.get('churn-prod')!.versions).toHaveLength(2);
    expect(r.writes.some((w) => w.op === 'setModelTag')).toBe(true);

    const n = r.writes.length;
    const again = await executePlan(rollbackJob(rollback), opts(r));
    expect(again.report.status).toBe('up-to-date');
    expect(r.writes.length).toBe(n);
  });

  it('refuses, writing nothing, when no previous champion is recorded', async () => {
    const r = new MemoryRegistry(R);
    r.seedVersion('churn-dev', 's1');
    await applyPromotion(promoteInput('1'), opts(r));
    const n = r.writes.length;
    const { report } = await executePlan(rollbackJob(rollback), opts(r));
    expect(report.status).toBe('refused');
    expect(report.message).toMatch(/first champion/);
    expect(r.writes.length).toBe(n);
  });
});

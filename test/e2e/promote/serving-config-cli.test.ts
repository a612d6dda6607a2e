// The served-entity and endpoint settings of `serving:` through `mlops-gate promote` and `rollback`
// on the Databricks emulator (real HTTP): GPU workload type, provisioned concurrency instead of a
// workload size, environment variables with a secret reference, an instance profile, endpoint tags,
// AI Gateway rate limits, usage tracking and the inference table, per environment. The rollback puts
// the endpoint back exactly as it was (entities, traffic, every tag, the whole AI Gateway).

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_TOKEN, defaultModules, startEmulator, type RunningEmulator } from '../../../src/emulator/index.js';
import { runCliOnConfigText } from '../../support/run-cli.js';
import { previousOf } from '../../support/journal.js';

const SIGNATURE = { inputs: [{ type: 'double', name: 'tenure_months', required: true }], outputs: [{ type: 'double', name: 'probability', required: true }] };
const version = (pkl: string) => ({ tags: { owner: 'churn-team' }, signature: SIGNATURE, files: { 'model.pkl': pkl } });

/** The endpoint before the promotion: v1 on a Small CPU, one env var, two tags, a rate limit and guardrails. */
const BEFORE = {
  name: 'churn-prod',
  config: {
    served_entities: [
      { name: 'churn-1', entity_name: 'prod.ml.churn', entity_version: '1', workload_size: 'Small', scale_to_zero_enabled: true, environment_vars: { LOG_LEVEL: 'INFO' } },
    ],
  },
  tags: [
    { key: 'team', value: 'ops' },
    { key: 'legacy', value: 'yes' },
  ],
  ai_gateway: {
    rate_limits: [{ calls: 100, key: 'endpoint', renewal_period: 'minute' }],
    guardrails: { input: { pii: { behavior: 'BLOCK' } } },
  },
};

const SEED = {
  workspaces: {
    default: {
      catalog: { catalogs: [{ name: 'dev', schemas: ['ml'] }, { name: 'prod', schemas: ['ml', 'monitoring'] }] },
      registry: {
        models: [
          { name: 'dev.ml.churn', aliases: { challenger: 2 }, versions: [version('v1'), version('v2'), version('v3')] },
          { name: 'prod.ml.churn', aliases: { champion: 1 }, versions: [version('v1')] },
        ],
      },
      serving: { update_duration_ms: 10_000, ready_delay_ms: 0, endpoints: [BEFORE] },
    },
  },
};

let now = 1_800_000_000_000;
const clock = {
  now: () => now,
  async sleep(ms: number) {
    now += ms;
  },
};

let emu: RunningEmulator;
let dir: string;
beforeAll(async () => {
  emu = await startEmulator({ port: 0, seed: SEED, modules: defaultModules(), clock: { now: () => now }, tickMs: 0 });
  dir = mkdtempSync(join(tmpdir(), 'mlops-gate-serving-config-'));
});
afterAll(async () => {
  await emu.close();
});
beforeEach(async () => {
  await emu.admin.reset();
});

/** Every new field, with prod overrides over the model's settings. */
const CONFIG = () => `version: 1
environments:
  dev: { registry: databricks-uc, host: ${emu.url}, catalog: dev, schema: ml }
  prod: { registry: databricks-uc, host: ${emu.url}, catalog: prod, schema: ml, promote_from: dev }
models:
  churn:
    name: churn
    candidate: { alias: challenger }
    serving:
      endpoint: "churn-\${env}"
      wait_timeout: 5m
      workload_size: Small
      scale_to_zero: true
      environment_vars:
        FEATURE_FLAGS: strict
        SCORING_API_TOKEN: "{{secrets/churn/api-token}}"
      tags: { team: risk, cost_center: "4711" }
      ai_gateway:
        usage_tracking: true
        rate_limits:
          - { calls: 600, key: endpoint }
          - { calls: 60, key: user }
      inference_table: { catalog: "\${env}", schema: monitoring, prefix: churn }
      overrides:
        prod:
          workload_type: GPU_SMALL
          provisioned_concurrency: { min: 8, max: 16 }
          scale_to_zero: false
          instance_profile_arn: arn:aws:iam::123456789012:instance-profile/churn-serving
          environment_vars: { LOG_LEVEL: WARNING }
          tags: { tier: critical }
`;

const cli = (argv: string[]) => runCliOnConfigText(argv, CONFIG(), dir, { env: { DATABRICKS_TOKEN: DEFAULT_TOKEN, GITHUB_ACTOR: 'release-bot' }, servingClock: clock });

type Json = Record<string, unknown>;
/**
 * The endpoint as the emulator holds it (not as GET echoes it: in strict mode GET leaves out
 * environment variables and answers int64s as strings, docs/emulator.md).
 */
const endpoint = async (): Promise<Json> => {
  const res = await fetch(`${emu.url}/api/2.0/serving-endpoints/churn-prod`, { headers: { authorization: `Bearer ${DEFAULT_TOKEN}` } });
  expect(res.status).toBe(200);
  const held = (emu.admin.state().default!.serving as { endpoints: Record<string, Json> }).endpoints['churn-prod']!;
  return { config: held.config, tags: held.tags, ai_gateway: held.ai_gateway };
};

/**
 * What an endpoint is, without what every update changes (versions, timestamps, creators, state).
 * A gateway part turned off (`{enabled: false}`) is the same as one never configured: turning a part
 * off explicitly is how the restore stays right whether PUT …/ai-gateway clears or keeps what it
 * leaves out (docs/fidelity.md).
 */
const content = (e: Json): Json => {
  const config = e.config as { served_entities: Json[]; traffic_config: Json };
  const entities = config.served_entities.map(({ state: _s, creator: _c, creation_timestamp: _t, ...rest }) => rest);
  // No tag is stored as an empty list.
  const tags = [...((e.tags as { key: string }[] | undefined) ?? [])].sort((a, b) => a.key.localeCompare(b.key));
  const gateway = Object.fromEntries(Object.entries((e.ai_gateway as Json | undefined) ?? {}).filter(([, v]) => !(v && typeof v === 'object' && (v as Json).enabled === false)));
  return { entities, traffic: config.traffic_config, tags, ai_gateway: gateway };
};

describe('serving config: every field promoted, then rolled back exactly', () => {
  it('promotes v2 with the prod settings, re-runs with zero writes, and the rollback restores the endpoint as it was', async () => {
    const before = content(await endpoint());

    const promoted = await cli(['promote']);
    expect(promoted.code, promoted.stderr).toBe(0);
    const plan = promoted.result!.targets[0]!.plan!;
    expect(plan.status, plan.message).toBe('applied');

    const after = await endpoint();
    const entity = (after.config as { served_entities: Json[] }).served_entities;
    expect(entity).toHaveLength(1);
    expect(entity[0]).toMatchObject({
      name: 'churn-2',
      entity_name: 'prod.ml.churn',
      entity_version: '2',
      workload_type: 'GPU_SMALL',
      min_provisioned_concurrency: 8,
      max_provisioned_concurrency: 16,
      scale_to_zero_enabled: false,
      instance_profile_arn: 'arn:aws:iam::123456789012:instance-profile/churn-serving',
      // Maps merge key by key; the secret stays a reference, resolved by Databricks only.
      environment_vars: { FEATURE_FLAGS: 'strict', SCORING_API_TOKEN: '{{secrets/churn/api-token}}', LOG_LEVEL: 'WARNING' },
    });
    expect(entity[0]!.workload_size).toBeUndefined();
    // The managed tag keys are set; a tag mlops-gate does not manage (legacy) is left alone.
    expect(content(after).tags).toEqual([
      { key: 'cost_center', value: '4711' },
      { key: 'legacy', value: 'yes' },
      { key: 'team', value: 'risk' },
      { key: 'tier', value: 'critical' },
    ]);
    // The AI Gateway: managed parts replaced, guardrails (not managed) sent back as they were.
    expect(after.ai_gateway).toEqual({
      rate_limits: [
        { calls: 600, key: 'endpoint', renewal_period: 'minute' },
        { calls: 60, key: 'user', renewal_period: 'minute' },
      ],
      usage_tracking_config: { enabled: true },
      inference_table_config: { catalog_name: 'prod', schema_name: 'monitoring', table_name_prefix: 'churn', enabled: true },
      guardrails: { input: { pii: { behavior: 'BLOCK' } } },
    });
    // No secret value was ever printed: only the reference name appears, as a reference.
    expect(promoted.stderr).not.toMatch(/api-token[^}]/);

    const again = await cli(['promote']);
    expect(again.result!.targets[0]!.plan).toMatchObject({ status: 'up-to-date', writes: 0 });

    const back = await cli(['rollback', '--model', 'churn', '--env', 'prod']);
    expect(back.code, back.stderr).toBe(0);
    expect(back.result!.targets[0]!.plan!.status, back.result!.targets[0]!.plan!.message).toBe('applied');
    if (!emu.admin.strict().includes('serving-env-vars-echo')) {
      expect(content(await endpoint())).toEqual(before);
    } else {
      // Under the reading where GET never answers environment variables, the saved config could not
      // hold v1's: it comes back with the variables the config gives this model, everything else exact.
      const restored = content(await endpoint());
      const entities = (before.entities as Json[]).map((e) => ({ ...e, environment_vars: { FEATURE_FLAGS: 'strict', SCORING_API_TOKEN: '{{secrets/churn/api-token}}', LOG_LEVEL: 'WARNING' } }));
      expect(restored).toEqual({ ...before, entities });
    }

    const backAgain = await cli(['rollback', '--model', 'churn', '--env', 'prod']);
    expect(backAgain.result!.targets[0]!.plan!.writes).toBe(0);
  });

  it('the next promotion journals that endpoint, every field, whole (far above one 1000-character tag) and the rollback restores it exactly', async () => {
    // The same settings, with the cost-attribution tags a platform team adds (twelve of them).
    const tagLines = Array.from({ length: 12 }, (_, i) => `            cost_allocation_${i}: "business-unit-${i}/platform-ml/shared-serving-capacity-pool-${i}"`).join('\n');
    const text = CONFIG().replace('          tags: { tier: critical }', `          tags:\n            tier: critical\n${tagLines}`);
    const cli = (argv: string[]) => runCliOnConfigText(argv, text, dir, { env: { DATABRICKS_TOKEN: DEFAULT_TOKEN, GITHUB_ACTOR: 'release-bot' }, servingClock: clock });
    expect((await cli(['promote'])).code).toBe(0);
    const withEveryField = content(await endpoint());
    // v3 becomes the candidate: its promotion replaces the endpoint that has every new field.
    const alias = await fetch(`${emu.url}/api/2.0/mlflow/unity-catalog/registered-models/alias`, {
      method: 'POST',
      headers: { authorization: `Bearer ${DEFAULT_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'dev.ml.churn', alias: 'challenger', version: '3' }),
    });
    expect(alias.status).toBe(200);
    const next = await cli(['promote']);
    expect(next.code, next.stderr).toBe(0);
    expect((await endpoint()).config).toMatchObject({ served_entities: [{ name: 'churn-3', entity_version: '3' }] });

    const got = await fetch(`${emu.url}/api/2.0/mlflow/unity-catalog/model-versions/get?name=prod.ml.churn&version=3`, { headers: { authorization: `Bearer ${DEFAULT_TOKEN}` } });
    const tags = Object.fromEntries(((await got.json()) as { model_version: { tags?: { key: string; value: string }[] } }).model_version.tags!.map((t) => [t.key, t.value]));
    const record = previousOf(tags, 'prod')!;
    // The saved config with its entity settings, tags and AI Gateway: one record, packed and chunked by the journal.
    expect(JSON.stringify(record.endpoint).length).toBeGreaterThan(1500);
    expect(Object.keys(tags).filter((k) => /^mlops_gate_previous\d+_prod$/.test(k)).length).toBeGreaterThan(0);
    expect(record.endpoint).toMatchObject({ endpoint: 'churn-prod', config: { servedEntities: [expect.objectContaining({ name: 'churn-2', workloadType: 'GPU_SMALL', instanceProfileArn: 'arn:aws:iam::123456789012:instance-profile/churn-serving' })] } });
    for (const [key, value] of Object.entries(tags)) expect(value.length, key).toBeLessThanOrEqual(1000);

    const back = await cli(['rollback', '--model', 'churn', '--env', 'prod']);
    expect(back.code, back.stderr).toBe(0);
    if (!emu.admin.strict().includes('serving-sizing-echo')) {
      expect(content(await endpoint())).toEqual(withEveryField);
    } else {
      // Under the reading where GET answers both a size and its concurrency band, the saved entity
      // is sent back with the size (docs/fidelity.md #137): Medium is the 8-16 band it had.
      const restored = content(await endpoint());
      const entities = (withEveryField.entities as Json[]).map(({ min_provisioned_concurrency: _min, max_provisioned_concurrency: _max, ...e }) => ({ ...e, workload_size: 'Medium' }));
      expect(restored).toEqual({ ...withEveryField, entities });
    }
  });

  it('refuses, writing nothing, when a setting of the served version changed since the reviewed plan', async () => {
    const reviewed = await cli(['promote', '--dry-run', '--result', join(dir, 'reviewed.json')]);
    expect(reviewed.result!.targets[0]!.plan!.status).toBe('planned');
    // Someone changes the live entity's scale-to-zero (same version, same traffic).
    const res = await fetch(`${emu.url}/api/2.0/serving-endpoints/churn-prod/config`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${DEFAULT_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ served_entities: [{ ...BEFORE.config.served_entities[0], scale_to_zero_enabled: false }] }),
    });
    expect(res.status).toBe(200);
    await fetch(`${emu.url}/__emulator/serving/endpoints/churn-prod/complete-update`, { method: 'POST' });
    const run = await cli(['promote', '--expect-plan', join(dir, 'reviewed.json')]);
    const plan = run.result!.targets[0]!.plan!;
    expect(plan.status).toBe('drift');
    expect((await endpoint()).config).toMatchObject({ served_entities: [{ name: 'churn-1' }] });
  });
});

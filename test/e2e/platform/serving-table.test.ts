// The serving client moves an enabled inference table the way the SDK's docstring asks: "On update,
// you have to disable inference table first in order to change the catalog name" (schema name and
// prefix alike; databricks/sdk/service/serving.py AiGatewayInferenceTableConfig). The emulator
// refuses the one-PUT move, so the client disables first. Runs in both emulator modes.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { entity, startBed, type Bed } from '../rollout/harness.js';

let bed: Bed;
beforeAll(async () => {
  bed = await startBed({
    serving: {
      update_duration_ms: 0,
      endpoints: [
        {
          name: 'logged',
          config: { served_entities: [entity('3')] },
          ai_gateway: { inference_table_config: { catalog_name: 'main', schema_name: 'ml', table_name_prefix: 'churn', enabled: true } },
        },
      ],
    },
  });
});
afterAll(() => bed?.close());

const table = async () => (await bed.serving.getEndpoint('logged'))!.inferenceTable;

describe('inference table', () => {
  it('the emulator refuses to move an enabled table in one PUT', async () => {
    const res = await bed.call('PUT', '/api/2.0/serving-endpoints/logged/ai-gateway', {
      inference_table_config: { catalog_name: 'main', schema_name: 'ml', table_name_prefix: 'elsewhere', enabled: true },
    });
    expect(res.status).toBe(400);
    expect(await table()).toEqual({ catalog: 'main', schema: 'ml', prefix: 'churn', enabled: true });
  });

  it('the client disables it first, then moves it', async () => {
    bed.emulator.admin.clearRequests();
    await bed.serving.putInferenceTable('logged', { catalog: 'main', schema: 'ml', prefix: 'churn_v2' });
    expect(await table()).toEqual({ catalog: 'main', schema: 'ml', prefix: 'churn_v2', enabled: true });
    expect(bed.writes()).toEqual([
      { method: 'PUT', path: '/api/2.0/serving-endpoints/logged/ai-gateway', status: 200 },
      { method: 'PUT', path: '/api/2.0/serving-endpoints/logged/ai-gateway', status: 200 },
    ]);
  });

  it('enabling, re-enabling the same table and disabling take one PUT each', async () => {
    bed.emulator.admin.clearRequests();
    await bed.serving.putInferenceTable('logged', { catalog: 'main', schema: 'ml', prefix: 'churn_v2' });
    await bed.serving.putInferenceTable('logged', null);
    expect((await bed.call('GET', '/api/2.0/serving-endpoints/logged')).json.ai_gateway.inference_table_config.enabled).toBe(false);
    await bed.serving.putInferenceTable('logged', { catalog: 'main', schema: 'ml', prefix: 'churn_v3' });
    expect(await table()).toEqual({ catalog: 'main', schema: 'ml', prefix: 'churn_v3', enabled: true });
    expect(bed.writes()).toHaveLength(3);
  });
});

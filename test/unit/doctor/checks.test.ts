// doctor's judgements from answers shaped as the SDK documents them (databricks-sdk catalog.py
// EffectivePermissionsList; the metrics export's text), where the emulator has no counterpart:
// grants (not emulated) and exports it does not produce (no entity label, missing families).

import { describe, expect, it } from 'vitest';
import { metricsCheck } from '../../../src/doctor/checks.js';
import { privilegeChecks, requiredPrivileges, type EffectivePermissions } from '../../../src/doctor/privileges.js';
import type { Answer } from '../../../src/doctor/types.js';
import { parseMetricsExport } from '../../../src/endpoint/metrics.js';

const ok = <T>(body: T): Answer<T> => ({ ok: true, status: 200, body });

describe('privileges', () => {
  const reqs = requiredPrivileges('ml_prod', 'models', [
    { name: 'ml_prod.models.churn', roles: { source: false, destination: true } },
    { name: 'ml_prod.models.fraud', roles: { source: true, destination: false } },
  ]);

  it('asks for USE_CATALOG, USE_SCHEMA + CREATE_MODEL, and per model EXECUTE (+ APPLY_TAG where it promotes)', () => {
    expect(reqs.map((r) => `${r.securable}:${r.name}:${r.privilege}`)).toEqual([
      'catalog:ml_prod:USE_CATALOG',
      'schema:ml_prod.models:USE_SCHEMA',
      'schema:ml_prod.models:CREATE_MODEL',
      'function:ml_prod.models.churn:EXECUTE',
      'function:ml_prod.models.churn:APPLY_TAG',
      'function:ml_prod.models.fraud:EXECUTE',
    ]);
  });

  it('counts grants to the caller and its groups (inherited ones too), and names the GRANT for what is missing', () => {
    const answers = new Map<string, Answer<EffectivePermissions>>([
      ['catalog/ml_prod', ok({ privilege_assignments: [{ principal: 'ml-engineers', privileges: [{ privilege: 'USE_CATALOG' }] }] })],
      ['schema/ml_prod.models', ok({ privilege_assignments: [{ principal: 'sp-release', privileges: [{ privilege: 'USE_SCHEMA', inherited_from_type: 'CATALOG', inherited_from_name: 'ml_prod' }] }, { principal: 'someone-else', privileges: [{ privilege: 'CREATE_MODEL' }] }] })],
      ['function/ml_prod.models.churn', ok({ privilege_assignments: [{ principal: 'sp-release', privileges: [{ privilege: 'ALL_PRIVILEGES' }] }] })],
      ['function/ml_prod.models.fraud', { ok: false, status: 403, errorCode: 'PERMISSION_DENIED', message: 'GET …: HTTP 403 PERMISSION_DENIED: no' }],
    ]);
    const rows = privilegeChecks('prod', 'sp-release', ['ml-engineers'], reqs, answers, new Map());
    expect(rows.map((r) => [r.check, r.status])).toEqual([
      ['privileges on catalog ml_prod', 'pass'],
      ['privileges on schema ml_prod.models', 'fail'],
      ['privileges on model ml_prod.models.churn', 'pass'],
      ['privileges on model ml_prod.models.fraud', 'warn'],
    ]);
    expect(rows[1]!.detail).toMatch(/lacks CREATE_MODEL \(promote: create the model/);
    expect(rows[1]!.fix).toBe('GRANT CREATE MODEL ON SCHEMA `ml_prod`.`models` TO `sp-release`');
    // An owner (or its group) holds every privilege, whatever the answer says.
    const owned = privilegeChecks('prod', 'sp-release', ['ml-engineers'], reqs, answers, new Map([['schema/ml_prod.models', 'ml-engineers']]));
    expect(owned[1]).toMatchObject({ status: 'pass', detail: expect.stringMatching(/group ml-engineers owns it/) });
  });
});

describe('metrics export', () => {
  const answer = (text: string) => ok(parseMetricsExport(text));

  it('fails an export that counts requests but labels no served entity, and one without the families', () => {
    const endpointOnly = '# TYPE request_count_total gauge\nrequest_count_total{endpoint_name="churn"} 40\n# TYPE request_5xx_count_total gauge\nrequest_5xx_count_total 0\n# TYPE request_latency_ms histogram\nrequest_latency_ms_bucket{le="+Inf"} 40';
    expect(metricsCheck('prod', 'churn', answer(endpointOnly), null)).toMatchObject({ status: 'fail', detail: expect.stringMatching(/40 request\(s\) in the latest minute, none labelled by served entity \(labels seen: endpoint_name\)/), fix: expect.stringMatching(/serving\.health\.entity_label/) });
    // …which the configured label fixes.
    expect(metricsCheck('prod', 'churn', answer(endpointOnly.replace('endpoint_name="churn"', 'entity="churn-4"')), 'entity')).toMatchObject({ status: 'pass', detail: expect.stringMatching(/labelled by entity/) });
    expect(metricsCheck('prod', 'churn', answer('# TYPE cpu_usage_percentage gauge\ncpu_usage_percentage 3'), null)).toMatchObject({ status: 'fail', detail: expect.stringMatching(/^no request_count_total, request_5xx_count_total, request_latency_ms \(families seen: cpu_usage_percentage\)/) });
  });
});

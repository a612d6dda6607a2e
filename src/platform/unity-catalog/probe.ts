// What `mlops-gate doctor` asks a Databricks workspace: read-only probes (who am I, catalog, schema,
// models, effective permissions, the Files API switch, a version's files) and, with
// `--probe-writes`, the write probes in a scratch schema (src/doctor/probes.ts judges them). Every
// answer is data (`Answer`): a probe never throws. The write probes delete what they created.

import { ApiError, ConfigError } from '../../errors.js';
import type { Answer } from '../../doctor/types.js';
import type { EffectivePermissions, Securable } from '../../doctor/privileges.js';
import type { ProbeId, ProbeOutcome } from '../../doctor/probes.js';
import type { HttpClient } from '../http/types.js';
import { mlflowProtocolCaller } from '../http/protocol.js';

const UC = '/api/2.0/mlflow/unity-catalog';
const enc = encodeURIComponent;
const encodePath = (path: string): string =>
  path
    .split('/')
    .filter((p) => p !== '')
    .map(enc)
    .join('/');

/** Any failure as an answer (an API error, a transport failure, credentials missing before any request). */
export async function answerOf<T>(work: Promise<T>): Promise<Answer<T>> {
  try {
    return { ok: true, status: 200, body: await work };
  } catch (e) {
    if (e instanceof ApiError) return { ok: false, status: e.details.kind === 'http' ? e.details.status : null, errorCode: e.errorCode, message: e.message };
    if (e instanceof ConfigError) return { ok: false, status: null, errorCode: null, message: e.diagnostics.map((d) => d.message).join('; ') };
    return { ok: false, status: null, errorCode: null, message: e instanceof Error ? e.message : String(e) };
  }
}

export interface UcModelInfo {
  readonly owner?: string;
  readonly aliases?: readonly { readonly alias_name?: string; readonly version_num?: number | string }[];
}

/** The read-only probes. */
export function ucReadProbes(http: HttpClient) {
  const call = mlflowProtocolCaller(http, UC);
  const get = <T>(path: string, endpoint: string, query?: Record<string, string | number | undefined>) =>
    answerOf(http.request<T>({ method: 'GET', path, endpoint, ...(query ? { query } : {}) }).then((r) => r.body));
  return {
    me: () => get<{ userName?: string; displayName?: string; groups?: { display?: string }[] }>('/api/2.0/preview/scim/v2/Me', 'GET /api/2.0/preview/scim/v2/Me'),
    catalog: (name: string) => get<{ owner?: string }>(`/api/2.1/unity-catalog/catalogs/${enc(name)}`, 'GET /api/2.1/unity-catalog/catalogs/{name}'),
    schema: (fullName: string) => get<{ owner?: string }>(`/api/2.1/unity-catalog/schemas/${enc(fullName)}`, 'GET /api/2.1/unity-catalog/schemas/{name}'),
    model: (fullName: string) => get<UcModelInfo>(`/api/2.1/unity-catalog/models/${enc(fullName)}`, 'GET /api/2.1/unity-catalog/models/{full_name}', { include_aliases: 'true' }),
    /**
     * Every principal's effective privileges on a securable (the paginated form, max_results=0, as the
     * SDK recommends; at most 20 pages). Registered models are securable type `function`
     * (databricks-sdk catalog.py:19147-19148).
     */
    effectivePermissions: async (securable: Securable, fullName: string): Promise<Answer<EffectivePermissions>> => {
      const assignments: NonNullable<EffectivePermissions['privilege_assignments']>[number][] = [];
      let pageToken: string | undefined;
      for (let page = 0; page < 20; page++) {
        const a = await get<EffectivePermissions & { next_page_token?: string }>(
          `/api/2.1/unity-catalog/effective-permissions/${securable}/${enc(fullName)}`,
          'GET /api/2.1/unity-catalog/effective-permissions/{securable_type}/{full_name}',
          { max_results: 0, page_token: pageToken },
        );
        if (!a.ok) return a;
        assignments.push(...(a.body.privilege_assignments ?? []));
        pageToken = a.body.next_page_token || undefined;
        if (!pageToken) break;
      }
      return { ok: true, status: 200, body: { privilege_assignments: assignments } };
    },
    filesApiEnabled: () => answerOf(call<{ is_databricks_sdk_models_artifact_repository_enabled?: boolean }>('GET', '/registered-models:is-databricks-sdk-models-artifact-repository-enabled', {}, true)),
    versionFiles: (fullName: string, version: string) => {
      const [c, s, m] = fullName.split('.');
      return get<{ contents?: unknown[] }>(`/api/2.0/fs/directories/${encodePath(`/Models/${c}/${s}/${m}/${version}`)}`, 'GET /api/2.0/fs/directories/Models/{model}/{version}/…');
    },
  };
}

/** A minimal MLmodel with a signature: enough for a version to finalize. */
const PROBE_MLMODEL = [
  'artifact_path: model',
  'flavors:',
  '  python_function:',
  '    loader_module: mlflow.pyfunc.model',
  'signature:',
  "  inputs: '[{\"type\": \"double\", \"name\": \"x\", \"required\": true}]'",
  "  outputs: '[{\"type\": \"double\", \"required\": true}]'",
  '',
].join('\n');

/**
 * The write probes, in `catalog.schema` (a scratch schema): a model `mlops_gate_doctor_<nonce>`
 * and one version, every ledger row only a write can show, then both deleted. Steps a later one
 * needs are required: when one fails, the dependent probes are reported as not probed.
 */
export async function ucWriteProbes(http: HttpClient, scratchSchema: string, nonce: string): Promise<ProbeOutcome[]> {
  const call = mlflowProtocolCaller(http, UC);
  const name = `${scratchSchema}.mlops_gate_doctor_${nonce}`;
  const out: ProbeOutcome[] = [];
  const run = async <T>(id: ProbeId, work: () => Promise<T>, seen?: (body: T) => string): Promise<Answer<T>> => {
    const answer = await answerOf(work());
    out.push({ id, answer, ...(answer.ok && seen ? { seen: seen(answer.body) } : {}) });
    return answer;
  };
  const skip = (ids: readonly ProbeId[], why: string): void => void ids.forEach((id) => out.push({ id, skipped: why }));

  const created = await run('create-model', () => call('POST', '/registered-models/create', { name, tags: [{ key: 'mlops_gate_doctor', value: nonce }] }, false));
  if (!created.ok) {
    skip(['tag-key-ours', 'tag-key-reserved', 'tag-value-1000', 'tag-value-1001', 'version-create', 'search-tags', 'alias-pending', 'files-upload', 'finalize', 'finalize-again', 'get-tags', 'alias-ready', 'missing-alias', 'missing-version', 'delete-missing-tag', 'update-no-change', 'search-no-filter', 'search-run-id', 'search-missing-model'], `the model ${name} could not be created`);
    out.push({ id: 'cleanup', answer: { ok: true, status: 200, body: null }, seen: 'nothing was created' });
    return out;
  }
  const setModelTag = (key: string, value: string) => call('POST', '/registered-models/set-tag', { name, key, value }, true);
  await run('tag-key-ours', () => setModelTag('mlops_gate_doctor_probe', 'ok'));
  await run('tag-key-reserved', () => setModelTag('mlops_gate.doctor', 'ok'));
  await run('tag-value-1000', () => setModelTag('mlops_gate_doctor_long', 'x'.repeat(1000)));
  await run('tag-value-1001', () => setModelTag('mlops_gate_doctor_longer', 'x'.repeat(1001)));

  let aliasSet = false;
  const version = await run(
    'version-create',
    () =>
      call<{ model_version?: { version?: string | number; status?: string } }>(
        'POST',
        '/model-versions/create',
        { name, source: `models:/${name}/probe`, tags: [{ key: 'mlops_gate_copy_of', value: `doctor-${nonce}` }] },
        false,
      ),
    (b) => `created v${String(b.model_version?.version ?? '?')}, ${b.model_version?.status ?? 'no status'}`,
  );
  const v = version.ok ? String(version.body.model_version?.version ?? '') : '';
  if (!version.ok || v === '') {
    skip(['search-tags', 'alias-pending', 'files-upload', 'finalize', 'finalize-again', 'get-tags', 'alias-ready'], 'no version could be created');
  } else {
    await run(
      'search-tags',
      () => call<{ model_versions?: { tags?: unknown[] }[] }>('GET', '/model-versions/search', { filter: `name='${name}'`, max_results: 10 }, true),
      (b) => {
        const rows = b.model_versions ?? [];
        const tagged = rows.filter((r) => Array.isArray(r.tags) && r.tags.length > 0).length;
        return `${rows.length} row(s), ${tagged === 0 ? 'no tags (as mlflow says: mlops-gate reads tags with get)' : `${tagged} with tags (mlops-gate reads tags with get anyway)`}`;
      },
    );
    const pending = await run('alias-pending', () => call('POST', '/registered-models/alias', { name, alias: 'doctor_probe', version: v }, true), () => 'accepted (mlops-gate aliases only READY versions either way)');
    aliasSet = pending.ok;
    const [c, s, m] = name.split('.');
    await run('files-upload', () =>
      http.request({
        method: 'PUT',
        path: `/api/2.0/fs/files/${encodePath(`/Models/${c}/${s}/${m}/${v}/MLmodel`)}`,
        query: { overwrite: 'true' },
        body: Buffer.from(PROBE_MLMODEL, 'utf8'),
        headers: { 'content-type': 'application/octet-stream' },
        idempotent: true,
        endpoint: 'PUT /api/2.0/fs/files/Models/{model}/{version}/…',
      }),
    );
    const finalized = await run(
      'finalize',
      () => call<{ model_version?: { status?: string } }>('POST', '/model-versions/finalize', { name, version: v }, false),
      (b) => `model-versions/finalize: ${b.model_version?.status ?? 'no status'}`,
    );
    if (finalized.ok) await run('finalize-again', () => call<{ model_version?: { status?: string } }>('POST', '/model-versions/finalize', { name, version: v }, false), (b) => `answered ${b.model_version?.status ?? 'no status'} again`);
    else skip(['finalize-again'], 'the version could not be finalized');
    await run(
      'get-tags',
      () => call<{ model_version?: { tags?: { key?: string; value?: string }[]; aliases?: unknown[] } }>('GET', '/model-versions/get', { name, version: v }, true),
      (b) => {
        const tags = b.model_version?.tags ?? [];
        return tags.some((t) => t.key === 'mlops_gate_copy_of')
          ? `tags read back (${tags.length}), aliases ${JSON.stringify(b.model_version?.aliases ?? [])}`
          : `the create call's tag is missing from get (${tags.length} tag(s))`;
      },
    );
    if (finalized.ok) {
      const ready = await run('alias-ready', () => call('POST', '/registered-models/alias', { name, alias: 'doctor_probe', version: v }, true));
      aliasSet = aliasSet || ready.ok;
    } else skip(['alias-ready'], 'the version is not READY');
  }

  await run('missing-alias', () => call('GET', '/registered-models/alias', { name, alias: 'doctor_missing_alias' }, true));
  await run('missing-version', () => call('GET', '/model-versions/get', { name, version: '999999' }, true));
  await run('delete-missing-tag', () => call('DELETE', '/registered-models/delete-tag', { name, key: 'mlops_gate_doctor_absent' }, true));
  await run('update-no-change', () => call('PATCH', '/registered-models/update', { name }, true));
  await run(
    'search-no-filter',
    () => call<{ model_versions?: unknown[] }>('GET', '/model-versions/search', { max_results: 1 }, true),
    (b) => `answered ${b.model_versions?.length ?? 0} row(s) (mlops-gate always sends a filter)`,
  );
  await run('search-run-id', () => call('GET', '/model-versions/search', { filter: "run_id='00000000000000000000000000000000'", max_results: 1 }, true));
  await run(
    'search-missing-model',
    () => call<{ model_versions?: unknown[] }>('GET', '/model-versions/search', { filter: `name='${scratchSchema}.mlops_gate_doctor_absent_${nonce}'`, max_results: 1 }, true),
    (b) => `search of a missing model: 200 with ${b.model_versions?.length ?? 0} row(s), which mlops-gate reads as no versions`,
  );

  // Clean up: the alias, the version, the model (deleting a model deletes its versions too; both are asked).
  if (aliasSet) await answerOf(call('DELETE', '/registered-models/alias', { name, alias: 'doctor_probe' }, true));
  if (v !== '') await answerOf(call('DELETE', '/model-versions/delete', { name, version: v }, true));
  const removed = await answerOf(call('DELETE', '/registered-models/delete', { name }, true));
  const gone = await answerOf(call('GET', '/registered-models/get', { name }, true));
  out.push(
    !gone.ok
      ? { id: 'cleanup', answer: { ok: true, status: 200, body: null }, seen: `deleted ${name}${v ? ` and its v${v}` : ''}` }
      : { id: 'cleanup', answer: removed.ok ? { ok: false, status: null, errorCode: null, message: 'the delete was answered, but the model is still there' } : removed, seen: `left behind: ${name}` },
  );
  return out;
}

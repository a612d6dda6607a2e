// Unity Catalog model registry, over both API families that reach the same objects:
//  - the MLflow protocol `/api/2.0/mlflow/unity-catalog/...` (mlflow client, registry_uri databricks-uc):
//    versions are strings, aliases `[{alias, version}]`, tags supported;
//  - REST 2.1 `/api/2.1/unity-catalog/models...` (databricks-sdk, CLI, Terraform): versions are ints,
//    aliases `[{alias_name, version_num}]`, no tags, no version creation.
// A version is created PENDING_REGISTRATION with a storage location, its files are uploaded through
// the Files API under `/Models/<catalog>/<schema>/<model>/<version>/`, then finalize makes it READY
// (or FAILED_REGISTRATION when no MLmodel file was uploaded).

import { randomUUID } from 'node:crypto';
import { stringify as toYaml } from 'yaml';
import { DatabricksApiError, type EmulatorContext, type EmulatorModule, type EmulatorRequest, type RouteTable, type Workspace } from '../types.js';
import { compact, field, invalidParameter, notFound, optInt, optString, paginate, reqString, slice, tagsFromInput, tagsToList } from '../core/helpers.js';
import { checkUcNamePart, METASTORE_ID, requireSchema } from '../catalog/index.js';
import { authorize } from '../permissions/index.js';
import { copyTree, deleteTree, readFile, writeFile } from '../files/index.js';
import { trackingState } from '../tracking/index.js';

export const REGISTRY_MODULE = 'registry';

export type VersionStatus = 'PENDING_REGISTRATION' | 'READY' | 'FAILED_REGISTRATION';

export interface VersionRecord {
  version: number;
  id: string;
  source: string;
  run_id?: string;
  run_experiment_id?: string;
  run_tracking_server_id?: string;
  model_id?: string;
  description?: string;
  status: VersionStatus;
  status_message?: string;
  storage_location: string;
  created_at: number;
  created_by: string;
  updated_at: number;
  updated_by: string;
  tags: Record<string, string>;
  model_version_dependencies?: unknown[];
}

export interface ModelRecord {
  /** Full three-level name, lower-cased as Unity Catalog stores identifiers. */
  full_name: string;
  catalog_name: string;
  schema_name: string;
  name: string;
  id: string;
  description?: string;
  owner: string;
  created_at: number;
  created_by: string;
  updated_at: number;
  updated_by: string;
  storage_location: string;
  tags: Record<string, string>;
  /** alias → version number */
  aliases: Record<string, number>;
  next_version: number;
  versions: Record<string, VersionRecord>;
}

export interface RegistryState {
  models: Record<string, ModelRecord>;
  /**
   * What `registered-models:is-databricks-sdk-models-artifact-repository-enabled` answers: true,
   * false, or null to leave the field out (the proto default, false). A workspace setting, seeded
   * with the registry's `sdk_models_artifact_repository_enabled`. Absent in older state: true.
   */
  files_api_for_models?: boolean | null;
}

export const registryState = (ws: Workspace): RegistryState => {
  const s = slice<RegistryState | undefined>(ws, REGISTRY_MODULE);
  if (!s) throw new Error('The registry module is not installed in this emulator.');
  return s;
};

/** Files API directory holding a version's artifacts (what mlflow's SDK models repository uses). */
export const versionFilesPath = (fullName: string, version: number | string): string => `/Models/${fullName.replace(/\./g, '/')}/${version}`;

const splitName = (raw: string): [string, string, string] => {
  const parts = raw.split('.');
  if (parts.length !== 3) {
    throw invalidParameter(`Invalid registered model name '${raw.slice(0, 300)}': Unity Catalog model names have three levels, <catalog>.<schema>.<model>.`);
  }
  for (const p of parts) checkUcNamePart('registered model', p, raw);
  return parts.map((p) => p.toLowerCase()) as [string, string, string];
};

const missingModel = (name: string) => notFound(`Routine or Model '${name}' does not exist.`);

// ---- Unity Catalog tag rules (strict `uc-tag-rules`) -------------------------------------------
// "You can assign a maximum of 50 tags to a single securable object. The maximum length of a tag
// key is 255 characters. The maximum length of a tag value is 1000 characters. The following
// characters are not allowed in tag keys: . , - = / :" (docs database-objects/tags, which names
// registered models and model versions). The message is the one Databricks answers for a key with
// reserved characters.
const TAG_KEY_MAX = 255;
const TAG_VALUE_MAX = 1000;
const TAGS_PER_OBJECT = 50;
const TAG_KEY_RESERVED = /[.,\-=/:]/;

export const checkUcTags = (what: string, existing: Readonly<Record<string, string>>, incoming: Readonly<Record<string, string>>): void => {
  for (const [key, value] of Object.entries(incoming)) {
    if (key.length > TAG_KEY_MAX) throw invalidParameter(`Tag name ${key.slice(0, 40)}… on ${what} is longer than ${TAG_KEY_MAX} characters (${key.length}).`);
    if (TAG_KEY_RESERVED.test(key)) throw invalidParameter(`Tag name ${key} contains one or more of the reserved characters: List(., ,, -, =, /, :)`);
    if (value.length > TAG_VALUE_MAX) throw invalidParameter(`The value of tag ${key} on ${what} is longer than ${TAG_VALUE_MAX} characters (${value.length}).`);
  }
  const count = new Set([...Object.keys(existing), ...Object.keys(incoming)]).size;
  if (count > TAGS_PER_OBJECT) throw invalidParameter(`${what} would have ${count} tags; at most ${TAGS_PER_OBJECT} tags can be assigned to a securable object.`);
};

export const getModel = (ws: Workspace, rawName: string): ModelRecord => {
  const [c, s, m] = splitName(rawName);
  const model = registryState(ws).models[`${c}.${s}.${m}`];
  if (!model) {
    requireSchema(ws, c, s);
    throw missingModel(`${c}.${s}.${m}`);
  }
  return model;
};

const parseVersion = (raw: string | number | undefined): number => {
  const n = typeof raw === 'number' ? raw : Number(raw);
  if (raw === undefined || raw === '' || !Number.isInteger(n) || n < 1) throw invalidParameter(`Invalid model version '${String(raw)}': it must be a positive integer.`);
  return n;
};

export const getVersion = (ws: Workspace, rawName: string, rawVersion: string | number): { model: ModelRecord; version: VersionRecord } => {
  const model = getModel(ws, rawName);
  const n = parseVersion(rawVersion);
  const version = model.versions[String(n)];
  if (!version) throw notFound(`Model Version '${model.full_name}' version ${n} does not exist.`);
  return { model, version };
};

/** The version an alias points at (for other modules, e.g. serving). */
export const resolveAlias = (ws: Workspace, rawName: string, alias: string): VersionRecord | undefined => {
  const model = getModel(ws, rawName);
  const n = model.aliases[alias.toLowerCase()];
  return n === undefined ? undefined : model.versions[String(n)];
};

const ALIAS_RE = /^[\w-]{1,255}$/;
const checkAlias = (alias: string): string => {
  if (!ALIAS_RE.test(alias)) throw invalidParameter(`Invalid alias '${alias}': use letters, digits, '_' or '-' (at most 255 characters).`);
  if (/^latest$/i.test(alias) || /^v\d+$/i.test(alias)) throw invalidParameter(`Alias '${alias}' is reserved ('latest' and 'v<number>' cannot be aliases).`);
  return alias.toLowerCase();
};

export const createModel = (
  ws: Workspace,
  rawName: string,
  opts: { now: number; principal: string; description?: string; tags?: Record<string, string>; duplicate: () => DatabricksApiError },
): ModelRecord => {
  const [c, s, m] = splitName(rawName);
  requireSchema(ws, c, s);
  const full = `${c}.${s}.${m}`;
  const st = registryState(ws);
  if (st.models[full]) throw opts.duplicate();
  const id = randomUUID();
  const rec: ModelRecord = {
    full_name: full,
    catalog_name: c,
    schema_name: s,
    name: m,
    id,
    description: opts.description,
    owner: opts.principal,
    created_at: opts.now,
    created_by: opts.principal,
    updated_at: opts.now,
    updated_by: opts.principal,
    storage_location: `s3://emulator-uc-metastore/${METASTORE_ID}/models/${id}`,
    tags: opts.tags ?? {},
    aliases: {},
    next_version: 1,
    versions: {},
  };
  st.models[full] = rec;
  return rec;
};

export const createVersion = (
  ws: Workspace,
  model: ModelRecord,
  opts: { now: number; principal: string; source: string; runId?: string; description?: string; tags?: Record<string, string>; modelId?: string; runTrackingServerId?: string; dependencies?: unknown[] },
): VersionRecord => {
  const n = model.next_version++;
  const id = randomUUID();
  const run = opts.runId ? trackingState(ws).runs[opts.runId] : undefined;
  const v: VersionRecord = {
    version: n,
    id,
    source: opts.source,
    run_id: opts.runId,
    run_experiment_id: run?.experiment_id,
    run_tracking_server_id: opts.runTrackingServerId ?? (run ? ws.orgId : undefined),
    model_id: opts.modelId,
    description: opts.description,
    status: 'PENDING_REGISTRATION',
    storage_location: `${model.storage_location}/versions/${id}`,
    created_at: opts.now,
    created_by: opts.principal,
    updated_at: opts.now,
    updated_by: opts.principal,
    tags: opts.tags ?? {},
    model_version_dependencies: opts.dependencies,
  };
  model.versions[String(n)] = v;
  model.updated_at = opts.now;
  return v;
};

/** PENDING_REGISTRATION → READY, or FAILED_REGISTRATION when the version has no MLmodel file. */
export const finalizeVersion = (ws: Workspace, model: ModelRecord, v: VersionRecord, now: number): VersionRecord => {
  if (v.status === 'READY') return v;
  if (v.status === 'FAILED_REGISTRATION') {
    throw new DatabricksApiError(400, 'INVALID_STATE', `Model version ${model.full_name}/${v.version} failed registration and cannot be finalized: ${v.status_message ?? ''}`);
  }
  if (!readFile(ws, `${versionFilesPath(model.full_name, v.version)}/MLmodel`)) {
    v.status = 'FAILED_REGISTRATION';
    v.status_message = `No MLmodel file was uploaded to ${versionFilesPath(model.full_name, v.version)} before finalize.`;
  } else {
    v.status = 'READY';
    delete v.status_message;
  }
  v.updated_at = now;
  return v;
};

// ---- wire shapes ---------------------------------------------------------------------------------

const aliasesOf = (model: ModelRecord, version?: number) =>
  Object.entries(model.aliases)
    .filter(([, n]) => version === undefined || n === version)
    .sort(([a], [b]) => a.localeCompare(b));

// Unity Catalog's searches answer no tags and no aliases, though the messages have both fields:
// mlflow compensates (utils/_unity_catalog_utils.py `model_version_search_from_uc_proto` and
// `registered_model_search_from_uc_proto` set tags=[] and aliases=[]; entities/model_registry/
// model_version_search.py: "UC Model Versions gathered through search_model_versions do not have
// tags"). `get` (and get by alias) answer both. `search` renders with `{ search: true }`.
interface Render {
  readonly search?: boolean;
}

const mlflowModel = (m: ModelRecord, render: Render = {}) =>
  compact({
    name: m.full_name,
    creation_timestamp: m.created_at,
    last_updated_timestamp: m.updated_at,
    user_id: m.owner,
    description: m.description,
    aliases: render.search ? undefined : aliasesOf(m).map(([alias, n]) => ({ alias, version: String(n) })),
    tags: render.search ? undefined : tagsToList(m.tags),
  });

const mlflowVersion = (m: ModelRecord, v: VersionRecord, render: Render = {}) =>
  compact({
    name: m.full_name,
    version: String(v.version),
    creation_timestamp: v.created_at,
    last_updated_timestamp: v.updated_at,
    user_id: v.created_by,
    description: v.description,
    source: v.source,
    run_id: v.run_id,
    run_experiment_id: v.run_experiment_id,
    run_tracking_server_id: v.run_tracking_server_id,
    status: v.status,
    status_message: v.status_message,
    storage_location: v.storage_location,
    aliases: render.search ? undefined : aliasesOf(m, v.version).map(([alias, n]) => ({ alias, version: String(n) })),
    tags: render.search ? undefined : tagsToList(v.tags),
    model_id: v.model_id,
  });

const restAlias = (m: ModelRecord, alias: string, n: number) => ({
  alias_name: alias,
  version_num: n,
  catalog_name: m.catalog_name,
  schema_name: m.schema_name,
  model_name: m.name,
});

const restModel = (m: ModelRecord, includeAliases: boolean) =>
  compact({
    name: m.name,
    catalog_name: m.catalog_name,
    schema_name: m.schema_name,
    full_name: m.full_name,
    owner: m.owner,
    comment: m.description,
    storage_location: m.storage_location,
    metastore_id: METASTORE_ID,
    created_at: m.created_at,
    created_by: m.created_by,
    updated_at: m.updated_at,
    updated_by: m.updated_by,
    aliases: includeAliases ? aliasesOf(m).map(([a, n]) => restAlias(m, a, n)) : undefined,
  });

const restVersion = (_ws: Workspace, m: ModelRecord, v: VersionRecord, includeAliases: boolean) =>
  compact({
    model_name: m.name,
    catalog_name: m.catalog_name,
    schema_name: m.schema_name,
    version: v.version,
    id: v.id,
    source: v.source,
    comment: v.description,
    run_id: v.run_id,
    run_workspace_id: v.run_tracking_server_id !== undefined ? Number(v.run_tracking_server_id) : undefined,
    status: v.status,
    storage_location: v.storage_location,
    metastore_id: METASTORE_ID,
    created_at: v.created_at,
    created_by: v.created_by,
    updated_at: v.updated_at,
    updated_by: v.updated_by,
    aliases: includeAliases ? aliasesOf(m, v.version).map(([a, n]) => restAlias(m, a, n)) : undefined,
    model_version_dependencies: v.model_version_dependencies ? { dependencies: v.model_version_dependencies } : undefined,
  });

// ---- version search filter (UC accepts one clause: name='…' or run_id='…') --------------------------

const parseVersionFilter = (filter: string | undefined): { key: 'name' | 'run_id'; value: string } | undefined => {
  if (!filter || !filter.trim()) return undefined;
  const m = filter.trim().match(/^(name|run_id)\s*=\s*(?:'([^']*)'|"([^"]*)")$/);
  if (!m) {
    throw invalidParameter(`Unsupported filter '${filter}'. Unity Catalog model version search accepts exactly one condition: name='<catalog>.<schema>.<model>' or run_id='<id>'.`);
  }
  return { key: m[1] as 'name' | 'run_id', value: m[2] ?? m[3] ?? '' };
};

// ---- fixture --------------------------------------------------------------------------------------

interface VersionFixture {
  description?: string;
  tags?: Record<string, string>;
  status?: VersionStatus;
  source?: string;
  run_id?: string;
  /** Link to a seeded run by experiment name and run name. */
  run?: { experiment: string; name: string };
  model_id?: string;
  created_at?: number;
  /** MLmodel contents: YAML text, or an object serialised to YAML. Default: a scikit-learn pyfunc MLmodel. */
  mlmodel?: string | Record<string, unknown>;
  /** Signature for the default MLmodel: column specs as MLflow writes them. */
  signature?: { inputs: unknown[]; outputs: unknown[] };
  /** Extra artifact files: path → text or `{ base64 }`. */
  files?: Record<string, string | { base64: string }>;
}

interface ModelFixture {
  name: string;
  description?: string;
  owner?: string;
  tags?: Record<string, string>;
  aliases?: Record<string, number>;
  versions?: VersionFixture[];
}

/** The MLmodel file mlflow 3.17 writes for a scikit-learn model (also used by the benchmarks' MLflow seeding). */
export const defaultMlmodel = (runId: string | undefined, now: number, signature: { inputs: unknown[]; outputs: unknown[] } | undefined): string =>
  toYaml({
    artifact_path: 'model',
    flavors: {
      python_function: {
        env: { conda: 'conda.yaml', virtualenv: 'python_env.yaml' },
        loader_module: 'mlflow.sklearn',
        model_path: 'model.pkl',
        predict_fn: 'predict',
        python_version: '3.11.7',
      },
      sklearn: { code: null, pickled_model: 'model.pkl', serialization_format: 'cloudpickle', sklearn_version: '1.9.1' },
    },
    mlflow_version: '3.17.2',
    model_uuid: randomUUID().replace(/-/g, ''),
    ...(runId ? { run_id: runId } : {}),
    ...(signature
      ? { signature: { inputs: JSON.stringify(signature.inputs), outputs: JSON.stringify(signature.outputs), params: null } }
      : {}),
    utc_time_created: new Date(now).toISOString().replace('T', ' ').replace('Z', ''),
  });

export const registryModule: EmulatorModule = {
  name: REGISTRY_MODULE,
  initState: (): RegistryState => ({ models: {}, files_api_for_models: true }),
  seed(ws, fixture, ctx) {
    const flag = (fixture as { sdk_models_artifact_repository_enabled?: unknown }).sdk_models_artifact_repository_enabled;
    if (flag !== undefined) {
      if (flag !== true && flag !== false && flag !== null) throw new Error('Seed fixture: registry.sdk_models_artifact_repository_enabled must be true, false or null (field left out).');
      registryState(ws).files_api_for_models = flag;
    }
    const models = ((fixture as { models?: ModelFixture[] }).models ?? []) as ModelFixture[];
    const now = ctx.clock.now();
    for (const mf of models) {
      const principal = mf.owner ?? 'emulator-user@example.com';
      const model = createModel(ws, mf.name, {
        now,
        principal,
        description: mf.description,
        tags: mf.tags,
        duplicate: () => new Error(`Seed fixture defines model '${mf.name}' twice.`) as DatabricksApiError,
      });
      for (const vf of mf.versions ?? []) {
        let runId = vf.run_id;
        if (!runId && vf.run) {
          const t = trackingState(ws);
          const exp = Object.values(t.experiments).find((e) => e.name === vf.run!.experiment);
          const run = exp && Object.values(t.runs).find((r) => r.experiment_id === exp.experiment_id && r.run_name === vf.run!.name);
          if (!run) throw new Error(`Seed fixture: model '${mf.name}' refers to run '${vf.run.name}' in experiment '${vf.run.experiment}', which the tracking fixture does not define.`);
          runId = run.run_id;
        }
        const created = vf.created_at ?? now;
        const source =
          vf.source ?? (runId ? `dbfs:/databricks/mlflow-tracking/${trackingState(ws).runs[runId]?.experiment_id ?? '0'}/${runId}/artifacts/model` : 'dbfs:/emulator/seed');
        const v = createVersion(ws, model, { now: created, principal, source, runId, description: vf.description, tags: vf.tags, modelId: vf.model_id });
        const dir = versionFilesPath(model.full_name, v.version);
        const mlmodel = typeof vf.mlmodel === 'string' ? vf.mlmodel : vf.mlmodel ? toYaml(vf.mlmodel) : defaultMlmodel(runId, created, vf.signature);
        if (vf.status !== 'FAILED_REGISTRATION') writeFile(ws, `${dir}/MLmodel`, mlmodel, now);
        for (const [p, content] of Object.entries(vf.files ?? {})) {
          writeFile(ws, `${dir}/${p}`, typeof content === 'string' ? Buffer.from(content) : Buffer.from(content.base64, 'base64'), now);
        }
        if (vf.status === 'PENDING_REGISTRATION') continue;
        finalizeVersion(ws, model, v, created);
      }
      for (const [alias, n] of Object.entries(mf.aliases ?? {})) {
        if (!model.versions[String(n)]) throw new Error(`Seed fixture: alias '${alias}' of '${mf.name}' points at missing version ${n}.`);
        model.aliases[checkAlias(alias)] = n;
      }
    }
  },
  routes(routeTable: RouteTable, ctx: EmulatorContext) {
    // Strict `uc-not-found-code`: every "does not exist" of these routes answers NOT_FOUND.
    const table: RouteTable = {
      add: (method, pattern, handler) =>
        routeTable.add(method, pattern, async (req) => {
          try {
            return await handler(req);
          } catch (e) {
            if (e instanceof DatabricksApiError && e.errorCode === 'RESOURCE_DOES_NOT_EXIST' && ctx.strict('uc-not-found-code')) {
              throw new DatabricksApiError(e.status, 'NOT_FOUND', e.message, e.headers);
            }
            throw e;
          }
        }),
    };
    const now = () => ctx.clock.now();
    const changed = <T>(body: T) => {
      ctx.changed();
      return { body };
    };
    const tagRules = (what: string, existing: Readonly<Record<string, string>>, incoming: Readonly<Record<string, string>>) => {
      if (ctx.strict('uc-tag-rules')) checkUcTags(what, existing, incoming);
    };
    /** Deleting an alias or tag that is not there: silent (OSS MLflow) or 404 (strict `uc-delete-missing`). */
    const missingOnDelete = (message: string): void => {
      if (ctx.strict('uc-delete-missing')) throw notFound(message);
    };
    const aliasTarget = (model: ModelRecord, version: VersionRecord): void => {
      if (ctx.strict('uc-alias-on-pending') && version.status !== 'READY') {
        throw new DatabricksApiError(
          400,
          'INVALID_STATE',
          `Model version ${model.full_name}/${version.version} is ${version.status}; an alias can only point at a READY version.`,
        );
      }
    };
    const missingAlias = (model: ModelRecord, alias: string) =>
      ctx.strict('uc-missing-alias-code')
        ? invalidParameter(`Registered model alias ${alias} not found.`)
        : notFound(`Alias '${alias}' does not exist on registered model '${model.full_name}'.`);
    const noChange = (changed: boolean): void => {
      if (!changed && ctx.strict('uc-update-no-change')) throw invalidParameter('No updated fields defined.');
    };
    const uc = '/api/2.0/mlflow/unity-catalog';
    const mlflowDuplicate = (name: string) => () => new DatabricksApiError(400, 'RESOURCE_ALREADY_EXISTS', `Registered model '${name}' already exists.`);

    // --- MLflow protocol: registered models
    table.add('POST', `${uc}/registered-models/create`, (req) => {
      const name = reqString(req, 'name');
      // "must have the CREATE MODEL or CREATE FUNCTION privilege on the parent schema" (create-registered-model docs).
      const schemaOf = name.toLowerCase().split('.').slice(0, 2).join('.');
      authorize(req.workspace, req.principal, { type: 'schema', name: schemaOf, anyOf: ['USE_SCHEMA'] });
      authorize(req.workspace, req.principal, { type: 'schema', name: schemaOf, anyOf: ['CREATE_MODEL', 'CREATE_FUNCTION'] });
      const tags = tagsFromInput(field(req, 'tags'));
      tagRules(`registered model ${name}`, {}, tags);
      const m = createModel(req.workspace, name, {
        now: now(),
        principal: req.principal,
        description: optString(req, 'description'),
        tags,
        duplicate: mlflowDuplicate(name),
      });
      return changed({ registered_model: mlflowModel(m) });
    });
    table.add('GET', `${uc}/registered-models/get`, (req) => ({ body: { registered_model: mlflowModel(getModel(req.workspace, reqString(req, 'name'))) } }));
    table.add('PATCH', `${uc}/registered-models/update`, (req) => {
      const m = getModel(req.workspace, reqString(req, 'name'));
      const description = optString(req, 'description');
      const newName = optString(req, 'new_name');
      noChange(description !== undefined || Boolean(newName));
      if (description !== undefined) m.description = description;
      if (newName) renameModel(req.workspace, m, newName, mlflowDuplicate(newName));
      m.updated_at = now();
      m.updated_by = req.principal;
      return changed({ registered_model: mlflowModel(m) });
    });
    table.add('DELETE', `${uc}/registered-models/delete`, (req) => {
      const m = getModel(req.workspace, reqString(req, 'name'));
      deleteModel(req.workspace, m);
      return changed({});
    });
    table.add('GET', `${uc}/registered-models/search`, (req) => {
      // mlflow refuses filter and order_by for UC registered-model search client-side.
      if (optString(req, 'filter') || req.query.getAll('order_by').length > 0) {
        throw invalidParameter('Unity Catalog registered model search takes no filter and no order_by.');
      }
      const max = optInt(req, 'max_results') ?? 100;
      if (max < 1 || max > 1000) throw invalidParameter(`max_results must be between 1 and 1000, got ${max}.`);
      const all = Object.values(registryState(req.workspace).models).sort((a, b) => a.full_name.localeCompare(b.full_name));
      const page = paginate(all, max, optString(req, 'page_token'));
      return { body: compact({ registered_models: page.items.map((m) => mlflowModel(m, { search: true })), next_page_token: page.nextPageToken }) };
    });
    for (const path of ['set-tag', 'tags']) {
      table.add('POST', `${uc}/registered-models/${path}`, (req) => {
        const m = getModel(req.workspace, reqString(req, 'name'));
        authorize(req.workspace, req.principal, { type: 'function', name: m.full_name, anyOf: ['OWNER', 'APPLY_TAG'] });
        const key = reqString(req, 'key');
        const value = optString(req, 'value') ?? '';
        tagRules(`registered model ${m.full_name}`, m.tags, { [key]: value });
        m.tags[key] = value;
        m.updated_at = now();
        return changed({});
      });
    }
    for (const path of ['delete-tag', 'tags']) {
      table.add('DELETE', `${uc}/registered-models/${path}`, (req) => {
        const m = getModel(req.workspace, reqString(req, 'name'));
        const key = reqString(req, 'key');
        if (m.tags[key] === undefined) {
          missingOnDelete(`Tag '${key}' not found on registered model '${m.full_name}'.`);
          return { body: {} };
        }
        delete m.tags[key];
        return changed({});
      });
    }
    table.add('POST', `${uc}/registered-models/alias`, (req) => {
      const { model, version } = getVersion(req.workspace, reqString(req, 'name'), reqString(req, 'version'));
      authorize(req.workspace, req.principal, { type: 'function', name: model.full_name, anyOf: ['OWNER'] });
      const alias = checkAlias(reqString(req, 'alias'));
      aliasTarget(model, version);
      model.aliases[alias] = version.version;
      model.updated_at = now();
      return changed({});
    });
    table.add('DELETE', `${uc}/registered-models/alias`, (req) => {
      const m = getModel(req.workspace, reqString(req, 'name'));
      const alias = reqString(req, 'alias').toLowerCase();
      if (m.aliases[alias] === undefined) {
        missingOnDelete(`Alias '${alias}' does not exist on registered model '${m.full_name}'.`);
        return { body: {} };
      }
      delete m.aliases[alias];
      return changed({});
    });
    table.add('GET', `${uc}/registered-models/alias`, (req) => {
      const m = getModel(req.workspace, reqString(req, 'name'));
      const alias = reqString(req, 'alias').toLowerCase();
      const n = m.aliases[alias];
      if (n === undefined) throw missingAlias(m, alias);
      return { body: { model_version: mlflowVersion(m, m.versions[String(n)]!) } };
    });
    table.add('GET', `${uc}/registered-models:is-databricks-sdk-models-artifact-repository-enabled`, (req) => {
      const flag = registryState(req.workspace).files_api_for_models;
      return { body: flag === null ? {} : { is_databricks_sdk_models_artifact_repository_enabled: flag ?? true } };
    });

    // --- MLflow protocol: model versions
    table.add('POST', `${uc}/model-versions/create`, (req) => {
      const m = getModel(req.workspace, reqString(req, 'name'));
      // "the caller must be the owner of the registered model" (SDK catalog.py ModelVersionsAPI).
      authorize(req.workspace, req.principal, { type: 'function', name: m.full_name, anyOf: ['OWNER'] });
      const deps = field(req, 'model_version_dependencies');
      const tags = tagsFromInput(field(req, 'tags'));
      tagRules(`model version ${m.full_name}/${m.next_version}`, {}, tags);
      const v = createVersion(req.workspace, m, {
        now: now(),
        principal: req.principal,
        source: reqString(req, 'source'),
        runId: optString(req, 'run_id'),
        description: optString(req, 'description'),
        tags,
        modelId: optString(req, 'model_id'),
        runTrackingServerId: optString(req, 'run_tracking_server_id'),
        dependencies: Array.isArray(deps) ? deps : undefined,
      });
      return changed({ model_version: mlflowVersion(m, v) });
    });
    table.add('POST', `${uc}/model-versions/finalize`, (req) => {
      const { model, version } = getVersion(req.workspace, reqString(req, 'name'), reqString(req, 'version'));
      if (version.status === 'READY' && ctx.strict('uc-finalize-not-pending')) {
        throw new DatabricksApiError(400, 'INVALID_STATE', `Model version ${model.full_name}/${version.version} is not in a pending registration state (it is READY).`);
      }
      finalizeVersion(req.workspace, model, version, now());
      return changed({ model_version: mlflowVersion(model, version) });
    });
    table.add('POST', `${uc}/model-versions/generate-temporary-credentials`, (req) => {
      const { version } = getVersion(req.workspace, reqString(req, 'name'), reqString(req, 'version'));
      const operation = optString(req, 'operation') ?? 'MODEL_VERSION_OPERATION_READ';
      if (operation === 'MODEL_VERSION_OPERATION_READ_WRITE' && version.status !== 'PENDING_REGISTRATION') {
        throw new DatabricksApiError(400, 'INVALID_STATE', `Write credentials are only issued while a version is PENDING_REGISTRATION; it is ${version.status}.`);
      }
      // DEFAULT_STORAGE makes the mlflow client move files through Files API presigned URLs
      // (/api/2.0/fs/create-upload-url, create-download-url), which this emulator serves.
      return { body: { credentials: { storage_mode: 'DEFAULT_STORAGE', expiration_time: now() + 15 * 60 * 1000 } } };
    });
    table.add('GET', `${uc}/model-versions/get`, (req) => {
      const { model, version } = getVersion(req.workspace, reqString(req, 'name'), reqString(req, 'version'));
      return { body: { model_version: mlflowVersion(model, version) } };
    });
    table.add('PATCH', `${uc}/model-versions/update`, (req) => {
      const { model, version } = getVersion(req.workspace, reqString(req, 'name'), reqString(req, 'version'));
      const description = optString(req, 'description');
      noChange(description !== undefined);
      if (description !== undefined) version.description = description;
      version.updated_at = now();
      version.updated_by = req.principal;
      return changed({ model_version: mlflowVersion(model, version) });
    });
    table.add('DELETE', `${uc}/model-versions/delete`, (req) => {
      const { model, version } = getVersion(req.workspace, reqString(req, 'name'), reqString(req, 'version'));
      deleteVersion(req.workspace, model, version);
      return changed({});
    });
    table.add('GET', `${uc}/model-versions/search`, (req) => {
      const filter = parseVersionFilter(optString(req, 'filter'));
      if (!filter && ctx.strict('uc-search-no-filter')) {
        throw invalidParameter(`Missing filter: Unity Catalog model version search needs name='<catalog>.<schema>.<model>'.`);
      }
      if (filter?.key === 'run_id' && ctx.strict('uc-search-run-id')) {
        throw invalidParameter(`Unsupported filter '${optString(req, 'filter')}'. Unity Catalog model version search accepts only name='<catalog>.<schema>.<model>'.`);
      }
      const max = optInt(req, 'max_results') ?? 10000;
      if (max < 1 || max > 10000) throw invalidParameter(`max_results must be between 1 and 10000, got ${max}.`);
      let models = Object.values(registryState(req.workspace).models);
      if (filter?.key === 'name') {
        const [c, s, m] = splitName(filter.value);
        const full = `${c}.${s}.${m}`;
        models = models.filter((x) => x.full_name === full);
        if (models.length === 0 && !ctx.strict('uc-search-missing-model')) {
          requireSchema(req.workspace, c, s);
          throw missingModel(full);
        }
      }
      const all = models
        .flatMap((m) => Object.values(m.versions).map((v) => ({ m, v })))
        .filter(({ v }) => filter?.key !== 'run_id' || v.run_id === filter.value)
        .sort((a, b) => a.m.full_name.localeCompare(b.m.full_name) || b.v.version - a.v.version);
      const page = paginate(all, max, optString(req, 'page_token'));
      return { body: compact({ model_versions: page.items.map(({ m, v }) => mlflowVersion(m, v, { search: true })), next_page_token: page.nextPageToken }) };
    });
    table.add('GET', `${uc}/model-versions/get-download-uri`, (req) => {
      const { version } = getVersion(req.workspace, reqString(req, 'name'), reqString(req, 'version'));
      return { body: { artifact_uri: version.storage_location } };
    });
    for (const path of ['set-tag', 'tags']) {
      table.add('POST', `${uc}/model-versions/${path}`, (req) => {
        const { model, version } = getVersion(req.workspace, reqString(req, 'name'), reqString(req, 'version'));
        authorize(req.workspace, req.principal, { type: 'function', name: model.full_name, anyOf: ['OWNER', 'APPLY_TAG'] });
        const key = reqString(req, 'key');
        const value = optString(req, 'value') ?? '';
        tagRules(`model version ${model.full_name}/${version.version}`, version.tags, { [key]: value });
        version.tags[key] = value;
        version.updated_at = now();
        return changed({});
      });
    }
    for (const path of ['delete-tag', 'tags']) {
      table.add('DELETE', `${uc}/model-versions/${path}`, (req) => {
        const { model, version } = getVersion(req.workspace, reqString(req, 'name'), reqString(req, 'version'));
        const key = reqString(req, 'key');
        if (version.tags[key] === undefined) {
          missingOnDelete(`Tag '${key}' not found on model version ${model.full_name}/${version.version}.`);
          return { body: {} };
        }
        delete version.tags[key];
        return changed({});
      });
    }
    table.add('POST', `${uc}/model-versions/emit-lineage`, () => ({ body: {} }));

    // --- REST 2.1
    const rest = '/api/2.1/unity-catalog/models';
    const restDuplicate = (name: string) => () => new DatabricksApiError(409, 'RESOURCE_ALREADY_EXISTS', `Registered model '${name}' already exists.`);
    const includeAliases = (req: EmulatorRequest) => (req.query.get('include_aliases') ?? '').toLowerCase() === 'true';
    table.add('POST', rest, (req) => {
      const full = optString(req, 'full_name') ?? `${reqString(req, 'catalog_name')}.${reqString(req, 'schema_name')}.${reqString(req, 'name')}`;
      const m = createModel(req.workspace, full, { now: now(), principal: req.principal, description: optString(req, 'comment'), duplicate: restDuplicate(full) });
      return changed(restModel(m, true));
    });
    table.add('GET', rest, (req) => {
      const catalog = optString(req, 'catalog_name');
      const schema = optString(req, 'schema_name');
      if ((catalog === undefined) !== (schema === undefined)) throw invalidParameter('Pass both catalog_name and schema_name, or neither.');
      if (catalog && schema) requireSchema(req.workspace, catalog, schema);
      const max = optInt(req, 'max_results') ?? 0;
      if (max < 0) throw invalidParameter('max_results must be >= 0.');
      const all = Object.values(registryState(req.workspace).models)
        .filter((m) => !catalog || (m.catalog_name === catalog.toLowerCase() && m.schema_name === schema!.toLowerCase()))
        .sort((a, b) => a.full_name.localeCompare(b.full_name));
      // SDK catalog.py RegisteredModelsAPI.list: with catalog and schema the page defaults to and is
      // capped at 10000; otherwise 100 and 1000.
      const [byDefault, cap] = catalog && schema ? [10000, 10000] : [100, 1000];
      const page = paginate(all, max === 0 ? byDefault : Math.min(max, cap), optString(req, 'page_token'));
      return { body: compact({ registered_models: page.items.map((m) => restModel(m, false)), next_page_token: page.nextPageToken }) };
    });
    table.add('GET', `${rest}/:full_name`, (req) => ({ body: restModel(getModel(req.workspace, req.params.full_name!), includeAliases(req)) }));
    table.add('PATCH', `${rest}/:full_name`, (req) => {
      const m = getModel(req.workspace, req.params.full_name!);
      const comment = optString(req, 'comment');
      const owner = optString(req, 'owner');
      const newName = optString(req, 'new_name');
      noChange(comment !== undefined || Boolean(owner) || Boolean(newName));
      if (comment !== undefined) m.description = comment;
      if (owner) m.owner = owner;
      if (newName) renameModel(req.workspace, m, newName.includes('.') ? newName : `${m.catalog_name}.${m.schema_name}.${newName}`, restDuplicate(newName));
      m.updated_at = now();
      m.updated_by = req.principal;
      return changed(restModel(m, true));
    });
    table.add('DELETE', `${rest}/:full_name`, (req) => {
      deleteModel(req.workspace, getModel(req.workspace, req.params.full_name!));
      return changed({});
    });
    table.add('PUT', `${rest}/:full_name/aliases/:alias`, (req) => {
      const versionNum = optInt(req, 'version_num');
      if (versionNum === undefined) throw invalidParameter('Missing required field: version_num');
      const { model, version } = getVersion(req.workspace, req.params.full_name!, versionNum);
      const alias = checkAlias(req.params.alias!);
      aliasTarget(model, version);
      model.aliases[alias] = version.version;
      model.updated_at = now();
      return changed(restAlias(model, alias, version.version));
    });
    table.add('DELETE', `${rest}/:full_name/aliases/:alias`, (req) => {
      const m = getModel(req.workspace, req.params.full_name!);
      const alias = req.params.alias!.toLowerCase();
      if (m.aliases[alias] === undefined) {
        missingOnDelete(`Alias '${alias}' does not exist on registered model '${m.full_name}'.`);
        return { body: {} };
      }
      delete m.aliases[alias];
      return changed({});
    });
    table.add('GET', `${rest}/:full_name/aliases/:alias`, (req) => {
      const m = getModel(req.workspace, req.params.full_name!);
      const n = m.aliases[req.params.alias!.toLowerCase()];
      if (n === undefined) throw missingAlias(m, req.params.alias!.toLowerCase());
      return { body: restVersion(req.workspace, m, m.versions[String(n)]!, includeAliases(req)) };
    });
    table.add('GET', `${rest}/:full_name/versions`, (req) => {
      const m = getModel(req.workspace, req.params.full_name!);
      const max = optInt(req, 'max_results') ?? 0;
      if (max < 0) throw invalidParameter('max_results must be >= 0.');
      const all = Object.values(m.versions).sort((a, b) => b.version - a.version);
      const page = paginate(all, max === 0 ? 100 : Math.min(max, 1000), optString(req, 'page_token'));
      return { body: compact({ model_versions: page.items.map((v) => restVersion(req.workspace, m, v, false)), next_page_token: page.nextPageToken }) };
    });
    table.add('GET', `${rest}/:full_name/versions/:version`, (req) => {
      const { model, version } = getVersion(req.workspace, req.params.full_name!, req.params.version!);
      return { body: restVersion(req.workspace, model, version, includeAliases(req)) };
    });
    table.add('PATCH', `${rest}/:full_name/versions/:version`, (req) => {
      const { model, version } = getVersion(req.workspace, req.params.full_name!, req.params.version!);
      const comment = optString(req, 'comment');
      noChange(comment !== undefined);
      if (comment !== undefined) version.description = comment;
      version.updated_at = now();
      version.updated_by = req.principal;
      return changed(restVersion(req.workspace, model, version, true));
    });
    table.add('DELETE', `${rest}/:full_name/versions/:version`, (req) => {
      const { model, version } = getVersion(req.workspace, req.params.full_name!, req.params.version!);
      deleteVersion(req.workspace, model, version);
      return changed({});
    });
  },
};

const renameModel = (ws: Workspace, m: ModelRecord, rawNew: string, duplicate: () => DatabricksApiError): void => {
  const [c, s, n] = splitName(rawNew);
  requireSchema(ws, c, s);
  const full = `${c}.${s}.${n}`;
  const st = registryState(ws);
  if (full === m.full_name) return;
  if (st.models[full]) throw duplicate();
  const oldDir = versionFilesPath(m.full_name, '').replace(/\/$/, '');
  copyTree(ws, oldDir, ws, versionFilesPath(full, '').replace(/\/$/, ''), m.updated_at);
  deleteTree(ws, oldDir);
  delete st.models[m.full_name];
  m.full_name = full;
  m.catalog_name = c;
  m.schema_name = s;
  m.name = n;
  st.models[full] = m;
};

const deleteModel = (ws: Workspace, m: ModelRecord): void => {
  deleteTree(ws, versionFilesPath(m.full_name, '').replace(/\/$/, ''));
  delete registryState(ws).models[m.full_name];
};

const deleteVersion = (ws: Workspace, m: ModelRecord, v: VersionRecord): void => {
  for (const [alias, n] of Object.entries(m.aliases)) if (n === v.version) delete m.aliases[alias];
  deleteTree(ws, versionFilesPath(m.full_name, v.version));
  delete m.versions[String(v.version)];
};

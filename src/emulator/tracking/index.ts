// MLflow tracking as a Databricks workspace serves it: experiments, runs, metrics, params, tags,
// MLflow 3 logged models, and artifact listing. Artifacts themselves live in the Files API store
// under `/WorkspaceInternal/Mlflow/Artifacts/<experiment>/Runs/<run>/...` and
// `.../LoggedModels/<model_id>/...`, which is where the mlflow client writes them for
// `dbfs:/databricks/mlflow-tracking/...` artifact URIs (its DatabricksRunArtifactRepository).

import { randomUUID } from 'node:crypto';
import { DatabricksApiError, type EmulatorContext, type EmulatorModule, type EmulatorRequest, type RouteTable, type Workspace } from '../types.js';
import { compact, field, hexId, invalidParameter, notFound, optInt, optString, paginate, reqString, slice, tagsFromInput, tagsToList } from '../core/helpers.js';
import { listTree, writeFile } from '../files/index.js';

export const TRACKING_MODULE = 'tracking';

export interface MetricPoint {
  value: number;
  timestamp: number;
  step: number;
  model_id?: string;
}

export interface ExperimentRecord {
  experiment_id: string;
  name: string;
  artifact_location: string;
  lifecycle_stage: 'active' | 'deleted';
  creation_time: number;
  last_update_time: number;
  tags: Record<string, string>;
}

export interface RunRecord {
  run_id: string;
  experiment_id: string;
  run_name: string;
  user_id: string;
  status: string;
  start_time: number;
  end_time?: number;
  artifact_uri: string;
  lifecycle_stage: 'active' | 'deleted';
  params: Record<string, string>;
  tags: Record<string, string>;
  metrics: Record<string, MetricPoint[]>;
  dataset_inputs: unknown[];
  model_inputs: Array<{ model_id: string }>;
  model_outputs: Array<{ model_id: string; step: number }>;
}

export interface LoggedModelRecord {
  model_id: string;
  experiment_id: string;
  name: string;
  artifact_uri: string;
  status: string;
  creation_timestamp_ms: number;
  last_updated_timestamp_ms: number;
  creator_id: string;
  model_type?: string;
  source_run_id?: string;
  status_message?: string;
  tags: Record<string, string>;
  params: Record<string, string>;
}

export interface TrackingState {
  experiments: Record<string, ExperimentRecord>;
  nextExperimentId: number;
  runs: Record<string, RunRecord>;
  loggedModels: Record<string, LoggedModelRecord>;
}

export const trackingState = (ws: Workspace): TrackingState => {
  const s = slice<TrackingState | undefined>(ws, TRACKING_MODULE);
  if (!s) throw new Error('The tracking module is not installed in this emulator.');
  return s;
};

export const runArtifactRoot = (run: Pick<RunRecord, 'experiment_id' | 'run_id'>): string =>
  `/WorkspaceInternal/Mlflow/Artifacts/${run.experiment_id}/Runs/${run.run_id}/artifacts`;

export const loggedModelArtifactRoot = (m: Pick<LoggedModelRecord, 'experiment_id' | 'model_id'>): string =>
  `/WorkspaceInternal/Mlflow/Artifacts/${m.experiment_id}/LoggedModels/${m.model_id}/artifacts`;

/** Map a `dbfs:/databricks/mlflow-tracking/...` artifact URI to its Files API path, if it is one. */
export const trackingUriToFilesPath = (uri: string): string | undefined => {
  const lm = uri.match(/databricks\/mlflow-tracking\/([^/]+)\/logged_models\/([^/]+)(\/.*)?$/);
  if (lm) return `/WorkspaceInternal/Mlflow/Artifacts/${lm[1]}/LoggedModels/${lm[2]}${lm[3] ?? ''}`;
  const run = uri.match(/databricks\/mlflow-tracking\/([^/]+)\/([^/]+)(\/.*)?$/);
  if (run) return `/WorkspaceInternal/Mlflow/Artifacts/${run[1]}/Runs/${run[2]}${run[3] ?? ''}`;
  return undefined;
};

export const getRun = (ws: Workspace, runId: string): RunRecord => {
  const run = trackingState(ws).runs[runId];
  if (!run) throw notFound(`Run '${runId}' not found.`);
  return run;
};

const latestMetrics = (run: RunRecord) =>
  Object.entries(run.metrics).flatMap(([key, points]) => {
    if (points.length === 0) return [];
    // Latest = highest step, then latest timestamp (MLflow's rule).
    const latest = points.reduce((a, b) => (b.step > a.step || (b.step === a.step && b.timestamp >= a.timestamp) ? b : a));
    return [compact({ key, value: latest.value, timestamp: latest.timestamp, step: latest.step, model_id: latest.model_id })];
  });

export const runInfo = (run: RunRecord) =>
  compact({
    run_id: run.run_id,
    run_uuid: run.run_id,
    run_name: run.run_name,
    experiment_id: run.experiment_id,
    user_id: run.user_id,
    status: run.status,
    start_time: run.start_time,
    end_time: run.end_time,
    artifact_uri: run.artifact_uri,
    lifecycle_stage: run.lifecycle_stage,
  });

export const runJson = (run: RunRecord) => ({
  info: runInfo(run),
  data: compact({ metrics: latestMetrics(run), params: tagsToList(run.params), tags: tagsToList(run.tags) }),
  inputs: compact({ dataset_inputs: run.dataset_inputs, model_inputs: run.model_inputs }),
  outputs: compact({ model_outputs: run.model_outputs }),
});

const experimentJson = (e: ExperimentRecord) =>
  compact({
    experiment_id: e.experiment_id,
    name: e.name,
    artifact_location: e.artifact_location,
    lifecycle_stage: e.lifecycle_stage,
    creation_time: e.creation_time,
    last_update_time: e.last_update_time,
    tags: tagsToList(e.tags),
  });

const loggedModelJson = (ws: Workspace, m: LoggedModelRecord) => {
  const metrics = Object.values(trackingState(ws).runs).flatMap((r) =>
    Object.entries(r.metrics).flatMap(([key, pts]) =>
      pts.filter((p) => p.model_id === m.model_id).map((p) => ({ key, value: p.value, timestamp: p.timestamp, step: p.step, run_id: r.run_id, model_id: m.model_id })),
    ),
  );
  return {
    info: compact({
      model_id: m.model_id,
      experiment_id: m.experiment_id,
      name: m.name,
      artifact_uri: m.artifact_uri,
      status: m.status,
      status_message: m.status_message,
      creation_timestamp_ms: m.creation_timestamp_ms,
      last_updated_timestamp_ms: m.last_updated_timestamp_ms,
      // int64 user id on the wire (LoggedModelInfo.creator_id).
      creator_id: numericUserId(m.creator_id),
      model_type: m.model_type,
      source_run_id: m.source_run_id,
      tags: tagsToList(m.tags),
    }),
    data: compact({ params: tagsToList(m.params), metrics }),
  };
};

/** A stable numeric id for a principal, where the proto wants an int64 user id. */
export const numericUserId = (principal: string): number =>
  Math.abs([...principal].reduce((h, c) => (h * 31 + c.charCodeAt(0)) | 0, 7));

export const createExperiment = (ws: Workspace, name: string, now: number, tags: Record<string, string> = {}): ExperimentRecord => {
  const s = trackingState(ws);
  if (!name.startsWith('/')) {
    throw invalidParameter(`Got an invalid experiment name '${name}': on Databricks an experiment name is an absolute workspace path, e.g. '/Shared/churn' or '/Users/<user>/churn'.`);
  }
  if (Object.values(s.experiments).some((e) => e.name === name && e.lifecycle_stage === 'active')) {
    throw new DatabricksApiError(400, 'RESOURCE_ALREADY_EXISTS', `Node named '${name}' already exists`);
  }
  const id = String(s.nextExperimentId++);
  const exp: ExperimentRecord = {
    experiment_id: id,
    name,
    artifact_location: `dbfs:/databricks/mlflow-tracking/${id}`,
    lifecycle_stage: 'active',
    creation_time: now,
    last_update_time: now,
    tags,
  };
  s.experiments[id] = exp;
  return exp;
};

export const createRun = (
  ws: Workspace,
  opts: { experimentId: string; runName?: string; userId: string; startTime: number; tags?: Record<string, string>; runId?: string },
): RunRecord => {
  const s = trackingState(ws);
  const exp = s.experiments[opts.experimentId];
  if (!exp) throw notFound(`Experiment with id '${opts.experimentId}' does not exist.`);
  const runId = opts.runId ?? hexId();
  const tags = { ...(opts.tags ?? {}) };
  const runName = opts.runName ?? tags['mlflow.runName'] ?? `run-${runId.slice(0, 8)}`;
  tags['mlflow.runName'] = runName;
  tags['mlflow.user'] ??= opts.userId;
  const run: RunRecord = {
    run_id: runId,
    experiment_id: exp.experiment_id,
    run_name: runName,
    user_id: opts.userId,
    status: 'RUNNING',
    start_time: opts.startTime,
    artifact_uri: `dbfs:/databricks/mlflow-tracking/${exp.experiment_id}/${runId}/artifacts`,
    lifecycle_stage: 'active',
    params: {},
    tags,
    metrics: {},
    dataset_inputs: [],
    model_inputs: [],
    model_outputs: [],
  };
  s.runs[runId] = run;
  return run;
};

export const logMetric = (run: RunRecord, key: string, point: MetricPoint): void => {
  const points = (run.metrics[key] ??= []);
  // Same (timestamp, step, value) is the same metric (MLflow's metrics primary key); MLflow 3
  // re-logs a run's metrics with a model_id when it links them to a logged model.
  const same = points.find((p) => p.timestamp === point.timestamp && p.step === point.step && Object.is(p.value, point.value));
  if (same) {
    same.model_id ??= point.model_id;
    return;
  }
  points.push(point);
};

export const logParam = (run: RunRecord, key: string, value: string): void => {
  const old = run.params[key];
  if (old !== undefined && old !== value) {
    throw invalidParameter(
      `Changing param values is not allowed. Param with key='${key}' was already logged with value='${old}' for run ID='${run.run_id}'. Attempted logging new value '${value}'.`,
    );
  }
  run.params[key] = value;
};

const requireActiveRun = (ws: Workspace, runId: string): RunRecord => {
  const run = getRun(ws, runId);
  if (run.lifecycle_stage !== 'active') throw invalidParameter(`The run ${runId} must be in the 'active' state. Current state is ${run.lifecycle_stage}.`);
  return run;
};

const toNumber = (v: unknown): number => {
  if (typeof v === 'number') return v;
  if (v === 'NaN') return NaN;
  if (v === 'Infinity') return Infinity;
  if (v === '-Infinity') return -Infinity;
  const n = Number(v);
  if (Number.isNaN(n)) throw invalidParameter(`Metric value '${String(v)}' is not a number.`);
  return n;
};

// ---- run search: the subset of MLflow's filter grammar that pipelines use ---------------------

type Clause = { entity: 'metrics' | 'params' | 'tags' | 'attributes'; key: string; op: string; value: string | number | string[] };

const parseFilter = (filter: string | undefined): Clause[] => {
  if (!filter || !filter.trim()) return [];
  return filter.split(/\s+and\s+/i).map((raw) => {
    const m = raw
      .trim()
      .match(/^(?:(metrics?|params?|parameters?|tags?|attributes?|attr|run)\.)?(`[^`]+`|"[^"]+"|[\w.-]+)\s*(=|!=|<=|>=|<|>|LIKE|ILIKE|IN|NOT IN)\s*(.+)$/i);
    if (!m) throw invalidParameter(`Invalid filter clause '${raw.trim()}'. Expected e.g. "metrics.auc > 0.8", "tags.team = 'x'" or "attributes.status = 'FINISHED'".`);
    const prefix = (m[1] ?? 'attributes').toLowerCase();
    const entity = prefix.startsWith('metric') ? 'metrics' : prefix.startsWith('param') ? 'params' : prefix.startsWith('tag') ? 'tags' : 'attributes';
    const key = m[2]!.replace(/^[`"]|[`"]$/g, '');
    const op = m[3]!.toUpperCase();
    const rawValue = m[4]!.trim();
    let value: string | number | string[];
    if (op === 'IN' || op === 'NOT IN') value = [...rawValue.matchAll(/'([^']*)'|"([^"]*)"/g)].map((x) => x[1] ?? x[2] ?? '');
    else if (/^'.*'$|^".*"$/.test(rawValue)) value = rawValue.slice(1, -1);
    else if (entity === 'metrics' || /^-?\d+(\.\d+)?$/.test(rawValue)) value = Number(rawValue);
    else value = rawValue;
    return { entity, key, op, value };
  });
};

const likeToRegExp = (pattern: string, flags: string): RegExp =>
  new RegExp('^' + pattern.replace(/[.+?^${}()|[\]\\*]/g, '\\$&').replace(/%/g, '.*').replace(/_/g, '.') + '$', flags);

const compare = (actual: string | number | undefined, op: string, expected: string | number | string[]): boolean => {
  if (actual === undefined) return op === '!=' || op === 'NOT IN';
  switch (op) {
    case '=':
      return String(actual) === String(expected);
    case '!=':
      return String(actual) !== String(expected);
    case '>':
      return Number(actual) > Number(expected);
    case '>=':
      return Number(actual) >= Number(expected);
    case '<':
      return Number(actual) < Number(expected);
    case '<=':
      return Number(actual) <= Number(expected);
    case 'LIKE':
      return likeToRegExp(String(expected), '').test(String(actual));
    case 'ILIKE':
      return likeToRegExp(String(expected), 'i').test(String(actual));
    case 'IN':
      return (expected as string[]).includes(String(actual));
    case 'NOT IN':
      return !(expected as string[]).includes(String(actual));
    default:
      return false;
  }
};

const attribute = (run: RunRecord, key: string): string | number | undefined => {
  switch (key) {
    case 'run_id':
    case 'run_uuid':
      return run.run_id;
    case 'run_name':
      return run.run_name;
    case 'status':
      return run.status;
    case 'start_time':
      return run.start_time;
    case 'end_time':
      return run.end_time;
    case 'user_id':
      return run.user_id;
    case 'artifact_uri':
      return run.artifact_uri;
    default:
      throw invalidParameter(`Invalid attribute key '${key}' in filter.`);
  }
};

const matches = (run: RunRecord, clauses: Clause[]): boolean =>
  clauses.every((c) => {
    if (c.entity === 'metrics') {
      const latest = latestMetrics(run).find((m) => m.key === c.key);
      return compare(latest?.value, c.op, c.value);
    }
    if (c.entity === 'params') return compare(run.params[c.key], c.op, c.value);
    if (c.entity === 'tags') return compare(run.tags[c.key], c.op, c.value);
    return compare(attribute(run, c.key), c.op, c.value);
  });

const sortRuns = (runs: RunRecord[], orderBy: string[]): RunRecord[] => {
  const keys = orderBy.length > 0 ? orderBy : ['attributes.start_time DESC'];
  const parsed = keys.map((k) => {
    const m = k.trim().match(/^(?:(metrics?|params?|tags?|attributes?)\.)?(`[^`]+`|[\w.-]+)(?:\s+(ASC|DESC))?$/i);
    if (!m) throw invalidParameter(`Invalid order_by clause '${k}'.`);
    return { entity: (m[1] ?? 'attributes').toLowerCase(), key: m[2]!.replace(/`/g, ''), desc: (m[3] ?? 'ASC').toUpperCase() === 'DESC' };
  });
  const valueOf = (r: RunRecord, e: string, key: string): string | number | undefined =>
    e.startsWith('metric') ? latestMetrics(r).find((m) => m.key === key)?.value : e.startsWith('param') ? r.params[key] : e.startsWith('tag') ? r.tags[key] : attribute(r, key);
  return [...runs].sort((a, b) => {
    for (const p of parsed) {
      const va = valueOf(a, p.entity, p.key);
      const vb = valueOf(b, p.entity, p.key);
      if (va === vb) continue;
      if (va === undefined) return 1;
      if (vb === undefined) return -1;
      const cmp = typeof va === 'number' && typeof vb === 'number' ? va - vb : String(va).localeCompare(String(vb));
      return p.desc ? -cmp : cmp;
    }
    return a.run_id.localeCompare(b.run_id);
  });
};

// ---- fixture -----------------------------------------------------------------------------------

interface RunFixture {
  run_id?: string;
  name?: string;
  status?: string;
  start_time?: number;
  end_time?: number;
  user_id?: string;
  metrics?: Record<string, number | Array<{ value: number; step?: number; timestamp?: number }>>;
  params?: Record<string, string | number | boolean>;
  tags?: Record<string, string>;
  /** Artifact files: path relative to the run's artifact root → text or `{ base64 }`. */
  artifacts?: Record<string, string | { base64: string }>;
  /** Dataset inputs, as `mlflow.log_input` logs them (`context` becomes the `mlflow.data.context` input tag). */
  datasets?: Array<{ name: string; digest: string; context?: string; source_type?: string }>;
}

interface TrackingFixture {
  experiments?: Array<{ name: string; id?: string; tags?: Record<string, string>; runs?: RunFixture[] }>;
}

export const trackingModule: EmulatorModule = {
  name: TRACKING_MODULE,
  initState: (): TrackingState => ({ experiments: {}, nextExperimentId: 100000001, runs: {}, loggedModels: {} }),
  seed(ws, fixture, ctx) {
    const fx = fixture as TrackingFixture;
    const now = ctx.clock.now();
    const s = trackingState(ws);
    for (const e of fx.experiments ?? []) {
      const exp = createExperiment(ws, e.name, now, e.tags ?? {});
      if (e.id) {
        delete s.experiments[exp.experiment_id];
        exp.experiment_id = e.id;
        exp.artifact_location = `dbfs:/databricks/mlflow-tracking/${e.id}`;
        s.experiments[e.id] = exp;
      }
      for (const r of e.runs ?? []) {
        const start = r.start_time ?? now;
        const run = createRun(ws, { experimentId: exp.experiment_id, runName: r.name, userId: r.user_id ?? 'emulator-user@example.com', startTime: start, tags: r.tags, runId: r.run_id });
        run.status = r.status ?? 'FINISHED';
        if (run.status !== 'RUNNING') run.end_time = r.end_time ?? start + 60_000;
        for (const [k, v] of Object.entries(r.params ?? {})) run.params[k] = String(v);
        for (const [k, v] of Object.entries(r.metrics ?? {})) {
          const pts = Array.isArray(v) ? v : [{ value: v }];
          pts.forEach((p, i) => logMetric(run, k, { value: p.value, step: p.step ?? i, timestamp: p.timestamp ?? start + i }));
        }
        for (const d of r.datasets ?? []) {
          run.dataset_inputs.push({
            tags: d.context === undefined ? [] : [{ key: 'mlflow.data.context', value: d.context }],
            dataset: { name: d.name, digest: d.digest, source_type: d.source_type ?? 'code', source: '{}' },
          });
        }
        for (const [p, content] of Object.entries(r.artifacts ?? {})) {
          writeFile(ws, `${runArtifactRoot(run)}/${p}`, typeof content === 'string' ? Buffer.from(content) : Buffer.from(content.base64, 'base64'), now);
        }
      }
    }
  },
  routes(table: RouteTable, ctx: EmulatorContext) {
    const base = '/api/2.0/mlflow';
    const now = () => ctx.clock.now();
    const done = <T>(body: T) => {
      ctx.changed();
      return { body };
    };

    // Experiments
    table.add('POST', `${base}/experiments/create`, (req) => {
      const exp = createExperiment(req.workspace, reqString(req, 'name'), now(), tagsFromInput(field(req, 'tags')));
      return done({ experiment_id: exp.experiment_id });
    });
    table.add('GET', `${base}/experiments/get`, (req) => {
      const id = reqString(req, 'experiment_id');
      const exp = trackingState(req.workspace).experiments[id];
      if (!exp) throw notFound(`Experiment with id '${id}' does not exist.`);
      return { body: { experiment: experimentJson(exp) } };
    });
    table.add('GET', `${base}/experiments/get-by-name`, (req) => {
      const name = reqString(req, 'experiment_name');
      const exp = Object.values(trackingState(req.workspace).experiments).find((e) => e.name === name && e.lifecycle_stage === 'active');
      if (!exp) throw notFound(`Node ${name} does not exist.`);
      return { body: { experiment: experimentJson(exp) } };
    });
    const searchExperiments = (req: EmulatorRequest) => {
      const filter = optString(req, 'filter');
      const nameEq = filter?.match(/^\s*(?:attributes\.)?name\s*=\s*'([^']*)'\s*$/i)?.[1];
      const all = Object.values(trackingState(req.workspace).experiments).filter(
        (e) => e.lifecycle_stage === 'active' && (nameEq === undefined || e.name === nameEq),
      );
      const page = paginate(all, optInt(req, 'max_results') ?? 1000, optString(req, 'page_token'));
      return { body: compact({ experiments: page.items.map(experimentJson), next_page_token: page.nextPageToken }) };
    };
    table.add('POST', `${base}/experiments/search`, searchExperiments);
    table.add('GET', `${base}/experiments/search`, searchExperiments);
    table.add('POST', `${base}/experiments/set-experiment-tag`, (req) => {
      const exp = trackingState(req.workspace).experiments[reqString(req, 'experiment_id')];
      if (!exp) throw notFound(`Experiment does not exist.`);
      exp.tags[reqString(req, 'key')] = optString(req, 'value') ?? '';
      return done({});
    });

    // Runs
    table.add('POST', `${base}/runs/create`, (req) => {
      const run = createRun(req.workspace, {
        experimentId: reqString(req, 'experiment_id'),
        runName: optString(req, 'run_name'),
        userId: optString(req, 'user_id') || req.principal,
        startTime: optInt(req, 'start_time') ?? now(),
        tags: tagsFromInput(field(req, 'tags')),
      });
      return done({ run: runJson(run) });
    });
    table.add('GET', `${base}/runs/get`, (req) => {
      const id = optString(req, 'run_id') ?? reqString(req, 'run_uuid');
      return { body: { run: runJson(getRun(req.workspace, id)) } };
    });
    table.add('POST', `${base}/runs/update`, (req) => {
      const run = getRun(req.workspace, optString(req, 'run_id') ?? reqString(req, 'run_uuid'));
      const status = optString(req, 'status');
      if (status) {
        if (!['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED'].includes(status)) throw invalidParameter(`Invalid run status '${status}'.`);
        run.status = status;
      }
      const end = optInt(req, 'end_time');
      if (end !== undefined) run.end_time = end;
      const name = optString(req, 'run_name');
      if (name) {
        run.run_name = name;
        run.tags['mlflow.runName'] = name;
      }
      return done({ run_info: runInfo(run) });
    });
    table.add('POST', `${base}/runs/delete`, (req) => {
      getRun(req.workspace, reqString(req, 'run_id')).lifecycle_stage = 'deleted';
      return done({});
    });
    table.add('POST', `${base}/runs/restore`, (req) => {
      getRun(req.workspace, reqString(req, 'run_id')).lifecycle_stage = 'active';
      return done({});
    });
    table.add('POST', `${base}/runs/search`, (req) => {
      const ids = (field(req, 'experiment_ids') as unknown[] | undefined) ?? [];
      const viewType = optString(req, 'run_view_type') ?? 'ACTIVE_ONLY';
      const clauses = parseFilter(optString(req, 'filter'));
      const runs = Object.values(trackingState(req.workspace).runs).filter(
        (r) =>
          (ids.length === 0 || ids.map(String).includes(r.experiment_id)) &&
          (viewType === 'ALL' || (viewType === 'DELETED_ONLY' ? r.lifecycle_stage === 'deleted' : r.lifecycle_stage === 'active')) &&
          matches(r, clauses),
      );
      const ordered = sortRuns(runs, (field(req, 'order_by') as string[] | undefined) ?? []);
      const page = paginate(ordered, optInt(req, 'max_results') ?? 1000, optString(req, 'page_token'));
      return { body: compact({ runs: page.items.map(runJson), next_page_token: page.nextPageToken }) };
    });
    table.add('POST', `${base}/runs/log-metric`, (req) => {
      const run = requireActiveRun(req.workspace, optString(req, 'run_id') ?? reqString(req, 'run_uuid'));
      logMetric(run, reqString(req, 'key'), {
        value: toNumber(field(req, 'value')),
        timestamp: optInt(req, 'timestamp') ?? now(),
        step: optInt(req, 'step') ?? 0,
        model_id: optString(req, 'model_id'),
      });
      return done({});
    });
    table.add('POST', `${base}/runs/log-parameter`, (req) => {
      const run = requireActiveRun(req.workspace, optString(req, 'run_id') ?? reqString(req, 'run_uuid'));
      logParam(run, reqString(req, 'key'), optString(req, 'value') ?? '');
      return done({});
    });
    table.add('POST', `${base}/runs/set-tag`, (req) => {
      const run = requireActiveRun(req.workspace, optString(req, 'run_id') ?? reqString(req, 'run_uuid'));
      const key = reqString(req, 'key');
      run.tags[key] = optString(req, 'value') ?? '';
      if (key === 'mlflow.runName') run.run_name = run.tags[key]!;
      return done({});
    });
    table.add('POST', `${base}/runs/delete-tag`, (req) => {
      const run = requireActiveRun(req.workspace, reqString(req, 'run_id'));
      const key = reqString(req, 'key');
      if (run.tags[key] === undefined) throw notFound(`No tag with name: ${key} in run with id ${run.run_id}`);
      delete run.tags[key];
      return done({});
    });
    table.add('POST', `${base}/runs/log-batch`, (req) => {
      const run = requireActiveRun(req.workspace, reqString(req, 'run_id'));
      const metrics = (field(req, 'metrics') as Array<Record<string, unknown>> | undefined) ?? [];
      const params = (field(req, 'params') as Array<Record<string, unknown>> | undefined) ?? [];
      for (const p of params) logParam(run, String(p.key), String(p.value ?? ''));
      for (const m of metrics) {
        logMetric(run, String(m.key), {
          value: toNumber(m.value),
          timestamp: Number(m.timestamp ?? now()),
          step: Number(m.step ?? 0),
          model_id: typeof m.model_id === 'string' ? m.model_id : undefined,
        });
      }
      for (const [k, v] of Object.entries(tagsFromInput(field(req, 'tags')))) {
        run.tags[k] = v;
        if (k === 'mlflow.runName') run.run_name = v;
      }
      return done({});
    });
    table.add('POST', `${base}/runs/log-model`, (req) => {
      const run = requireActiveRun(req.workspace, reqString(req, 'run_id'));
      const modelJson = reqString(req, 'model_json');
      const history = JSON.parse(run.tags['mlflow.log-model.history'] ?? '[]') as unknown[];
      history.push(JSON.parse(modelJson));
      run.tags['mlflow.log-model.history'] = JSON.stringify(history);
      return done({});
    });
    table.add('POST', `${base}/runs/log-inputs`, (req) => {
      const run = requireActiveRun(req.workspace, reqString(req, 'run_id'));
      for (const d of (field(req, 'datasets') as unknown[] | undefined) ?? []) run.dataset_inputs.push(d);
      for (const m of (field(req, 'models') as Array<{ model_id: string }> | undefined) ?? []) run.model_inputs.push({ model_id: m.model_id });
      return done({});
    });
    table.add('POST', `${base}/runs/outputs`, (req) => {
      const run = requireActiveRun(req.workspace, reqString(req, 'run_id'));
      for (const m of (field(req, 'models') as Array<{ model_id: string; step?: number }> | undefined) ?? []) {
        run.model_outputs.push({ model_id: m.model_id, step: Number(m.step ?? 0) });
      }
      return done({});
    });
    table.add('GET', `${base}/metrics/get-history`, (req) => {
      const run = getRun(req.workspace, optString(req, 'run_id') ?? reqString(req, 'run_uuid'));
      const key = reqString(req, 'metric_key');
      const points = (run.metrics[key] ?? []).map((p) => compact({ key, value: p.value, timestamp: p.timestamp, step: p.step, model_id: p.model_id, run_id: run.run_id }));
      const page = paginate(points, optInt(req, 'max_results') ?? 25000, optString(req, 'page_token'));
      return { body: compact({ metrics: page.items, next_page_token: page.nextPageToken }) };
    });
    table.add('GET', `${base}/artifacts/list`, (req) => {
      const run = getRun(req.workspace, optString(req, 'run_id') ?? reqString(req, 'run_uuid'));
      const sub = (optString(req, 'path') ?? '').replace(/^\/+|\/+$/g, '');
      const root = runArtifactRoot(run);
      const dir = sub ? `${root}/${sub}` : root;
      const children = new Map<string, { path: string; is_dir: boolean; file_size?: number }>();
      for (const f of listTree(req.workspace, dir)) {
        const [first, ...rest] = f.path.split('/');
        const rel = sub ? `${sub}/${first}` : first!;
        children.set(rel, rest.length > 0 ? { path: rel, is_dir: true } : { path: rel, is_dir: false, file_size: f.size });
      }
      const files = [...children.values()].sort((a, b) => a.path.localeCompare(b.path));
      return { body: compact({ root_uri: run.artifact_uri, files }) };
    });

    // MLflow 3 logged models
    table.add('POST', `${base}/logged-models`, (req) => {
      const experimentId = reqString(req, 'experiment_id');
      const s = trackingState(req.workspace);
      if (!s.experiments[experimentId]) throw notFound(`Experiment with id '${experimentId}' does not exist.`);
      const modelId = `m-${randomUUID().replace(/-/g, '')}`;
      const params: Record<string, string> = {};
      for (const p of (field(req, 'params') as Array<{ key: string; value: string }> | undefined) ?? []) params[p.key] = String(p.value);
      const m: LoggedModelRecord = {
        model_id: modelId,
        experiment_id: experimentId,
        name: optString(req, 'name') ?? `model-${modelId.slice(2, 10)}`,
        artifact_uri: `dbfs:/databricks/mlflow-tracking/${experimentId}/logged_models/${modelId}/artifacts`,
        status: 'LOGGED_MODEL_PENDING',
        creation_timestamp_ms: now(),
        last_updated_timestamp_ms: now(),
        creator_id: req.principal,
        model_type: optString(req, 'model_type'),
        source_run_id: optString(req, 'source_run_id'),
        tags: tagsFromInput(field(req, 'tags')),
        params,
      };
      s.loggedModels[modelId] = m;
      return done({ model: loggedModelJson(req.workspace, m) });
    });
    const getLogged = (req: EmulatorRequest): LoggedModelRecord => {
      const m = trackingState(req.workspace).loggedModels[req.params.model_id!];
      if (!m) throw notFound(`Logged model with ID '${req.params.model_id}' not found.`);
      return m;
    };
    table.add('GET', `${base}/logged-models/:model_id`, (req) => ({ body: { model: loggedModelJson(req.workspace, getLogged(req)) } }));
    table.add('PATCH', `${base}/logged-models/:model_id`, (req) => {
      const m = getLogged(req);
      m.status = reqString(req, 'status');
      m.last_updated_timestamp_ms = now();
      return done({ model: loggedModelJson(req.workspace, m) });
    });
    table.add('DELETE', `${base}/logged-models/:model_id`, (req) => {
      delete trackingState(req.workspace).loggedModels[getLogged(req).model_id];
      return done({});
    });
    table.add('PATCH', `${base}/logged-models/:model_id/tags`, (req) => {
      const m = getLogged(req);
      Object.assign(m.tags, tagsFromInput(field(req, 'tags')));
      return done({ model: loggedModelJson(req.workspace, m) });
    });
    table.add('DELETE', `${base}/logged-models/:model_id/tags/:tag_key`, (req) => {
      delete getLogged(req).tags[req.params.tag_key!];
      return done({});
    });
    table.add('POST', `${base}/logged-models/:model_id/params`, (req) => {
      const m = getLogged(req);
      for (const p of (field(req, 'params') as Array<{ key: string; value: string }> | undefined) ?? []) m.params[p.key] = String(p.value);
      return done({});
    });
    table.add('POST', `${base}/logged-models/search`, (req) => {
      const ids = ((field(req, 'experiment_ids') as unknown[] | undefined) ?? []).map(String);
      const all = Object.values(trackingState(req.workspace).loggedModels)
        .filter((m) => ids.length === 0 || ids.includes(m.experiment_id))
        .sort((a, b) => b.creation_timestamp_ms - a.creation_timestamp_ms);
      const page = paginate(all, optInt(req, 'max_results') ?? 50, optString(req, 'page_token'));
      return { body: compact({ models: page.items.map((m) => loggedModelJson(req.workspace, m)), next_page_token: page.nextPageToken }) };
    });
    table.add('GET', `${base}/logged-models/:model_id/artifacts/directories`, (req) => {
      const m = getLogged(req);
      const sub = (optString(req, 'artifact_directory_path') ?? '').replace(/^\/+|\/+$/g, '');
      const root = loggedModelArtifactRoot(m);
      const children = new Map<string, { path: string; is_dir: boolean; file_size?: number }>();
      for (const f of listTree(req.workspace, sub ? `${root}/${sub}` : root)) {
        const [first, ...rest] = f.path.split('/');
        const rel = sub ? `${sub}/${first}` : first!;
        children.set(rel, rest.length > 0 ? { path: rel, is_dir: true } : { path: rel, is_dir: false, file_size: f.size });
      }
      return { body: compact({ root_uri: m.artifact_uri, files: [...children.values()] }) };
    });
  },
};

// Gathers the live facts of one target (./live.ts) in the environment its candidate comes from:
// the source endpoint (one GET, shared by every soak need of the target) and one SQL statement per
// need. Identical reads are made once per gathering (`once`). Failures become `{ok: false}` facts.

import { expandTemplate } from '../config/names.js';
import { sqlWarehouseOf } from '../config/live.js';
import type { Config, Target } from '../config/types.js';
import { errorHost, errorKind } from './errors.js';
import {
  expandModelId,
  liveNeedKey,
  type LiveEndpoint,
  type LiveFacts,
  type LiveNeed,
  type LivePorts,
  type MonitorFacts,
  type SoakFacts,
} from './live.js';
import {
  DRIFT_STATISTIC_NAMES,
  PROFILE_METRIC_NAMES,
  driftResultColumn,
  driftStatement,
  identifierText,
  numberOf,
  param,
  profileResultColumn,
  profileStatement,
  requireColumns,
  rowsOf,
  SOAK_STATEMENT,
} from './live-sql.js';
import { gathered, notGathered, type Gathered, type VersionInfo } from './types.js';

export interface LiveGatherContext {
  readonly config: Config;
  readonly target: Target;
  readonly candidate: VersionInfo;
  readonly ports: LivePorts | undefined;
  readonly now: Date;
  /** De-duplicates identical reads across targets (same ports, method, arguments). */
  readonly once: <T>(ports: object, method: string, args: readonly unknown[], work: () => Promise<T>) => Promise<T>;
}

const settle = async <T>(work: () => Promise<T>, what: string): Promise<Gathered<T>> => {
  try {
    return gathered(await work());
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    return notGathered(errorKind(e), `${what}: ${message}`, errorHost(e));
  }
};

const sameName = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

export async function gatherLive(ctx: LiveGatherContext, needs: readonly LiveNeed[]): Promise<Record<string, Gathered<LiveFacts>>> {
  const out: Record<string, Gathered<LiveFacts>> = {};
  await Promise.all(
    needs.map(async (need) => {
      out[liveNeedKey(need)] = await gatherOne(ctx, need);
    }),
  );
  return out;
}

function gatherOne(ctx: LiveGatherContext, need: LiveNeed): Promise<Gathered<LiveFacts>> {
  const { config, target } = ctx;
  const from = config.environments.get(target.from);
  const model = config.models.get(target.model);
  if (!from || !model) return Promise.resolve(notGathered('invalid', `unknown model or environment in ${target.model}:${target.from}->${target.to}`));
  const ports = ctx.ports;
  if (!ports || !ports.sql || sqlWarehouseOf(from) === null) {
    return Promise.resolve(notGathered('invalid', `"${target.from}" has no SQL warehouse (sql_warehouse_id) to read live evidence with`));
  }
  const sql = ports.sql;
  const query = (statement: string, params: Parameters<typeof sql.query>[1]) =>
    ctx.once(sql, 'sql.query', [statement, params], () => sql.query(statement, params));

  if (need.kind === 'soak') {
    if (!model.serving) return Promise.resolve(notGathered('invalid', `model "${model.id}" has no serving: endpoint in "${target.from}"`));
    const endpoint = expandTemplate(model.serving.endpoint, { env: target.from, model: model.id });
    return settle(() => soakFacts(ctx, ports, query, need, endpoint), `could not read the soak evidence of ${ctx.candidate.name} v${ctx.candidate.version} on "${endpoint}" (${target.from})`);
  }
  if (!model.monitor) return Promise.resolve(notGathered('invalid', `model "${model.id}" has no monitor: in "${target.from}"`));
  const vars = { env: target.from, model: model.id };
  const tableName = expandTemplate(model.monitor.table, vars).split('.').pop() ?? '';
  const suffix = need.kind === 'drift' ? '_drift_metrics' : '_profile_metrics';
  const table = `${expandTemplate(model.monitor.outputSchema, vars)}.${tableName}${suffix}`;
  const modelIdColumn = need.modelId === null ? null : model.monitor.inferenceLog.modelIdCol;
  const modelId = need.modelId === null ? null : expandModelId(need.modelId, ctx.candidate);
  return settle(
    () => monitorFacts(ctx, query, need, table, modelIdColumn, modelId),
    `could not read ${table} (${target.from})`,
  );
}

type Query = (statement: string, params: Parameters<NonNullable<LivePorts['sql']>['query']>[1]) => ReturnType<NonNullable<LivePorts['sql']>['query']>;

async function soakFacts(ctx: LiveGatherContext, ports: LivePorts, query: Query, need: Extract<LiveNeed, { kind: 'soak' }>, endpointName: string): Promise<SoakFacts> {
  const measuredAtMs = ctx.now.getTime();
  const live: LiveEndpoint | null = await ctx.once(ports, 'servingEndpoint', [endpointName], () => ports.servingEndpoint(endpointName));
  const base = { kind: 'soak' as const, endpoint: endpointName, measuredAtMs, windowSeconds: need.windowSeconds, lagSeconds: need.lagSeconds };
  if (!live) return { ...base, endpointExists: false, served: null, inferenceTable: null, window: null };
  const entity = live.servedEntities.find((e) => sameName(e.entityName, ctx.candidate.name) && e.entityVersion === ctx.candidate.version);
  const table = live.inferenceTable && live.inferenceTable.enabled ? `${live.inferenceTable.catalog}.${live.inferenceTable.schema}.${live.inferenceTable.prefix}_payload` : null;
  if (!entity) return { ...base, endpointExists: true, served: null, inferenceTable: table, window: null };
  const trafficPercent = live.routes.filter((r) => r.servedEntityName === entity.name).reduce((sum, r) => sum + r.percent, 0);
  const served = { name: entity.name, trafficPercent, sinceMs: entity.createdAtMs };
  const horizon = measuredAtMs - need.lagSeconds * 1000;
  const start = Math.max(horizon - need.windowSeconds * 1000, entity.createdAtMs ?? -Infinity);
  // Nothing to read: no table, or served for less than the ingestion lag (no request of it is surely in the table).
  if (table === null || start >= horizon) return { ...base, endpointExists: true, served, inferenceTable: table, window: null };
  const result = await query(SOAK_STATEMENT, [
    param('inference_table', identifierText(table)),
    param('window_start_ms', start, 'BIGINT'),
    param('window_end_ms', horizon, 'BIGINT'),
    param('endpoint_name', live.name),
    param('served_entity_name', entity.name),
    param('entity_name', entity.entityName),
    param('entity_version', entity.entityVersion),
  ]);
  const columns = ['requests', 'errors_5xx', 'errors_4xx', 'p95_ms', 'first_request_ms', 'last_request_ms', 'entity_records'];
  requireColumns(result, columns, 'the soak statement');
  const row = rowsOf(result)[0];
  if (!row) throw new Error('the soak statement answered no row (an aggregate always has one)');
  const count = (c: string): number => {
    const n = numberOf(row[c]);
    if (n === null || !Number.isInteger(n) || n < 0) throw new Error(`the soak statement answered ${c} = ${String(row[c])}, not a count`);
    return n;
  };
  return {
    ...base,
    endpointExists: true,
    served,
    inferenceTable: table,
    window: {
      startMs: start,
      endMs: horizon,
      requests: count('requests'),
      errors5xx: count('errors_5xx'),
      errors4xx: count('errors_4xx'),
      p95Ms: numberOf(row.p95_ms),
      firstRequestMs: numberOf(row.first_request_ms),
      lastRequestMs: numberOf(row.last_request_ms),
      entityRecords: count('entity_records'),
      statementId: result.statementId,
    },
  };
}

async function monitorFacts(
  ctx: LiveGatherContext,
  query: Query,
  need: Extract<LiveNeed, { kind: 'drift' | 'profile' }>,
  table: string,
  modelIdColumn: string | null,
  modelId: string | null,
): Promise<MonitorFacts> {
  const byModel = modelIdColumn !== null && modelId !== null;
  const tableParam = need.kind === 'drift' ? 'drift_table' : 'profile_table';
  const params = [
    param(tableParam, identifierText(table)),
    param('granularity', need.granularity),
    ...(need.kind === 'drift' ? [param('drift_type', need.driftType)] : []),
    ...(byModel ? [param('model_id_column', identifierText(modelIdColumn)), param('model_id', modelId)] : []),
  ];
  const result = await query(need.kind === 'drift' ? driftStatement(byModel) : profileStatement(byModel), params);
  const figures =
    need.kind === 'drift'
      ? DRIFT_STATISTIC_NAMES.map((name) => [name, driftResultColumn(name)] as const)
      : PROFILE_METRIC_NAMES.map((name) => [name, profileResultColumn(name)] as const);
  requireColumns(result, ['column_name', 'data_type', 'window_start_ms', 'window_end_ms', ...figures.map(([, c]) => c)], `the ${need.kind} statement`);
  const columns: Record<string, Record<string, number | null>> = {};
  const dataTypes: Record<string, string> = {};
  let window: MonitorFacts['window'] = null;
  for (const row of rowsOf(result)) {
    const name = row.column_name;
    if (name === null || name === undefined) continue;
    const end = numberOf(row.window_end_ms);
    if (end !== null && window === null) window = { startMs: numberOf(row.window_start_ms), endMs: end };
    columns[name] = Object.fromEntries(figures.map(([figure, column]) => [figure, numberOf(row[column])]));
    if (row.data_type) dataTypes[name] = row.data_type;
  }
  return {
    kind: need.kind,
    table,
    granularity: need.granularity,
    driftType: need.kind === 'drift' ? need.driftType : null,
    modelId: byModel ? modelId : null,
    modelIdColumn: byModel ? modelIdColumn : null,
    measuredAtMs: ctx.now.getTime(),
    window,
    columns,
    dataTypes,
    statementId: result.statementId,
  };
}

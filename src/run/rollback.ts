// `rollback`: move the champion of one model in one environment back to the previous champion
// recorded in the journal (or `--to-version V`). Never deletes a version; takes the same lock as
// promotions of that model × environment; a re-run is a no-op.

import { executePlan, KilledError } from '../apply/executor.js';
import { endpointName, servingApplies } from '../rollout/spec.js';
import { rollbackJob } from '../apply/rollback.js';
import { registeredModelName, registryIdOf } from '../config/names.js';
import { capabilitiesOf } from '../config/registries.js';
import { resolveServing } from '../config/serving.js';
import { ConfigError, UsageError } from '../errors.js';
import type { RollbackInvocation } from '../invocation.js';
import { aliasesFor, stageFor, stageModeRefusal } from '../plan/inputs.js';
import type { RollbackInput } from '../plan/rollback.js';
import type { PromotionReport } from '../plan/types.js';
import { resultDocument } from '../result/build.js';
import type { ResultDocument, TargetReport } from '../result/types.js';
import { readConfig } from './plan.js';
import type { PromoteDeps } from './promote.js';

export type RollbackDeps = Omit<PromoteDeps, 'portsFor' | 'github' | 'artifactTransferFor'>;

export async function runRollback(inv: RollbackInvocation, deps: RollbackDeps): Promise<ResultDocument> {
  const started = Date.now();
  const { config, warnings } = readConfig(inv.configPath, deps);
  const model = config.models.get(inv.model);
  if (!model) throw new UsageError(`rollback: unknown model "${inv.model}" (models: ${[...config.models.keys()].join(', ')})`);
  const environment = config.environments.get(inv.env);
  if (!environment) throw new UsageError(`rollback: unknown environment "${inv.env}" (environments: ${[...config.environments.keys()].join(', ')})`);
  const stageRefusal = stageModeRefusal(model, environment);
  if (stageRefusal) {
    throw new ConfigError([{ severity: 'error', code: 'unsupported-promotion', message: stageRefusal, path: `/models/${model.id}/promotion`, position: model.position }]);
  }

  const input: RollbackInput = {
    model: model.id,
    environment: inv.env,
    mode: model.promotion,
    registry: registryIdOf(environment),
    modelName: registeredModelName(config, model.id, inv.env),
    aliases: aliasesFor(config, model, inv.env),
    stage: model.promotion === 'stage' ? stageFor(inv.env) : null,
    toVersion: inv.toVersion,
    grants: model.grants?.[inv.env] !== undefined,
    endpoint:
      model.serving && capabilitiesOf(environment.registry).serving && servingApplies(model.serving, inv.env)
        ? {
            name: endpointName(model.serving, inv.env, model.id),
            waitTimeoutSeconds: model.serving.waitTimeoutSeconds,
            ...(model.serving.owner === 'bundle' ? { scope: 'traffic' as const } : {}),
            ...(resolveServing(model.serving, inv.env, model.id).environmentVars ? { environmentVars: resolveServing(model.serving, inv.env, model.id).environmentVars! } : {}),
          }
        : null,
  };
  const endpoints = input.endpoint || input.grants ? deps.endpointsFor?.(config, inv.env) : undefined;
  deps.progress?.(`${inv.dryRun ? 'Planning the rollback of' : 'Rolling back'} ${model.id} in ${inv.env}…`);
  let report: PromotionReport;
  try {
    ({ report } = await executePlan(rollbackJob(input), {
      registry: deps.promotionRegistryFor(config, inv.env),
      actor: deps.actor,
      runUrl: deps.runUrl,
      now: deps.clock ?? (() => new Date()),
      lockToken: deps.lockToken,
      lockReclaimKey: deps.lockReclaimKey ?? null,
      ...(deps.lockTtlMs ? { lockTtlMs: deps.lockTtlMs } : {}),
      dryRun: inv.dryRun,
      ...(deps.beforeLock ? { beforeLock: deps.beforeLock } : {}),
      ...(endpoints ? { endpoints } : {}),
      ...(deps.progress ? { progress: deps.progress } : {}),
      ...(deps.afterStep ? { afterStep: deps.afterStep } : {}),
    }));
  } catch (e) {
    if (e instanceof KilledError) throw e;
    report = {
      mode: 'rollback',
      hash: null,
      status: 'failed',
      message: `could not plan or apply the rollback: ${(e as Error).message}`,
      source: null,
      destination: null,
      previousChampion: null,
      steps: [],
      writes: 0,
    };
  }
  const ok = report.status === 'applied' || report.status === 'up-to-date' || report.status === 'planned';
  const target: TargetReport = {
    model: model.id,
    from: inv.env,
    to: inv.env,
    candidate: report.source ? { name: report.source.name, version: report.source.version, url: null, runId: report.source.runId, metrics: null } : null,
    champion: report.previousChampion ? { name: input.modelName, version: report.previousChampion, url: null, runId: null, metrics: null } : null,
    verdict: ok ? 'pass' : 'error',
    summary: report.message,
    gates: [],
    plan: report,
  };
  const requests = deps.requests?.();
  return resultDocument({
    command: 'rollback',
    config: { file: config.file, digest: config.digest },
    targets: [target],
    diagnostics: warnings,
    now: deps.now,
    requests: requests ? { ...requests, wallMs: Date.now() - started } : null,
  });
}

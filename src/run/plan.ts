// `plan`: config → targets → evidence → verdicts → result document. The pure steps live in
// config/ and policy/; this module wires them to the edges (files, registries, clock).

import { loadConfig } from '../config/loader.js';
import type { ListDir } from '../config/bundle.js';
import { gatesFor } from '../config/names.js';
import { listTargets } from '../config/targets.js';
import type { Config, Target } from '../config/types.js';
import { targetKey } from '../config/types.js';
import { ConfigError, UsageError, type Diagnostic } from '../errors.js';
import { gatherEvidenceEach } from '../evidence/gather.js';
import type { LivePorts } from '../evidence/live.js';
import type { RegistryPorts, GitHubEvidenceReader } from '../evidence/ports.js';
import type { EvidenceBundle, EvidenceError, TargetEvidence } from '../evidence/types.js';
import { notGathered } from '../evidence/types.js';
import type { PlanInvocation } from '../invocation.js';
import { checkGateOptions, evaluateTarget, needsFor } from '../policy/engine.js';
import { resultDocument } from '../result/build.js';
import { shardTargets } from './shard.js';
import { withGatePositions } from '../result/positions.js';
import type { RequestAccounting, ResultDocument, TargetReport } from '../result/types.js';

export interface RunDeps {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly now: Date;
  /** Reads a file relative to cwd; null when it does not exist. */
  readonly readFile: (path: string) => string | null;
  /** Lists a directory relative to cwd (an Asset Bundle's include globs); absent: not expanded. */
  readonly listDir?: ListDir;
  readonly writeFile: (path: string, text: string) => void;
  /** Builds the registry ports of an environment (real adapters over HTTP). */
  readonly portsFor: (config: Config, envName: string) => RegistryPorts;
  /** Live evidence (soak, drift) of an environment: serving and SQL; undefined where there is none. */
  readonly livePortsFor?: (config: Config, envName: string) => LivePorts | undefined;
  readonly github?: GitHubEvidenceReader;
  /** Request totals, when the adapters share a ledger. */
  readonly requests?: () => Omit<RequestAccounting, 'wallMs'>;
  readonly progress?: (message: string) => void;
}

export interface LoadedConfig {
  readonly config: Config;
  readonly warnings: readonly Diagnostic[];
}

/** Read and load the config, or throw ConfigError — always before any network call. */
export function readConfig(path: string, deps: Pick<RunDeps, 'env' | 'now' | 'readFile' | 'listDir'>): LoadedConfig {
  const text = deps.readFile(path);
  if (text === null) {
    throw new ConfigError([
      { severity: 'error', code: 'missing-file', message: `config file not found: ${path}`, path: '', position: null },
    ]);
  }
  // The loader resolves policy files against the config file's directory itself.
  const { config, diagnostics } = loadConfig(
    { file: path, text },
    { env: deps.env, now: deps.now, readFile: deps.readFile, checkGate: checkGateOptions, ...(deps.listDir ? { listDir: deps.listDir } : {}) },
  );
  return { config, warnings: diagnostics };
}

/** The `--evidence FILE` document, parsed at the edge with errors that name the field. */
export function parseEvidenceBundle(path: string, text: string): EvidenceBundle {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${path}: not valid JSON: ${(e as Error).message}`);
  }
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObject(doc)) throw new UsageError(`${path}: expected a JSON object with "schemaVersion" and "targets"`);
  if (doc.schemaVersion !== 1) throw new UsageError(`${path}: "schemaVersion" must be 1 (got ${JSON.stringify(doc.schemaVersion)})`);
  if (!isObject(doc.targets)) throw new UsageError(`${path}: "targets" must be an object keyed by "model:from->to"`);
  for (const [key, t] of Object.entries(doc.targets)) {
    if (!isObject(t)) throw new UsageError(`${path}: targets["${key}"] must be an object`);
    for (const field of ['candidate', 'champion'] as const) {
      const f = t[field];
      if (!isObject(f) || typeof f.ok !== 'boolean') {
        throw new UsageError(`${path}: targets["${key}"].${field} must be {"ok": true, "value": ...} or {"ok": false, "error": {...}}`);
      }
    }
  }
  return doc as unknown as EvidenceBundle;
}

export interface PlanOutcome {
  readonly result: ResultDocument;
  readonly evidence: ReadonlyMap<string, TargetEvidence>;
}

export interface PlanOptions {
  /**
   * Called for each target as soon as its gates are decided (not after every target's): its
   * result replaces the target's report. `plan` uses it to compute the read-only promotion plan per
   * target while other targets are still being gathered. Not called with `--evidence`.
   */
  readonly then?: (report: TargetReport, evidence: TargetEvidence, config: Config) => Promise<TargetReport>;
}

export async function runPlan(inv: PlanInvocation, deps: RunDeps, options: PlanOptions = {}): Promise<PlanOutcome> {
  const started = Date.now();
  const { config, warnings } = readConfig(inv.configPath, deps);
  const listed = listTargets(config, { models: inv.models.length ? [...inv.models] : undefined, to: inv.to ?? undefined });
  // A matrix leg (`--shard I/N`) takes its deterministic share of the models, every hop of each.
  const targets = inv.shard ? shardTargets(config, listed, inv.shard) : listed;
  const gatesByTarget = new Map(targets.map((t) => [targetKey(t), gatesFor(config, t)] as const));

  // Each target is judged (and, with `then`, planned) as soon as its own evidence is in: no phase
  // waits for every target (one round per target, not one per phase).
  let evidenceOf: ReadonlyMap<string, Promise<TargetEvidence>>;
  if (inv.evidencePath) {
    const text = deps.readFile(inv.evidencePath);
    if (text === null) throw new UsageError(`evidence file not found: ${inv.evidencePath}`);
    const bundle = parseEvidenceBundle(inv.evidencePath, text);
    evidenceOf = new Map(targets.map((t) => [targetKey(t), Promise.resolve(bundle.targets[targetKey(t)] ?? missingEvidence(t, inv.evidencePath!))] as const));
  } else {
    deps.progress?.(`Gathering evidence for ${targets.length} target(s)…`);
    evidenceOf = gatherEvidenceEach({
      config,
      targets,
      needs: (t: Target) => needsFor(gatesByTarget.get(targetKey(t)) ?? []),
      portsFor: (envName: string) => deps.portsFor(config, envName),
      ...(deps.livePortsFor ? { livePortsFor: (envName: string) => deps.livePortsFor?.(config, envName) } : {}),
      github: deps.github,
      now: deps.now,
    });
  }

  const judge = (t: Target, found: TargetEvidence): TargetReport =>
    withGatePositions(
      evaluateTarget({
        target: t,
        gates: gatesByTarget.get(targetKey(t)) ?? [],
        waivers: config.waivers,
        evidence: found,
        candidateSelector: config.models.get(t.model)?.candidate,
        now: deps.now,
      }),
      gatesByTarget.get(targetKey(t)) ?? [],
      config.models.get(t.model)?.position ?? null,
    );
  const settled = await Promise.all(
    targets.map(async (t) => {
      const found = (await evidenceOf.get(targetKey(t))) ?? missingEvidence(t, 'gathering');
      const report = judge(t, found);
      return { found, report: options.then && !inv.evidencePath ? await options.then(report, found, config) : report };
    }),
  );
  const evidence: ReadonlyMap<string, TargetEvidence> = new Map(targets.map((t, i) => [targetKey(t), settled[i]!.found] as const));
  if (inv.saveEvidencePath) {
    const bundle: EvidenceBundle = { schemaVersion: 1, targets: Object.fromEntries(evidence) };
    deps.writeFile(inv.saveEvidencePath, JSON.stringify(bundle, null, 2) + '\n');
  }
  const reports: TargetReport[] = settled.map((s) => s.report);
  const requests = deps.requests?.();
  const result = resultDocument({
    command: 'plan',
    config: { file: config.file, digest: config.digest },
    targets: reports,
    diagnostics: [...warnings, ...unreachableHosts(targets, evidence)],
    now: deps.now,
    requests: requests ? { ...requests, wallMs: Date.now() - started } : null,
  });
  return { result, evidence };
}

/**
 * One finding per server that could not be reached (or kept failing), naming the targets it left
 * unevaluated: the reason is said once, not once per gate.
 */
export function unreachableHosts(targets: readonly Target[], evidence: ReadonlyMap<string, TargetEvidence>): Diagnostic[] {
  const byHost = new Map<string, { reason: string; targets: Set<string> }>();
  for (const t of targets) {
    const e = evidence.get(targetKey(t));
    if (!e) continue;
    const facts: ({ readonly ok: boolean; readonly error?: EvidenceError } | undefined)[] = [e.candidate, e.champion, e.approvals, e.commits, e.changedFiles];
    for (const side of [e.candidate, e.champion]) if (side.ok && side.value) facts.push(side.value.run, side.value.signature, side.value.modelTags, side.value.requirements);
    facts.push(...Object.values(e.live ?? {}));
    for (const fact of facts) {
      if (!fact || fact.ok || !fact.error || fact.error.kind !== 'unavailable' || !fact.error.host) continue;
      const entry = byHost.get(fact.error.host) ?? { reason: fact.error.message, targets: new Set<string>() };
      entry.targets.add(`${t.model} (${t.from} → ${t.to})`);
      byHost.set(fact.error.host, entry);
    }
  }
  return [...byHost].map(([host, { reason, targets: affected }]) => ({
    severity: 'error' as const,
    code: 'unreachable-host',
    message: `${host} could not be reached or kept failing, so ${affected.size} target(s) were not evaluated: ${[...affected].join(', ')}. First error: ${reason}`,
    path: '',
    position: null,
  }));
}

const missingEvidence = (t: Target, source: string): TargetEvidence => {
  const reason = `no evidence for target ${targetKey(t)} in ${source}`;
  return { candidate: notGathered('invalid', reason), champion: notGathered('invalid', reason) };
};

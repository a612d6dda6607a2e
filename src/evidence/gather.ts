// Gathers the evidence each target's gates need, through the registry ports, all at once:
// every target starts together, each fact starts as soon as what it depends on is known
// (alias → version → run / MLmodel), and an identical request (same ports, method, arguments) is
// made once per gathering, however many targets ask for it. Failures become `{ok: false}` facts,
// never exceptions, so a registry outage shows up as gate `error`, not as a crash or a `fail`.

import { championAlias, expandTemplate, registeredModelName } from '../config/names.js';
import type { CandidateSelector, Config, Target } from '../config/types.js';
import { targetKey } from '../config/types.js';
import { errorHost, errorKind } from './errors.js';
import type { LivePorts } from './live.js';
import { gatherLive } from './live-gather.js';
import type { GitHubEvidenceReader, RegistryPorts } from './ports.js';
import type {
  ApprovalsEvidence,
  EvidenceNeeds,
  Gathered,
  ModelSignature,
  RequirementsFile,
  RunInfo,
  TargetEvidence,
  VersionEvidence,
  VersionInfo,
} from './types.js';
import { gathered, notGathered } from './types.js';

export interface GatherInput {
  readonly config: Config;
  readonly targets: readonly Target[];
  readonly needs: (t: Target) => EvidenceNeeds;
  /** Ports of one environment. Environments on one registry should share a ports object. */
  readonly portsFor: (envName: string) => RegistryPorts;
  readonly github?: GitHubEvidenceReader;
  /** Live evidence ports of an environment (serving and SQL); undefined: none (MLflow, or not wired). */
  readonly livePortsFor?: (envName: string) => LivePorts | undefined;
  /** When the evidence is gathered: live windows are measured back from it. Required for live needs. */
  readonly now?: Date;
}

/** The git commit MLflow records on a run (`mlflow.source.git.commit`). */
export const GIT_COMMIT_TAG = 'mlflow.source.git.commit';

/** One promise per distinct request; keyed by ports identity + method + arguments. */
class RequestMemo {
  private readonly results = new Map<string, Promise<unknown>>();
  private readonly portIds = new WeakMap<object, number>();
  private nextPortId = 1;

  portId(ports: object): number {
    let id = this.portIds.get(ports);
    if (id === undefined) {
      id = this.nextPortId++;
      this.portIds.set(ports, id);
    }
    return id;
  }

  once<T>(ports: object, method: string, args: readonly unknown[], work: () => Promise<T>): Promise<T> {
    const key = `${this.portId(ports)}|${method}|${JSON.stringify(args)}`;
    let result = this.results.get(key) as Promise<T> | undefined;
    if (!result) {
      // Start the work in a microtask so a synchronous throw becomes a rejection like any other.
      result = Promise.resolve().then(work);
      this.results.set(key, result);
    }
    return result;
  }
}

const settle = async <T>(work: Promise<T>, what: string): Promise<Gathered<T>> => {
  try {
    return gathered(await work);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    return notGathered(errorKind(e), `${what}: ${message}`, errorHost(e));
  }
};

const describeSelector = (s: CandidateSelector): string => {
  switch (s.kind) {
    case 'alias':
      return `alias "${s.alias}"`;
    case 'version':
      return `version ${s.version}`;
    case 'latest':
      return 'the latest version';
    case 'tags':
      return `tags ${Object.entries(s.tags)
        .map(([k, v]) => `${k}=${v}`)
        .join(', ')}`;
  }
};

export async function gatherEvidence(input: GatherInput): Promise<Map<string, TargetEvidence>> {
  const each = gatherEvidenceEach(input);
  const results = await Promise.all([...each].map(async ([key, evidence]) => [key, await evidence] as const));
  return new Map(results);
}

/**
 * The same gathering, one promise per target (keyed by targetKey) that settles as soon as that
 * target's facts are in: a caller can judge and plan each target without waiting for the others.
 * Never rejects (failures are facts); throws synchronously only when building ports fails.
 */
export function gatherEvidenceEach(input: GatherInput): Map<string, Promise<TargetEvidence>> {
  const { config, github } = input;
  const memo = new RequestMemo();

  // Building ports may raise ConfigError/UsageError (bad credentials setup, unsupported registry):
  // those are the user's to fix and are raised here, before any request is made.
  const ports = new Map<string, RegistryPorts>();
  for (const t of input.targets) {
    for (const envName of [t.from, t.to]) if (!ports.has(envName)) ports.set(envName, input.portsFor(envName));
  }
  const portsOf = (envName: string): RegistryPorts => ports.get(envName)!;

  const registryCall = <T>(p: RegistryPorts, method: string, args: readonly unknown[], work: () => Promise<T>) =>
    memo.once(p, method, args, work);

  const resolveCandidate = (p: RegistryPorts, name: string, selector: CandidateSelector, vars: { env: string; model: string }) => {
    switch (selector.kind) {
      case 'alias': {
        const alias = expandTemplate(selector.alias, vars);
        return registryCall(p, 'registry.getVersionByAlias', [name, alias], () => p.registry.getVersionByAlias(name, alias));
      }
      case 'version':
        return registryCall(p, 'registry.getVersion', [name, selector.version], () => p.registry.getVersion(name, selector.version));
      case 'latest':
        return registryCall(p, 'registry.getLatestVersion', [name], () => p.registry.getLatestVersion(name));
      case 'tags': {
        const sorted = Object.fromEntries(Object.entries(selector.tags).sort(([a], [b]) => a.localeCompare(b)));
        return registryCall(p, 'registry.searchVersionsByTags', [name, sorted], () => p.registry.searchVersionsByTags(name, sorted)).then(
          (found) => found[0] ?? null,
        );
      }
    }
  };

  const runOf = (p: RegistryPorts, version: VersionInfo, envName: string): Promise<Gathered<RunInfo | null>> => {
    const runId = version.runId;
    if (runId === null) return Promise.resolve(gathered(null));
    const what = `run ${runId} of ${version.name} version ${version.version} (${envName})`;
    return settle(
      memo.once(p, 'runs.getRun', [runId], () => p.runs.getRun(runId)).then((run) => {
        if (run === null) throw Object.assign(new Error(`the run does not exist (deleted?)`), { evidenceKind: 'not_found' as const });
        return run;
      }),
      `could not read ${what}`,
    );
  };

  const signatureOf = (p: RegistryPorts, version: VersionInfo, envName: string): Promise<Gathered<ModelSignature | null>> => {
    // Versions that share model files (a copy promoted to the next environment) share the read.
    const sharedSource = version.modelId ?? (version.source.startsWith('runs:/') ? version.source : null);
    const key = sharedSource ? [sharedSource] : [version.name, version.version, version.source];
    return settle(
      memo.once(p, 'artifacts.getSignature', key, () => p.artifacts.getSignature(version)),
      `could not read the MLmodel of ${version.name} version ${version.version} (${envName})`,
    );
  };

  const requirementsOf = (p: RegistryPorts, version: VersionInfo, envName: string): Promise<Gathered<RequirementsFile | null>> => {
    const sharedSource = version.modelId ?? (version.source.startsWith('runs:/') ? version.source : null);
    const key = sharedSource ? [sharedSource] : [version.name, version.version, version.source];
    return settle(
      memo.once(p, 'artifacts.getRequirements', key, () => p.artifacts.getRequirements(version)),
      `could not read the requirements.txt of ${version.name} version ${version.version} (${envName})`,
    );
  };

  const modelTagsOf = (p: RegistryPorts, version: VersionInfo, envName: string): Promise<Gathered<Readonly<Record<string, string>>>> =>
    settle(
      memo.once(p, 'registry.getModelTags', [version.name], () => p.registry.getModelTags(version.name)),
      `could not read the tags of registered model ${version.name} (${envName})`,
    );

  const versionFacts = async (
    p: RegistryPorts,
    envName: string,
    lookup: Promise<VersionInfo | null>,
    what: string,
    want: { run: boolean; signature: boolean; modelTags: boolean; requirements: boolean },
  ): Promise<Gathered<VersionEvidence | null>> => {
    const found = await settle(lookup, `could not look up ${what}`);
    if (!found.ok || found.value === null) return found as Gathered<VersionEvidence | null>;
    const version = found.value;
    const [run, signature, modelTags, requirements] = await Promise.all([
      want.run ? runOf(p, version, envName) : Promise.resolve(undefined),
      want.signature ? signatureOf(p, version, envName) : Promise.resolve(undefined),
      want.modelTags ? modelTagsOf(p, version, envName) : Promise.resolve(undefined),
      want.requirements ? requirementsOf(p, version, envName) : Promise.resolve(undefined),
    ]);
    return gathered({
      version,
      ...(run ? { run } : {}),
      ...(signature ? { signature } : {}),
      ...(modelTags ? { modelTags } : {}),
      ...(requirements ? { requirements } : {}),
    });
  };

  const approvals = (): Promise<Gathered<ApprovalsEvidence>> =>
    github
      ? settle(
          memo.once(github, 'github.approvals', [], () => github.approvals()),
          'could not read approvals from GitHub',
        )
      : Promise.resolve(notGathered('unavailable', 'approvals need a GitHub context (token and pull request or environment)'));

  const changedFiles = (): Promise<Gathered<readonly string[]>> =>
    github
      ? settle(
          memo.once(github, 'github.changedFiles', [], () => github.changedFiles()),
          'could not read the files changed by the pull request',
        )
      : Promise.resolve(notGathered('unavailable', 'changed files need a GitHub context (token and pull request)'));

  const commitsOf = async (candidate: Gathered<VersionEvidence | null>): Promise<Gathered<Readonly<Record<string, boolean>>>> => {
    if (!candidate.ok) return notGathered(candidate.error.kind, `commit check skipped: ${candidate.error.message}`);
    const run = candidate.value?.run;
    if (!run) return gathered({});
    if (!run.ok) return notGathered(run.error.kind, `commit check skipped: ${run.error.message}`);
    const sha = run.value?.tags[GIT_COMMIT_TAG];
    if (!sha) return gathered({});
    if (!github) return notGathered('unavailable', 'checking the commit needs a GitHub context (token and repository)');
    return settle(
      memo.once(github, 'github.commitsExist', [sha], () => github.commitsExist([sha])),
      `could not check commit ${sha} in the repository`,
    );
  };

  /** Live facts of the candidate in its source environment; nothing when there is no candidate to measure. */
  const liveOf = async (t: Target, candidate: Gathered<VersionEvidence | null>, needs: NonNullable<EvidenceNeeds['live']>) => {
    if (!candidate.ok || candidate.value === null) return undefined;
    if (!input.now) throw new Error('gatherEvidence: live evidence needs the time it is gathered at (GatherInput.now)');
    return gatherLive(
      { config, target: t, candidate: candidate.value.version, ports: input.livePortsFor?.(t.from), now: input.now, once: (p, method, args, work) => memo.once(p, method, args, work) },
      needs,
    );
  };

  const gatherTarget = async (t: Target): Promise<TargetEvidence> => {
    const needs = input.needs(t);
    const model = config.models.get(t.model);
    const fromPorts = portsOf(t.from);
    const toPorts = portsOf(t.to);
    const failed = (message: string): TargetEvidence => ({
      candidate: notGathered('invalid', message),
      champion: notGathered('invalid', message),
    });
    if (!model) return failed(`model "${t.model}" is not in the config`);

    let candidateName: string;
    let championName: string;
    let alias: string;
    try {
      candidateName = registeredModelName(config, t.model, t.from);
      championName = registeredModelName(config, t.model, t.to);
      alias = championAlias(config, t.model, t.to);
    } catch (e) {
      return failed(e instanceof Error ? e.message : String(e));
    }

    const candidateP = versionFacts(
      fromPorts,
      t.from,
      resolveCandidate(fromPorts, candidateName, model.candidate, { env: t.from, model: t.model }),
      `the candidate (${describeSelector(model.candidate)} of ${candidateName} in ${t.from})`,
      {
        run: needs.candidateRun || needs.commits,
        signature: needs.candidateSignature,
        modelTags: needs.candidateModelTags,
        requirements: needs.candidateRequirements,
      },
    ).then(async (found) => {
      // "No candidate yet" holds only for a model that exists: a name that points at nothing (or a
      // registry that answers 404 to everything) is an error, never a quiet skip.
      if (!found.ok || found.value !== null) return found;
      const exists = await settle(
        registryCall(fromPorts, 'registry.modelExists', [candidateName], () => fromPorts.registry.modelExists(candidateName)),
        `could not check that ${candidateName} exists in ${t.from}`,
      );
      if (!exists.ok) return exists as Gathered<VersionEvidence | null>;
      return exists.value
        ? found
        : notGathered<VersionEvidence | null>(
            'not_found',
            `registered model "${candidateName}" does not exist in ${t.from}: the config points at nothing (check models.${t.model} and the environment's registry)`,
          );
    });
    const championP = versionFacts(
      toPorts,
      t.to,
      registryCall(toPorts, 'registry.getVersionByAlias', [championName, alias], () =>
        toPorts.registry.getVersionByAlias(championName, alias),
      ),
      `the champion (alias "${alias}" of ${championName} in ${t.to})`,
      { run: needs.championRun, signature: needs.championSignature, modelTags: needs.championModelTags, requirements: false },
    );
    const approvalsP = needs.approvals ? approvals() : undefined;
    const commitsP = needs.commits ? candidateP.then(commitsOf) : undefined;
    const liveP = needs.live && needs.live.length > 0 ? candidateP.then((c) => liveOf(t, c, needs.live ?? [])) : undefined;
    const changedP = needs.changedFiles ? changedFiles() : undefined;

    const [candidate, champion, approvalsFact, commits, changed, live] = await Promise.all([candidateP, championP, approvalsP, commitsP, changedP, liveP]);
    return {
      candidate,
      champion,
      ...(approvalsFact ? { approvals: approvalsFact } : {}),
      ...(commits ? { commits } : {}),
      ...(changed ? { changedFiles: changed } : {}),
      ...(live ? { live } : {}),
    };
  };

  return new Map(input.targets.map((t) => [targetKey(t), gatherTarget(t)] as const));
}

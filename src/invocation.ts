// Inputs are parsed exactly once, at the edge, into an Invocation. Nothing else reads argv,
// action inputs or flags. The CLI (argv) and the action (INPUT_* / MLOPS_GATE_* env) both end here.

import { parseArgs } from 'node:util';
import { UsageError } from './errors.js';

import { RELAY_EVENTS, type RelayEventName } from './relay/events.js';
import { eventTypeProblem } from './relay/dispatch.js';
import { OUTPUT_FORMATS, type OutputFormat } from './report/renderers.js';
import { DOCTOR_FORMAT_NAMES, type DoctorFormat } from './doctor/render.js';
export type { OutputFormat };
import type { FailOn } from './result/exit.js';
export type { FailOn };

interface ConfigCommand {
  readonly configPath: string;
}

/** How long a command may wait on servers (flags, action inputs); null: the environment's or the default. */
export interface Timeouts {
  /** Per request, seconds (--request-timeout; MLOPS_GATE_HTTP_TIMEOUT_SECONDS; default 20). */
  readonly requestSeconds: number | null;
  /** The whole command, seconds (--deadline 10m; MLOPS_GATE_DEADLINE_SECONDS; default none). */
  readonly deadlineSeconds: number | null;
}

export const NO_TIMEOUTS: Timeouts = { requestSeconds: null, deadlineSeconds: null };

export interface ValidateInvocation extends ConfigCommand {
  readonly command: 'validate';
  readonly format: OutputFormat;
  /** Treat warnings (e.g. expired waivers) as errors. */
  readonly strict: boolean;
}

export interface PlanInvocation extends ConfigCommand {
  readonly command: 'plan';
  readonly format: OutputFormat;
  readonly models: readonly string[];
  readonly to: string | null;
  /** Replay evidence from a file instead of asking the registries. */
  readonly evidencePath: string | null;
  /** Write the gathered evidence here (for offline review / replay). */
  readonly saveEvidencePath: string | null;
  /** Also write the JSON result document here, whatever --format says. */
  readonly resultPath: string | null;
  readonly failOn: FailOn;
  /** text: every gate with its message and measured values. */
  readonly verbose?: boolean;
  readonly timeouts?: Timeouts;
  /** Only this shard of the models (`--shard 2/4`, a GitHub Actions matrix leg); null: all. */
  readonly shard?: Shard | null;
}

/** One of `count` deterministic parts of a release (src/run/shard.ts); `index` is 1-based. */
export interface Shard {
  readonly index: number;
  readonly count: number;
}

export interface PromoteInvocation extends ConfigCommand {
  readonly command: 'promote';
  readonly format: OutputFormat;
  readonly models: readonly string[];
  readonly to: string | null;
  /** Refuse unless the plan's hash matches (`sha256:<hex>`, a ≥12-char hex prefix, or a result JSON file). */
  readonly expectPlan: string | null;
  /** Plan and check only: no lock, no writes. */
  readonly dryRun: boolean;
  readonly resultPath: string | null;
  readonly failOn: FailOn;
  /** text: the gates of every target, not only of those that do not simply pass. */
  readonly verbose?: boolean;
  readonly timeouts?: Timeouts;
  /** Targets applied at once (--parallel-targets; MLOPS_GATE_PARALLEL_TARGETS; default 4); null: the environment's or the default. */
  readonly parallelTargets?: number | null;
  /** Only this shard of the models (`--shard 2/4`); null: all. */
  readonly shard?: Shard | null;
}

export interface RollbackInvocation extends ConfigCommand {
  readonly command: 'rollback';
  readonly format: OutputFormat;
  readonly model: string;
  readonly env: string;
  /** Roll back to this version instead of the journaled previous champion. */
  readonly toVersion: string | null;
  readonly dryRun: boolean;
  readonly resultPath: string | null;
  readonly timeouts?: Timeouts;
}

export interface EmulatorInvocation {
  readonly command: 'emulator';
  readonly port: number;
  readonly host: string;
  readonly statePath: string | null;
  readonly seedPath: string | null;
}

export interface RelayInvocation {
  readonly command: 'relay';
  readonly port: number;
  readonly host: string;
  /** The path MLflow posts deliveries to. */
  readonly path: string;
  /** Name of the environment variable holding the webhook secret (never the secret itself). */
  readonly secretEnv: string;
  /** Name of the environment variable holding the GitHub token. */
  readonly tokenEnv: string;
  /** owner/name; null = GITHUB_REPOSITORY. */
  readonly githubRepo: string | null;
  readonly eventType: string;
  readonly events: readonly RelayEventName[];
  readonly models: readonly string[] | null;
  readonly aliases: readonly string[] | null;
  readonly registryUrl: string | null;
  readonly maxSkewSeconds: number;
  readonly maxBodyBytes: number;
  readonly concurrency: number;
  readonly queueLimit: number;
}

export interface DoctorInvocation extends ConfigCommand {
  readonly command: 'doctor';
  readonly format: DoctorFormat;
  /** Only this environment (null: every one). */
  readonly env: string | null;
  /** `CATALOG.SCHEMA` for the write probes; null: read-only. */
  readonly probeWrites: string | null;
}

/** `merge-results`: the result files of a release's matrix legs → one result, summary and exit code. */
export interface MergeResultsInvocation {
  readonly command: 'merge-results';
  /** Result JSON files, or directories whose `*.json` files are read. */
  readonly files: readonly string[];
  readonly format: OutputFormat;
  readonly resultPath: string | null;
  readonly failOn: FailOn;
  /** Order the targets as this config lists them (else: the legs' order). */
  readonly orderConfig: string | null;
}

export interface BumpInvocation extends ConfigCommand {
  readonly command: 'bump';
  /** Registered model name, as the registry event names it. */
  readonly name: string;
  readonly version: string;
}

export type Invocation =
  | ValidateInvocation
  | PlanInvocation
  | PromoteInvocation
  | RollbackInvocation
  | EmulatorInvocation
  | RelayInvocation
  | BumpInvocation
  | DoctorInvocation
  | MergeResultsInvocation
  | { readonly command: 'demo'; readonly format: OutputFormat }
  | { readonly command: 'help'; readonly topic: string | null }
  | { readonly command: 'version' };

/** A plan invocation with the CLI's defaults (for programmatic callers such as the demo). */
export const planInvocation = (configPath: string, overrides: Partial<Omit<PlanInvocation, 'command' | 'configPath'>> = {}): PlanInvocation => ({
  command: 'plan',
  configPath,
  format: 'text',
  models: [],
  to: null,
  evidencePath: null,
  saveEvidencePath: null,
  resultPath: null,
  failOn: 'fail',
  verbose: false,
  timeouts: NO_TIMEOUTS,
  shard: null,
  ...overrides,
});

export const COMMANDS = ['validate', 'plan', 'promote', 'rollback', 'doctor', 'merge-results', 'emulator', 'relay', 'bump', 'demo', 'help', 'version'] as const;

const CHOICES = OUTPUT_FORMATS.join('|');

export const USAGE = `mlops-gate — policy gates, promotion and rollback for ML models (MLflow, Databricks)

Usage:
  mlops-gate validate [--config mlops.yml] [--format text|json] [--strict]
  mlops-gate plan     [--config mlops.yml] [--format ${CHOICES}] [--model M]... [--to ENV]
                      [--evidence FILE] [--save-evidence FILE] [--result FILE] [--fail-on fail|warn] [--verbose]
                      [--request-timeout 20s] [--deadline 10m] [--shard I/N]
  mlops-gate promote  [--config mlops.yml] [--model M]... [--to ENV] [--expect-plan HASH|RESULT.json]
                      [--dry-run] [--format ${CHOICES}] [--result FILE] [--fail-on fail|warn] [--verbose]
                      [--request-timeout 20s] [--deadline DURATION] [--parallel-targets 4] [--shard I/N]
  mlops-gate rollback [--config mlops.yml] --model M --env ENV [--to-version V] [--dry-run]
                      [--format ${CHOICES}] [--result FILE] [--request-timeout 20s] [--deadline DURATION]
  mlops-gate doctor   [--config mlops.yml] [--env ENV] [--probe-writes CATALOG.SCHEMA] [--format ${DOCTOR_FORMAT_NAMES.join('|')}]
                      (checks every environment against the real workspace or server; run it once before
                       the first promotion. Read-only unless --probe-writes, which cleans up after itself)
  mlops-gate merge-results [--format ${CHOICES}] [--result FILE] [--fail-on fail|warn] [--config mlops.yml] FILE|DIR...
                      (the result files of a release's matrix legs, --shard I/N, as one result and exit code)
  mlops-gate emulator [--port 8787] [--host 127.0.0.1] [--state FILE] [--seed FILE|demo]
  mlops-gate relay    [--port 8788] [--host 127.0.0.1] [--path /mlflow-webhook] [--github-repo OWNER/NAME]
                      [--secret-env MLOPS_GATE_RELAY_SECRET] [--token-env GITHUB_TOKEN] [--event-type T]
                      [--events E,...] [--models GLOB,...] [--aliases A,...] [--registry-url URL]
                      [--max-skew-seconds 300] [--max-body-bytes 65536] [--concurrency 4] [--queue 100]
                      (MLflow registry webhooks → GitHub repository_dispatch; docs/relay.md)
  mlops-gate bump     [--config mlops.yml] --name REGISTERED_MODEL --version V
                      (pin the candidate of the models registered as that name to version V)
  mlops-gate demo     [--format ${CHOICES}]   (the main job on the built-in emulator)
  mlops-gate version | help

Exit codes: 0 nothing blocks · 1 a gate blocks · 2 invalid config or usage · 3 evidence could not be gathered
            (promote/rollback: 3 also when a step failed, the plan drifted, or another run holds the lock)
            promote applies every target that passes even when others are blocked; it then exits 1 (or 3)
`;

const FORMATS: readonly OutputFormat[] = OUTPUT_FORMATS;

const oneOf = <T extends string>(flag: string, value: string | undefined, allowed: readonly T[], fallback: T): T => {
  if (value === undefined) return fallback;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`--${flag} must be one of ${allowed.join(', ')} (got "${value}")`);
};

const port = (value: string | undefined, fallback: number): number => {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError(`--port must be an integer 0..65535 (got "${value}")`);
  return n;
};

/** Options shared by the commands that act on targets (plan, promote). */
const TARGET_OPTIONS = {
  config: { type: 'string', short: 'c' },
  format: { type: 'string', short: 'f' },
  model: { type: 'string', short: 'm', multiple: true },
  to: { type: 'string' },
  result: { type: 'string' },
  'fail-on': { type: 'string' },
  verbose: { type: 'boolean' },
  'request-timeout': { type: 'string' },
  deadline: { type: 'string' },
  shard: { type: 'string' },
} as const;

type ParsedValues = Readonly<Record<string, string | boolean | string[] | undefined>>;
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

const targetValues = (v: ParsedValues) => ({
  configPath: str(v.config) ?? 'mlops.yml',
  format: oneOf('format', str(v.format), FORMATS, 'text'),
  models: splitList(Array.isArray(v.model) ? v.model : []),
  to: str(v.to) ?? null,
  resultPath: str(v.result) ?? null,
  failOn: oneOf('fail-on', str(v['fail-on']), ['fail', 'warn'] as const, 'fail'),
  verbose: v.verbose === true,
  timeouts: timeoutsOf(v),
  shard: parseShard('--shard', str(v.shard)),
});

/** `2/4` → the second of four shards; anything else is a usage error naming where it came from. */
export function parseShard(where: string, value: string | undefined): Shard | null {
  if (value === undefined || value.trim() === '') return null;
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(value);
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || count > 256 || index < 1 || index > count) {
    throw new UsageError(`${where} must be I/N with 1 ≤ I ≤ N ≤ 256, e.g. 2/4 for the second of four matrix legs (got "${value}")`);
  }
  return { index, count };
}

/** `--parallel-targets` (or MLOPS_GATE_PARALLEL_TARGETS): an integer 1..64. */
export function parseParallelTargets(where: string, value: string | undefined): number | null {
  if (value === undefined || value.trim() === '') return null;
  const v = value.trim();
  const n = Number(v);
  if (!/^[0-9]+$/.test(v) || n < 1 || n > 64) throw new UsageError(`${where} must be an integer 1..64: how many targets a release applies at once (got "${value}")`);
  return n;
}

/** `30`, `30s`, `10m`, `1h30m` → seconds; anything else is a usage error naming the flag. */
const seconds = (flag: string, value: string | undefined): number | null => {
  if (value === undefined) return null;
  const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s?)?$/.exec(value.trim());
  const total = m && value.trim() !== '' ? Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0) : NaN;
  if (!Number.isFinite(total) || total <= 0) throw new UsageError(`--${flag} must be a positive duration such as 30, 45s, 10m or 1h (got "${value}")`);
  return total;
};

const timeoutsOf = (v: ParsedValues): Timeouts => ({
  requestSeconds: seconds('request-timeout', str(v['request-timeout'])),
  deadlineSeconds: seconds('deadline', str(v.deadline)),
});

/** One command's lines of the usage text (its synopsis and the lines continuing it). */
export function commandUsage(command: string): string | null {
  const lines = USAGE.split('\n');
  const start = lines.findIndex((l) => l.startsWith(`  mlops-gate ${command} `) || l === `  mlops-gate ${command}`);
  if (start < 0) return null;
  const own = [lines[start]!];
  for (const l of lines.slice(start + 1)) {
    if (!l.startsWith('                 ')) break;
    own.push(l);
  }
  const exits = lines.slice(lines.findIndex((l) => l.startsWith('Exit codes')));
  return `Usage:\n${own.join('\n')}\n\n${exits.join('\n')}`;
}

const isKnownCommand = (c: string): boolean => (COMMANDS as readonly string[]).includes(c);

/** Commands whose first positional argument is the config file (`mlops-gate validate mlops.yml`). */
const TAKES_CONFIG = new Set(['validate', 'plan', 'promote', 'rollback', 'bump']);

/** Parse CLI arguments (without `node` and the script path). */
export function parseCliArgs(argv: readonly string[]): Invocation {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    const topic = rest[0] ?? null;
    if (topic !== null && !isKnownCommand(topic)) throw new UsageError(`help: unknown command "${topic}"; expected one of ${COMMANDS.join(', ')}`);
    return { command: 'help', topic };
  }
  if (command === 'version' || command === '--version' || command === '-v') return { command: 'version' };
  // `mlops-gate plan --help` (or -h anywhere): that command's usage, exit 0.
  if (isKnownCommand(command) && rest.some((a) => a === '--help' || a === '-h')) return { command: 'help', topic: command };

  const parse = (options: NonNullable<Parameters<typeof parseArgs>[0]>['options']) => {
    let parsed: ReturnType<typeof parseArgs>;
    try {
      parsed = parseArgs({ args: [...rest], options, allowPositionals: TAKES_CONFIG.has(command), strict: true });
    } catch (e) {
      const message = (e as Error).message.replace(/\. This command does not take positional arguments$/, '').replace(/ To specify a positional argument starting with a '-'.*$/, '');
      throw new UsageError(`${command}: ${message}; see mlops-gate ${command} --help`);
    }
    const values = { ...parsed.values } as Record<string, string | boolean | string[] | undefined>;
    // A positional config path, the natural first try: `mlops-gate validate mlops.yml`.
    if (parsed.positionals.length > 1) throw new UsageError(`${command}: one config file at most (got ${parsed.positionals.map((p) => `"${p}"`).join(', ')})`);
    const positional = parsed.positionals[0];
    if (positional !== undefined) {
      if (typeof values.config === 'string') throw new UsageError(`${command}: the config file is given twice (--config ${values.config} and ${positional}); keep one`);
      values.config = positional;
    }
    return values;
  };

  switch (command) {
    case 'validate': {
      const v = parse({ config: { type: 'string', short: 'c' }, format: { type: 'string', short: 'f' }, strict: { type: 'boolean' } });
      return {
        command,
        configPath: str(v.config) ?? 'mlops.yml',
        // validate reports on the config, not on a result: text or JSON.
        format: oneOf('format', str(v.format), ['text', 'json'] as const, 'text'),
        strict: v.strict === true,
      };
    }
    case 'plan': {
      const v = parse({
        ...TARGET_OPTIONS,
        evidence: { type: 'string' },
        'save-evidence': { type: 'string' },
      });
      return {
        command,
        ...targetValues(v),
        evidencePath: str(v.evidence) ?? null,
        saveEvidencePath: str(v['save-evidence']) ?? null,
      };
    }
    case 'promote': {
      const v = parse({
        ...TARGET_OPTIONS,
        'expect-plan': { type: 'string' },
        'dry-run': { type: 'boolean' },
        'parallel-targets': { type: 'string' },
      });
      return {
        command,
        ...targetValues(v),
        expectPlan: str(v['expect-plan']) ?? null,
        dryRun: v['dry-run'] === true,
        parallelTargets: parseParallelTargets('--parallel-targets', str(v['parallel-targets'])),
      };
    }
    case 'rollback': {
      const v = parse({
        config: { type: 'string', short: 'c' },
        format: { type: 'string', short: 'f' },
        model: { type: 'string', short: 'm' },
        env: { type: 'string', short: 'e' },
        'to-version': { type: 'string' },
        'dry-run': { type: 'boolean' },
        result: { type: 'string' },
        'request-timeout': { type: 'string' },
        deadline: { type: 'string' },
      });
      const model = str(v.model);
      const env = str(v.env);
      if (!model) throw new UsageError('rollback: --model is required (the model id under models: in the config)');
      if (!env) throw new UsageError('rollback: --env is required (the environment whose champion is rolled back)');
      const toVersion = str(v['to-version']) ?? null;
      if (toVersion !== null && !/^[1-9][0-9]*$/.test(toVersion)) {
        throw new UsageError(`rollback: --to-version must be a version number (got "${toVersion}")`);
      }
      return {
        command,
        configPath: str(v.config) ?? 'mlops.yml',
        format: oneOf('format', str(v.format), FORMATS, 'text'),
        model,
        env,
        toVersion,
        dryRun: v['dry-run'] === true,
        resultPath: str(v.result) ?? null,
        timeouts: timeoutsOf(v),
      };
    }
    case 'doctor': {
      const v = parse({ config: { type: 'string', short: 'c' }, format: { type: 'string', short: 'f' }, env: { type: 'string', short: 'e' }, 'probe-writes': { type: 'string' } });
      const probeWrites = str(v['probe-writes']) ?? null;
      if (probeWrites !== null && !/^[^.\s/]+\.[^.\s/]+$/.test(probeWrites)) {
        throw new UsageError(`doctor: --probe-writes takes a scratch schema as CATALOG.SCHEMA (got "${probeWrites}")`);
      }
      return {
        command,
        configPath: str(v.config) ?? 'mlops.yml',
        format: oneOf('format', str(v.format), DOCTOR_FORMAT_NAMES, 'text'),
        env: str(v.env) ?? null,
        probeWrites,
      };
    }
    case 'merge-results': {
      let parsed: ReturnType<typeof parseArgs>;
      try {
        parsed = parseArgs({
          args: [...rest],
          options: { format: { type: 'string', short: 'f' }, result: { type: 'string' }, 'fail-on': { type: 'string' }, config: { type: 'string', short: 'c' } },
          allowPositionals: true,
          strict: true,
        });
      } catch (e) {
        throw new UsageError(`merge-results: ${(e as Error).message}; see mlops-gate merge-results --help`);
      }
      const v = parsed.values as ParsedValues;
      if (parsed.positionals.length === 0) throw new UsageError('merge-results: name the result files (or their directory) of the matrix legs, e.g. mlops-gate merge-results results/');
      return {
        command,
        files: parsed.positionals,
        format: oneOf('format', str(v.format), FORMATS, 'text'),
        resultPath: str(v.result) ?? null,
        failOn: oneOf('fail-on', str(v['fail-on']), ['fail', 'warn'] as const, 'fail'),
        orderConfig: str(v.config) ?? null,
      };
    }
    case 'demo': {
      const v = parse({ format: { type: 'string', short: 'f' } });
      return { command, format: oneOf('format', str(v.format), FORMATS, 'text') };
    }
    case 'emulator': {
      const v = parse({ port: { type: 'string', short: 'p' }, host: { type: 'string' }, state: { type: 'string' }, seed: { type: 'string' } });
      return {
        command,
        port: port(str(v.port), 8787),
        host: str(v.host) ?? '127.0.0.1',
        statePath: str(v.state) ?? null,
        seedPath: str(v.seed) ?? null,
      };
    }
    case 'bump': {
      const v = parse({ config: { type: 'string', short: 'c' }, name: { type: 'string' }, version: { type: 'string' } });
      const name = str(v.name);
      const version = str(v.version);
      if (!name) throw new UsageError('bump: --name is required (the registered model name, e.g. from client_payload.model.name)');
      if (!version || !/^[1-9][0-9]*$/.test(version)) throw new UsageError(`bump: --version must be a version number (got "${version ?? ''}")`);
      return { command, configPath: str(v.config) ?? 'mlops.yml', name, version };
    }
    case 'relay':
      return relayInvocation(
        parse({
          port: { type: 'string', short: 'p' },
          host: { type: 'string' },
          path: { type: 'string' },
          'secret-env': { type: 'string' },
          'token-env': { type: 'string' },
          'github-repo': { type: 'string' },
          'event-type': { type: 'string' },
          events: { type: 'string', multiple: true },
          models: { type: 'string', multiple: true },
          aliases: { type: 'string', multiple: true },
          'registry-url': { type: 'string' },
          'max-skew-seconds': { type: 'string' },
          'max-body-bytes': { type: 'string' },
          concurrency: { type: 'string' },
          queue: { type: 'string' },
        }),
      );
    default:
      throw new UsageError(`unknown command "${command}"; expected one of ${COMMANDS.join(', ')}`);
  }
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

const intIn = (flag: string, value: string | undefined, min: number, max: number, fallback: number): number => {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^[0-9]+$/.test(value) || n < min || n > max) throw new UsageError(`relay: --${flag} must be an integer ${min}..${max} (got "${value}")`);
  return n;
};

const envName = (flag: string, value: string | undefined, fallback: string): string => {
  const v = value ?? fallback;
  if (!ENV_NAME.test(v)) throw new UsageError(`relay: --${flag} takes the NAME of an environment variable (got something else; never pass the secret itself)`);
  return v;
};

function relayInvocation(v: ParsedValues): RelayInvocation {
  const list = (x: unknown): string[] | null => (Array.isArray(x) && x.length ? splitList(x) : null);
  const events = list(v.events) ?? [...RELAY_EVENTS];
  for (const e of events) {
    if (!(RELAY_EVENTS as readonly string[]).includes(e)) throw new UsageError(`relay: --events takes ${RELAY_EVENTS.join(', ')} (got "${e}")`);
  }
  const eventType = str(v['event-type']) ?? 'mlops-gate-registry';
  const problem = eventTypeProblem(eventType);
  if (problem) throw new UsageError(`relay: --event-type ${problem}`);
  const repo = str(v['github-repo']) ?? null;
  if (repo !== null && !/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(repo)) throw new UsageError(`relay: --github-repo must be OWNER/NAME (got "${repo}")`);
  const path = str(v.path) ?? '/mlflow-webhook';
  if (!/^\/[A-Za-z0-9._~/-]*$/.test(path)) throw new UsageError(`relay: --path must be an absolute URL path such as /mlflow-webhook (got "${path}")`);
  const registryUrl = str(v['registry-url']) ?? null;
  if (registryUrl !== null && !/^https?:\/\/[^\s]+$/.test(registryUrl)) throw new UsageError(`relay: --registry-url must be an http(s) URL (got "${registryUrl}")`);
  const concurrency = intIn('concurrency', str(v.concurrency), 1, 64, 4);
  return {
    command: 'relay',
    port: port(str(v.port), 8788),
    host: str(v.host) ?? '127.0.0.1',
    path,
    secretEnv: envName('secret-env', str(v['secret-env']), 'MLOPS_GATE_RELAY_SECRET'),
    tokenEnv: envName('token-env', str(v['token-env']), 'GITHUB_TOKEN'),
    githubRepo: repo,
    eventType,
    events: events as RelayEventName[],
    models: list(v.models),
    aliases: list(v.aliases),
    registryUrl,
    maxSkewSeconds: intIn('max-skew-seconds', str(v['max-skew-seconds']), 1, 3600, 300),
    maxBodyBytes: intIn('max-body-bytes', str(v['max-body-bytes']), 1024, 10 * 1024 * 1024, 65_536),
    concurrency,
    queueLimit: intIn('queue', str(v.queue), concurrency, 100_000, 100),
  };
}

/** `a,b` and repeated flags both work; blanks are dropped. */
export const splitList = (values: readonly string[]): string[] =>
  values.flatMap((v) => v.split(/[,\s]+/)).filter((v) => v.length > 0);

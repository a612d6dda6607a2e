// Inputs are parsed exactly once, at the edge, into an Invocation. Nothing else reads argv,
// action inputs or flags. The CLI (argv) and the action (INPUT_* / MLOPS_GATE_* env) both end here.

import { parseArgs } from 'node:util';
import { UsageError } from './errors.js';

import { OUTPUT_FORMATS, type OutputFormat } from './report/renderers.js';
export type { OutputFormat };
import type { FailOn } from './result/exit.js';
export type { FailOn };

interface ConfigCommand {
  readonly configPath: string;
}

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
}

export interface EmulatorInvocation {
  readonly command: 'emulator';
  readonly port: number;
  readonly host: string;
  readonly statePath: string | null;
  readonly seedPath: string | null;
}

export type Invocation =
  | ValidateInvocation
  | PlanInvocation
  | PromoteInvocation
  | RollbackInvocation
  | EmulatorInvocation
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
  ...overrides,
});

export const COMMANDS = ['validate', 'plan', 'promote', 'rollback', 'emulator', 'demo', 'help', 'version'] as const;

const CHOICES = OUTPUT_FORMATS.join('|');

export const USAGE = `mlops-gate — policy gates, promotion and rollback for ML models (MLflow, Databricks)

Usage:
  mlops-gate validate [--config mlops.yml] [--format text|json] [--strict]
  mlops-gate plan     [--config mlops.yml] [--format ${CHOICES}] [--model M]... [--to ENV]
                      [--evidence FILE] [--save-evidence FILE] [--result FILE] [--fail-on fail|warn] [--verbose]
  mlops-gate promote  [--config mlops.yml] [--model M]... [--to ENV] [--expect-plan HASH|RESULT.json]
                      [--dry-run] [--format ${CHOICES}] [--result FILE] [--fail-on fail|warn] [--verbose]
  mlops-gate rollback [--config mlops.yml] --model M --env ENV [--to-version V] [--dry-run]
                      [--format ${CHOICES}] [--result FILE]
  mlops-gate emulator [--port 8787] [--host 127.0.0.1] [--state FILE] [--seed FILE|demo]
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
});

/** Parse CLI arguments (without `node` and the script path). */
export function parseCliArgs(argv: readonly string[]): Invocation {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    return { command: 'help', topic: rest[0] ?? null };
  }
  if (command === 'version' || command === '--version' || command === '-v') return { command: 'version' };

  const parse = (options: NonNullable<Parameters<typeof parseArgs>[0]>['options']) => {
    try {
      return parseArgs({ args: [...rest], options, allowPositionals: false, strict: true }).values as Record<
        string,
        string | boolean | string[] | undefined
      >;
    } catch (e) {
      throw new UsageError(`${command}: ${(e as Error).message}`);
    }
  };

  switch (command) {
    case 'validate': {
      const v = parse({ config: { type: 'string', short: 'c' }, format: { type: 'string', short: 'f' }, strict: { type: 'boolean' } });
      return {
        command,
        configPath: str(v.config) ?? 'mlops.yml',
        format: oneOf('format', str(v.format), FORMATS, 'text'),
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
      });
      return {
        command,
        ...targetValues(v),
        expectPlan: str(v['expect-plan']) ?? null,
        dryRun: v['dry-run'] === true,
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
    default:
      throw new UsageError(`unknown command "${command}"; expected one of ${COMMANDS.join(', ')}`);
  }
}

/** `a,b` and repeated flags both work; blanks are dropped. */
export const splitList = (values: readonly string[]): string[] =>
  values.flatMap((v) => v.split(/[,\s]+/)).filter((v) => v.length > 0);

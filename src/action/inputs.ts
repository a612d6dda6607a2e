// Action inputs → the same Invocation the CLI builds. action.yml maps each input to an
// MLOPS_GATE_* variable by hand (composite steps get no INPUT_* variables).

import { UsageError } from '../errors.js';
import { parseCliArgs, splitList, type Invocation, type FailOn } from '../invocation.js';

export interface ActionSettings {
  readonly invocation: Invocation;
  /** Post/update the sticky PR comment. */
  readonly comment: boolean;
  readonly githubToken: string | null;
  /** promote/rollback: record a GitHub Deployment per environment that names a `github_environment`. */
  readonly deployments: boolean;
  /** The login the token writes comments as when GitHub cannot tell (installation tokens). */
  readonly commentAuthor: string;
}

const ACTION_COMMANDS = ['validate', 'plan', 'promote', 'rollback', 'doctor', 'merge-results'] as const;

const bool = (name: string, value: string | undefined, fallback: boolean): boolean => {
  if (value === undefined || value.trim() === '') return fallback;
  const v = value.trim().toLowerCase();
  if (['true', 'on', 'yes', '1'].includes(v)) return true;
  if (['false', 'off', 'no', '0'].includes(v)) return false;
  throw new UsageError(`input "${name}" must be true or false (got "${value}")`);
};

export function readActionInputs(env: Readonly<Record<string, string | undefined>>): ActionSettings {
  const input = (name: string): string | undefined => {
    const v = env[`MLOPS_GATE_${name.toUpperCase().replace(/-/g, '_')}`];
    return v === undefined || v.trim() === '' ? undefined : v.trim();
  };
  const command = input('command') ?? 'plan';
  const argv: string[] = [command];
  const push = (flag: string, value: string | undefined) => {
    if (value !== undefined) argv.push(`--${flag}`, value);
  };
  const models = splitList([input('models') ?? '']);
  switch (command) {
    case 'validate':
      push('config', input('config'));
      break;
    case 'plan':
      push('config', input('config'));
      for (const m of models) argv.push('--model', m);
      push('to', input('environment'));
      push('evidence', input('evidence'));
      push('fail-on', input('fail-on') as FailOn | undefined);
      push('request-timeout', input('request-timeout'));
      push('deadline', input('deadline'));
      push('shard', input('shard'));
      argv.push('--format', 'markdown');
      break;
    case 'promote':
      push('config', input('config'));
      for (const m of models) argv.push('--model', m);
      push('to', input('environment'));
      push('expect-plan', input('expect-plan'));
      if (bool('dry-run', input('dry-run'), false)) argv.push('--dry-run');
      push('fail-on', input('fail-on') as FailOn | undefined);
      push('request-timeout', input('request-timeout'));
      push('deadline', input('deadline'));
      push('parallel-targets', input('parallel-targets'));
      push('shard', input('shard'));
      argv.push('--format', 'markdown');
      break;
    case 'rollback': {
      if (models.length > 1) throw new UsageError(`rollback takes one model in input "models" (got ${models.join(', ')})`);
      push('config', input('config'));
      push('model', models[0]);
      push('env', input('environment'));
      push('to-version', input('to-version'));
      if (bool('dry-run', input('dry-run'), false)) argv.push('--dry-run');
      push('request-timeout', input('request-timeout'));
      push('deadline', input('deadline'));
      argv.push('--format', 'markdown');
      break;
    }
    case 'merge-results': {
      const results = splitList([input('results') ?? '']);
      if (results.length === 0) throw new UsageError('command merge-results needs input "results": the directory (or files) the legs\' result JSON files were downloaded to');
      push('fail-on', input('fail-on') as FailOn | undefined);
      push('config', input('config'));
      argv.push('--format', 'markdown', ...results);
      break;
    }
    case 'doctor':
      push('config', input('config'));
      push('env', input('environment'));
      push('probe-writes', input('probe-writes'));
      argv.push('--format', 'markdown');
      break;
    default:
      throw new UsageError(`input "command" must be one of ${ACTION_COMMANDS.join(', ')} (got "${command}")`);
  }
  return {
    invocation: parseCliArgs(argv),
    comment: bool('comment', input('comment'), true),
    githubToken: input('github-token') ?? null,
    deployments: bool('deployments', input('deployments'), true),
    commentAuthor: input('comment-author') ?? 'github-actions[bot]',
  };
}

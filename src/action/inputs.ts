// Action inputs → the same Invocation the CLI builds. action.yml maps each input to an
// MLOPS_GATE_* variable by hand (composite steps get no INPUT_* variables).

import { UsageError } from '../errors.js';
import { parseCliArgs, splitList, type Invocation, type FailOn } from '../invocation.js';

export interface ActionSettings {
  readonly invocation: Invocation;
  /** Post/update the sticky PR comment (issue: GitHub integration). */
  readonly comment: boolean;
  readonly githubToken: string | null;
}

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
  switch (command) {
    case 'validate':
      push('config', input('config'));
      break;
    case 'plan':
      push('config', input('config'));
      for (const m of splitList([input('models') ?? ''])) argv.push('--model', m);
      push('to', input('environment'));
      push('evidence', input('evidence'));
      push('fail-on', input('fail-on') as FailOn | undefined);
      argv.push('--format', 'markdown');
      break;
    default:
      throw new UsageError(`input "command" must be one of validate, plan (got "${command}")`);
  }
  return {
    invocation: parseCliArgs(argv),
    comment: bool('comment', input('comment'), true),
    githubToken: input('github-token') ?? null,
  };
}

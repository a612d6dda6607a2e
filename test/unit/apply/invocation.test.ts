import { describe, expect, it } from 'vitest';
import { parseCliArgs } from '../../../src/invocation.js';
import { UsageError } from '../../../src/errors.js';

describe('promote and rollback arguments', () => {
  it('parses promote with --expect-plan and --dry-run', () => {
    expect(parseCliArgs(['promote', '--config', 'm.yml', '--model', 'a,b', '--to', 'prod', '--expect-plan', 'sha256:ab', '--dry-run'])).toMatchObject({
      command: 'promote',
      configPath: 'm.yml',
      models: ['a', 'b'],
      to: 'prod',
      expectPlan: 'sha256:ab',
      dryRun: true,
      failOn: 'fail',
    });
  });
  it('rollback needs --model and --env, and a numeric --to-version', () => {
    expect(parseCliArgs(['rollback', '--model', 'churn', '--env', 'prod', '--to-version', '4'])).toMatchObject({ command: 'rollback', model: 'churn', env: 'prod', toVersion: '4' });
    expect(() => parseCliArgs(['rollback', '--env', 'prod'])).toThrow(UsageError);
    expect(() => parseCliArgs(['rollback', '--model', 'churn'])).toThrow(/--env is required/);
    expect(() => parseCliArgs(['rollback', '--model', 'churn', '--env', 'prod', '--to-version', 'latest'])).toThrow(/version number/);
  });
});

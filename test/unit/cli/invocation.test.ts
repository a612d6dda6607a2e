import { describe, expect, it } from 'vitest';
import { parseCliArgs, planInvocation } from '../../../src/invocation.js';
import { readActionInputs } from '../../../src/action/inputs.js';
import { UsageError } from '../../../src/errors.js';

describe('parseCliArgs', () => {
  it('defaults plan options', () => {
    expect(parseCliArgs(['plan'])).toEqual({
      command: 'plan',
      configPath: 'mlops.yml',
      format: 'text',
      models: [],
      to: null,
      evidencePath: null,
      saveEvidencePath: null,
      resultPath: null,
      failOn: 'fail',
      verbose: false,
      timeouts: { requestSeconds: null, deadlineSeconds: null },
      shard: null,
    });
    expect(parseCliArgs(['plan'])).toEqual(planInvocation('mlops.yml'));
    expect(parseCliArgs(['promote', '--verbose'])).toMatchObject({ command: 'promote', verbose: true });
  });

  it('accepts repeated and comma-separated models', () => {
    const inv = parseCliArgs(['plan', '--model', 'a,b', '-m', 'c', '--to', 'prod', '--format', 'json']);
    expect(inv).toMatchObject({ command: 'plan', models: ['a', 'b', 'c'], to: 'prod', format: 'json' });
  });

  it.each([
    [['plan', '--format', 'xml'], /--format must be one of text, markdown, json/],
    [['plan', '--bogus'], /plan: Unknown option '--bogus'/],
    [['deploy'], /unknown command "deploy"/],
    [['plan', '--fail-on', 'error'], /--fail-on must be one of fail, warn/],
    [['emulator', '--port', '70000'], /--port must be an integer/],
    [['plan', 'a.yml', 'b.yml'], /plan: one config file at most/],
    [['plan', 'a.yml', '--config', 'b.yml'], /the config file is given twice/],
    [['help', 'deploy'], /help: unknown command "deploy"/],
  ])('rejects %j with a clear UsageError', (argv, message) => {
    expect(() => parseCliArgs(argv)).toThrow(UsageError);
    expect(() => parseCliArgs(argv)).toThrow(message);
  });

  it('timeouts: --request-timeout and --deadline take seconds or durations', () => {
    expect(parseCliArgs(['plan', '--request-timeout', '45s', '--deadline', '10m'])).toMatchObject({ timeouts: { requestSeconds: 45, deadlineSeconds: 600 } });
    expect(parseCliArgs(['rollback', '--model', 'm', '--env', 'prod', '--deadline', '1h30m'])).toMatchObject({ timeouts: { deadlineSeconds: 5400 } });
    expect(() => parseCliArgs(['plan', '--deadline', 'soon'])).toThrow(/--deadline must be a positive duration/);
    expect(() => parseCliArgs(['plan', '--request-timeout', '0'])).toThrow(/--request-timeout must be a positive duration/);
  });

  it('a positional config path, the natural first try', () => {
    expect(parseCliArgs(['validate', 'ml/mlops.yml'])).toMatchObject({ command: 'validate', configPath: 'ml/mlops.yml' });
    expect(parseCliArgs(['plan', 'ml/mlops.yml', '--to', 'prod'])).toMatchObject({ command: 'plan', configPath: 'ml/mlops.yml', to: 'prod' });
  });

  it('<command> --help, -h and help <command> ask for that command\'s usage', () => {
    expect(parseCliArgs(['plan', '--help'])).toEqual({ command: 'help', topic: 'plan' });
    expect(parseCliArgs(['promote', '--to', 'prod', '-h'])).toEqual({ command: 'help', topic: 'promote' });
    expect(parseCliArgs(['help', 'rollback'])).toEqual({ command: 'help', topic: 'rollback' });
  });

  it('help and version', () => {
    expect(parseCliArgs([])).toEqual({ command: 'help', topic: null });
    expect(parseCliArgs(['--version'])).toEqual({ command: 'version' });
  });
});

describe('readActionInputs', () => {
  it('maps MLOPS_GATE_* inputs to the same Invocation the CLI builds', () => {
    const settings = readActionInputs({
      MLOPS_GATE_COMMAND: 'plan',
      MLOPS_GATE_CONFIG: 'ml/mlops.yml',
      MLOPS_GATE_MODELS: 'churn, fraud',
      MLOPS_GATE_ENVIRONMENT: 'prod',
      MLOPS_GATE_FAIL_ON: 'warn',
      MLOPS_GATE_COMMENT: 'off',
      MLOPS_GATE_GITHUB_TOKEN: 'ghs_secret',
    });
    expect(settings.invocation).toEqual(
      parseCliArgs(['plan', '--config', 'ml/mlops.yml', '--model', 'churn', '--model', 'fraud', '--to', 'prod', '--fail-on', 'warn', '--format', 'markdown']),
    );
    expect(settings.comment).toBe(false);
    expect(settings.githubToken).toBe('ghs_secret');
  });

  it('rejects a bad boolean input naming the input', () => {
    expect(() => readActionInputs({ MLOPS_GATE_COMMENT: 'maybe' })).toThrow(/input "comment" must be true or false/);
  });
});

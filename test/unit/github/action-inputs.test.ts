import { describe, expect, it } from 'vitest';
import { readActionInputs } from '../../../src/action/inputs.js';
import { parseCliArgs } from '../../../src/invocation.js';

describe('action inputs for promote and rollback', () => {
  it('promote maps environment, expect-plan and dry-run to the CLI flags', () => {
    const s = readActionInputs({
      MLOPS_GATE_COMMAND: 'promote',
      MLOPS_GATE_MODELS: 'churn',
      MLOPS_GATE_ENVIRONMENT: 'prod',
      MLOPS_GATE_EXPECT_PLAN: 'sha256:0123456789abcdef',
      MLOPS_GATE_DRY_RUN: 'true',
    });
    expect(s.invocation).toEqual(
      parseCliArgs(['promote', '--model', 'churn', '--to', 'prod', '--expect-plan', 'sha256:0123456789abcdef', '--dry-run', '--format', 'markdown']),
    );
    expect(s.deployments).toBe(true);
  });

  it('rollback takes exactly one model and the environment', () => {
    const s = readActionInputs({ MLOPS_GATE_COMMAND: 'rollback', MLOPS_GATE_MODELS: 'churn', MLOPS_GATE_ENVIRONMENT: 'prod', MLOPS_GATE_TO_VERSION: '3', MLOPS_GATE_DEPLOYMENTS: 'off' });
    expect(s.invocation).toEqual(parseCliArgs(['rollback', '--model', 'churn', '--env', 'prod', '--to-version', '3', '--format', 'markdown']));
    expect(s.deployments).toBe(false);
    expect(() => readActionInputs({ MLOPS_GATE_COMMAND: 'rollback', MLOPS_GATE_MODELS: 'a,b', MLOPS_GATE_ENVIRONMENT: 'prod' })).toThrow(/one model/);
    expect(() => readActionInputs({ MLOPS_GATE_COMMAND: 'rollback', MLOPS_GATE_ENVIRONMENT: 'prod' })).toThrow(/--model is required/);
  });

  it('doctor maps environment and probe-writes; a malformed scratch schema is refused before any request', () => {
    const s = readActionInputs({ MLOPS_GATE_COMMAND: 'doctor', MLOPS_GATE_ENVIRONMENT: 'prod', MLOPS_GATE_PROBE_WRITES: 'ml_dev.scratch' });
    expect(s.invocation).toEqual(parseCliArgs(['doctor', '--env', 'prod', '--probe-writes', 'ml_dev.scratch', '--format', 'markdown']));
    expect(s.invocation).toMatchObject({ command: 'doctor', env: 'prod', probeWrites: 'ml_dev.scratch', format: 'markdown' });
    expect(readActionInputs({ MLOPS_GATE_COMMAND: 'doctor' }).invocation).toMatchObject({ command: 'doctor', env: null, probeWrites: null });
    expect(() => readActionInputs({ MLOPS_GATE_COMMAND: 'doctor', MLOPS_GATE_PROBE_WRITES: 'scratch' })).toThrow(/--probe-writes takes a scratch schema as CATALOG\.SCHEMA \(got "scratch"\)/);
  });

  it('names the commands the action accepts', () => {
    expect(() => readActionInputs({ MLOPS_GATE_COMMAND: 'emulator' })).toThrow(/must be one of validate, plan, promote, rollback, doctor/);
  });
});

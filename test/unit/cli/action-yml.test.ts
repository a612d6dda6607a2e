// Composite actions get no INPUT_* variables: action.yml maps each input to MLOPS_GATE_* by hand.
// This keeps action.yml, the program that reads the variables, and the docs of each input in step.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const action = parse(readFileSync('action.yml', 'utf8')) as {
  inputs: Record<string, { description: string; default?: string }>;
  outputs: Record<string, { value: string }>;
  runs: { using: string; steps: { env: Record<string, string>; run: string }[] };
};
const inputsSource = readFileSync('src/action/inputs.ts', 'utf8');
const envName = (input: string) => `MLOPS_GATE_${input.toUpperCase().replace(/-/g, '_')}`;

describe('action.yml', () => {
  it('is a composite action that checks the Node version before running the bundle', () => {
    expect(action.runs.using).toBe('composite');
    const script = action.runs.steps[0]!.run;
    expect(script).toMatch(/-lt 20/);
    expect(script).toContain('node "$GITHUB_ACTION_PATH/dist/index.js"');
  });

  it.each(Object.keys(action.inputs))('maps input %s to its MLOPS_GATE_* variable, which the program reads', (name) => {
    expect(action.runs.steps[0]!.env[envName(name)]).toBe(`\${{ inputs.${name} }}`);
    expect(inputsSource).toContain(`input('${name}')`);
    expect(action.inputs[name]!.description.length).toBeGreaterThan(10);
  });

  it('maps no variable that is not an input', () => {
    const mapped = Object.keys(action.runs.steps[0]!.env).filter((k) => k.startsWith('MLOPS_GATE_'));
    expect(mapped.sort()).toEqual(Object.keys(action.inputs).map(envName).sort());
  });

  it.each(['verdict', 'result-json', 'plan-hash'])('exposes output %s from the run step', (name) => {
    expect(action.outputs[name]!.value).toBe(`\${{ steps.run.outputs.${name} }}`);
  });
});

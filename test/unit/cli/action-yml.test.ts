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
    expect(script).toContain('node "$GITHUB_ACTION_PATH/dist/index.js"');
  });

  it('states one Node.js floor: package.json engines, the action\'s check and the README agree', () => {
    const engines = (JSON.parse(readFileSync('package.json', 'utf8')) as { engines: { node: string } }).engines.node;
    const floor = /^>=(\d+)\.(\d+)\.(\d+)$/.exec(engines);
    expect(floor, engines).not.toBeNull();
    const [major, minor, patch] = floor!.slice(1).map(Number) as [number, number, number];
    const script = action.runs.steps[0]!.run;
    expect(script).toContain(`Node.js ${major}.${minor}.${patch} or newer`);
    // The check itself, run on versions around the floor.
    const check = /node -e '([^']+)'/.exec(script)![1]!;
    const passes = (v: string) => {
      const [a, b, c] = v.split('.').map(Number) as [number, number, number];
      const code = new Function('process', check.replace('process.exit(', 'return (')) as (p: unknown) => number;
      return code({ versions: { node: `${a}.${b}.${c}` }, exit: (n: number) => n }) === 0;
    };
    expect(passes(`${major}.${minor}.${patch}`)).toBe(true);
    expect(passes(`${major}.${minor}.${patch - 1}`)).toBe(false);
    expect(passes(`${major}.${minor - 1}.99`)).toBe(false);
    expect(passes(`${major + 4}.0.0`)).toBe(true);
    expect(passes('18.20.0')).toBe(false);
    expect(readFileSync('README.md', 'utf8')).toContain(`Node.js ${major}.${minor}.${patch}`);
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

  it.each(['verdict', 'result-json', 'sarif', 'junit', 'plan-hash', 'promotable', 'promoted', 'blocked', 'failed'])('exposes output %s from the run step', (name) => {
    expect(action.outputs[name]!.value).toBe(`\${{ steps.run.outputs.${name} }}`);
  });
});

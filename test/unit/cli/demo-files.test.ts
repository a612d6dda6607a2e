// examples/demo/mlops.yml is the demo's built-in config as a file users (and CI's self-test) can run
// against `mlops-gate emulator --seed demo`. It must stay identical to what the demo runs.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEMO_CONFIG } from '../../../src/demo/scenario.js';

describe('demo files', () => {
  it('examples/demo/mlops.yml equals the built-in demo config', () => {
    expect(readFileSync('examples/demo/mlops.yml', 'utf8')).toBe(DEMO_CONFIG);
  });
});

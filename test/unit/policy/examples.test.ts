// The example policies in policies/examples/ load with every check validate makes (schema, regular
// expressions, CEL parse and type check), so what the docs point at works as written.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/loader.js';
import { gatesFor } from '../../../src/config/names.js';
import { checkGateOptions, needsFor } from '../../../src/policy/engine.js';

const ROOT = join(import.meta.dirname, '../../..');
const EXAMPLES = readdirSync(join(ROOT, 'policies/examples')).filter((f) => f.endsWith('.yml')).sort();

const config = (file: string): string => `version: 1
environments:
  dev: { registry: mlflow, tracking_uri: "http://127.0.0.1:5000" }
  prod: { registry: mlflow, tracking_uri: "http://127.0.0.1:5000", promote_from: dev }
models:
  churn:
    name: churn-\${env}
    candidate: { alias: challenger }
    policies: [policies/examples/${file}]
`;

describe('policies/examples', () => {
  it('holds examples', () => expect(EXAMPLES.length).toBeGreaterThanOrEqual(2));

  it.each(EXAMPLES)('%s loads with every gate checked', (file) => {
    const read = (p: string): string | null => {
      try {
        return readFileSync(join(ROOT, p), 'utf8');
      } catch {
        return null;
      }
    };
    const { config: loaded, diagnostics } = loadConfig({ file: 'mlops.yml', text: config(file) }, { env: {}, now: new Date('2026-11-23T00:00:00Z'), readFile: read, checkGate: checkGateOptions });
    expect(diagnostics).toEqual([]);
    const gates = gatesFor(loaded, { model: 'churn', from: 'dev', to: 'prod' });
    expect(gates.length).toBeGreaterThan(0);
    expect(() => needsFor(gates)).not.toThrow();
  });

  it('a broken expression in a policy file is reported in that file, at the character', () => {
    const policy = 'gates:\n  - type: expression\n    expression: >\n      candidate.run.metrics["auc"] >= 0.8\n      && candidate.tags["tier"] == 3\n';
    const read = (p: string): string | null => (p === 'broken.yml' ? policy : null);
    expect(() =>
      loadConfig({ file: 'mlops.yml', text: config('x').replace('policies/examples/x', 'broken.yml') }, { env: {}, now: new Date(), readFile: read, checkGate: checkGateOptions }),
    ).toThrow(expect.objectContaining({ diagnostics: [expect.objectContaining({ code: 'bad-expression', position: { file: 'broken.yml', line: 5, column: 10 } })] }));
  });
});

import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/loader.js';
import type { VersionInfo } from '../../../src/evidence/types.js';
import { isRefusal, planInputFor, registryIdOf, stageFor } from '../../../src/plan/inputs.js';

const config = (models: string, devUri = 'http://user:secret@mlflow:5000/', prodUri = 'http://user:secret@mlflow:5000') => {
  const text = `version: 1
environments:
  dev:
    registry: mlflow
    tracking_uri: ${devUri}
  prod:
    registry: mlflow
    tracking_uri: ${prodUri}
    promote_from: dev
models:
${models}
`;
  const { config: c, diagnostics } = loadConfig({ file: 'mlops.yml', text }, { env: {}, now: new Date('2026-11-23T00:00:00Z'), readFile: () => null });
  expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return c;
};

const candidate = (name: string): VersionInfo => ({
  name,
  version: '3',
  status: 'READY',
  description: null,
  tags: {},
  aliases: [],
  source: 'runs:/abc/model',
  runId: 'abc',
  modelId: null,
  createdAtMs: null,
  url: null,
});

const target = { model: 'churn', from: 'dev', to: 'prod' };

describe('planInputFor', () => {
  it('copy mode: per-environment names, registry ids without credentials, champion alias', () => {
    const c = config(`  churn:
    name: churn-\${env}
    promotion: copy
    candidate: { latest: true }`);
    const input = planInputFor(c, target, candidate('churn-dev'));
    expect(isRefusal(input)).toBe(false);
    if (isRefusal(input)) return;
    expect(input.destination).toEqual({ registry: 'http://mlflow:5000', model: 'churn-prod' });
    expect(input.source.registry).toBe('http://mlflow:5000');
    expect(input.aliases).toEqual(['champion']);
    expect(input.stage).toBeNull();
  });

  it('alias mode also moves the environment alias; stage mode maps prod to Production', () => {
    const a = planInputFor(config(`  churn:\n    name: churn\n    promotion: alias\n    candidate: { latest: true }`), target, candidate('churn'));
    expect(!isRefusal(a) && a.aliases).toEqual(['champion', 'prod']);
    const s = planInputFor(config(`  churn:\n    name: churn\n    promotion: stage\n    candidate: { latest: true }`), target, candidate('churn'));
    expect(!isRefusal(s) && s.stage).toBe('Production');
    expect(stageFor('staging')).toBe('Staging');
  });

  it('refuses copy onto the same model and alias mode across models, naming the fix', () => {
    const same = planInputFor(config(`  churn:\n    name: churn\n    promotion: copy\n    candidate: { latest: true }`), target, candidate('churn'));
    expect(isRefusal(same) && same.reason).toMatch(/use promotion: alias/);
    const across = planInputFor(config(`  churn:\n    name: churn-\${env}\n    promotion: alias\n    candidate: { latest: true }`), target, candidate('churn-dev'));
    expect(isRefusal(across) && across.reason).toMatch(/use promotion: copy/);
  });

  it('two servers are two registries (the copy transfers artifacts)', () => {
    const c = config(`  churn:\n    name: churn\n    promotion: copy\n    candidate: { latest: true }`, 'http://dev:5000', 'http://prod:5000');
    const input = planInputFor(c, target, candidate('churn'));
    expect(!isRefusal(input) && [input.source.registry, input.destination.registry]).toEqual(['http://dev:5000', 'http://prod:5000']);
    expect(registryIdOf(c.environments.get('dev')!)).toBe('http://dev:5000');
  });
});

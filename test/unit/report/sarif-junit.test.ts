// `--format sarif` against the official SARIF 2.1.0 schema (and what GitHub code scanning requires
// on top of it), `--format junit` against Jenkins' junit-10.xsd (and what dorny/test-reporter and
// mikepenz/action-junit-report read). Schemas: test/fixtures/report/README.md.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { validateXML } from 'xmllint-wasm';
import { renderResult } from '../../../src/report/renderers.js';
import type { GateEntry, ResultDocument, TargetReport } from '../../../src/result/types.js';

const schema = JSON.parse(readFileSync('test/fixtures/report/sarif-schema-2.1.0.json', 'utf8')) as object;
// Both are CommonJS with a default export: loaded through require, typed by what is used here.
type Validator = ((data: unknown) => boolean) & { errors?: unknown };
type Ajv04Class = new (options: object) => { compile(schema: object): Validator };
const require = createRequire(import.meta.url);
const Ajv04 = (require('ajv-draft-04') as { default: Ajv04Class }).default;
const addFormats = (require('ajv-formats') as { default: (ajv: object) => unknown }).default;
const ajv = new Ajv04({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true });
addFormats(ajv);
const validateSarif = ajv.compile(schema);
const XSD = readFileSync('test/fixtures/report/junit-10.xsd', 'utf8');

const gate = (id: string, outcome: GateEntry['outcome'], line: number | null, extra: Partial<GateEntry> = {}): GateEntry => ({
  id,
  type: id.split('/')[1]?.split(':')[0] ?? id,
  policy: id.includes('/') ? id.split('/')[0]! : 'mlops-gate',
  severity: outcome === 'warn' ? 'warn' : 'fail',
  outcome,
  rawOutcome: outcome === 'waived' ? 'fail' : outcome,
  message: `${id} says ${outcome}.`,
  measured: {},
  threshold: {},
  waiver: outcome === 'waived' ? { owner: 'jane', reason: 'known, fixed next sprint', expires: '2099-01-01', expired: false } : null,
  position: line === null ? null : { file: id.startsWith('release/') ? 'policies/release.yml' : 'mlops.yml', line, column: 5 },
  ...extra,
});

const target = (model: string, verdict: TargetReport['verdict'], gates: GateEntry[]): TargetReport => ({
  model,
  from: 'dev',
  to: 'prod',
  candidate: { name: `${model}-dev`, version: '3', url: null, runId: 'r', metrics: null },
  champion: null,
  verdict,
  summary: `${model} summary`,
  gates,
});

const doc = (command: ResultDocument['command'] = 'plan'): ResultDocument => ({
  schemaVersion: 1,
  tool: { name: 'mlops-gate', version: '0.1.0' },
  command,
  generatedAt: '2026-01-02T03:04:05.000Z',
  config: { file: 'mlops.yml', digest: 'd'.repeat(64) },
  verdict: 'error',
  targets: [
    target('churn', 'fail', [
      gate('release/metric_delta:auc', 'fail', 12),
      gate('release/required_tags', 'pass', 8),
      gate('baseline/signature', 'warn', 20),
      gate('release/approvals', 'waived', 15),
    ]),
    target('fraud', 'error', [gate('release/metric_delta:auc', 'error', 12), gate('release/required_tags', 'skipped', 8), gate('policy-integrity', 'fail', null)]),
  ],
  diagnostics: [{ severity: 'warning', code: 'expired-waiver', message: 'waiver for x expired', path: '/waivers/0', position: { file: 'mlops.yml', line: 30, column: 3 } }],
  requests: null,
});

interface SarifLog {
  $schema: string;
  version: string;
  runs: {
    tool: { driver: { name: string; rules: { id: string; shortDescription: { text: string }; fullDescription: { text: string }; help: { text: string } }[] } };
    automationDetails: { id: string };
    results: {
      ruleId: string;
      ruleIndex: number;
      level: string;
      message: { text: string };
      locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number; startColumn: number; endLine: number; endColumn: number } } }[];
      suppressions?: { kind: string; justification: string }[];
      partialFingerprints: Record<string, string>;
    }[];
  }[];
}

describe('--format sarif', () => {
  const text = renderResult(doc(), 'sarif');
  const log = JSON.parse(text) as SarifLog;

  it('is valid against the SARIF 2.1.0 schema', () => {
    expect(validateSarif(log), JSON.stringify(validateSarif.errors, null, 2)).toBe(true);
    // The validator does reject what the schema forbids.
    const broken = structuredClone(log);
    (broken.runs[0]!.results[0] as { level: string }).level = 'fatal';
    expect(validateSarif(broken)).toBe(false);
  });

  it('has one result per failing, erring, warning or waived gate, at the gate line, plus the findings', () => {
    const run = log.runs[0]!;
    const results = run.results.map((r) => [r.ruleId, r.level, `${r.locations[0]!.physicalLocation.artifactLocation.uri}:${r.locations[0]!.physicalLocation.region.startLine}`]);
    expect(results).toEqual([
      ['release/metric_delta:auc', 'error', 'policies/release.yml:12'],
      ['baseline/signature', 'warning', 'mlops.yml:20'],
      ['release/approvals', 'note', 'policies/release.yml:15'],
      ['release/metric_delta:auc', 'error', 'policies/release.yml:12'],
      ['policy-integrity', 'error', 'mlops.yml:1'],
      ['mlops-gate/expired-waiver', 'warning', 'mlops.yml:30'],
    ]);
    expect(run.results[2]!.suppressions).toEqual([{ kind: 'external', status: 'accepted', justification: 'waived by jane until 2099-01-01: known, fixed next sprint' }]);
    expect(run.results[0]!.message.text).toMatch(/^churn dev → prod: release\/metric_delta:auc fail\./);
  });

  it('meets what GitHub code scanning requires beyond the schema', () => {
    expect(log.$schema).toBe('https://json.schemastore.org/sarif-2.1.0.json');
    expect(log.version).toBe('2.1.0');
    const run = log.runs[0]!;
    expect(run.tool.driver.name).toBe('mlops-gate');
    expect(run.automationDetails.id).toBe('mlops-gate/plan/mlops.yml/');
    for (const rule of run.tool.driver.rules) {
      for (const t of [rule.shortDescription.text, rule.fullDescription.text, rule.help.text]) {
        expect(t.length).toBeGreaterThan(0);
        expect(t.length).toBeLessThanOrEqual(1024);
      }
    }
    expect(new Set(run.tool.driver.rules.map((r) => r.id)).size).toBe(run.tool.driver.rules.length);
    for (const r of run.results) {
      expect(run.tool.driver.rules[r.ruleIndex]!.id).toBe(r.ruleId);
      expect(r.message.text.length).toBeGreaterThan(0);
      const { artifactLocation, region } = r.locations[0]!.physicalLocation;
      expect(artifactLocation.uri).not.toMatch(/^(\/|[a-z]+:)/i); // relative to the repository root
      expect(region).toMatchObject({ startLine: expect.any(Number), startColumn: expect.any(Number), endLine: expect.any(Number), endColumn: expect.any(Number) });
      expect(Object.keys(r.partialFingerprints)).toHaveLength(1);
    }
    // Stable identity across runs: the same gate of the same target fingerprints the same.
    expect(log.runs[0]!.results[0]!.partialFingerprints).toEqual((JSON.parse(renderResult({ ...doc(), generatedAt: '2030-01-01T00:00:00Z' }, 'sarif')) as SarifLog).runs[0]!.results[0]!.partialFingerprints);
  });

  it('a clean result is a valid log with no results', () => {
    const clean = JSON.parse(renderResult({ ...doc(), targets: [target('churn', 'pass', [gate('release/required_tags', 'pass', 8)])], diagnostics: [] }, 'sarif')) as SarifLog;
    expect(validateSarif(clean)).toBe(true);
    expect(clean.runs[0]!.results).toEqual([]);
  });
});

describe('--format junit', () => {
  const validate = async (xml: string) => validateXML({ xml: [{ fileName: 'junit.xml', contents: xml }], schema: [XSD] });

  it.each(['plan', 'promote'] as const)('%s: valid against junit-10.xsd', async (command) => {
    const xml = renderResult(doc(command), 'junit');
    const { valid, errors } = await validate(xml);
    expect(errors).toEqual([]);
    expect(valid).toBe(true);
    // The validator does reject what the schema forbids.
    expect((await validate(xml.replace(/ errors="\d+" skipped/, ' skipped'))).valid).toBe(false);
  });

  it('one test case per target × gate, with failure, error and skipped as the consumers read them', () => {
    const xml = renderResult(doc(), 'junit');
    const suites = [...xml.matchAll(/<testsuite name="([^"]+)" tests="(\d+)" failures="(\d+)" errors="(\d+)" skipped="(\d+)"/g)].map((m) => m.slice(1));
    expect(suites).toEqual([
      ['mlops-gate.plan.churn.dev-prod', '4', '1', '0', '1'],
      ['mlops-gate.plan.fraud.dev-prod', '3', '1', '1', '1'],
    ]);
    expect(xml).toMatch(/<testsuites name="mlops-gate plan mlops.yml" tests="7" failures="2" errors="1"/);
    expect(xml).toContain('<testcase classname="mlops-gate.churn.dev-prod" name="release/metric_delta:auc" time="0.000"><failure type="metric_delta" message="release/metric_delta:auc says fail">');
    expect(xml).toContain('<testcase classname="mlops-gate.churn.dev-prod" name="release/approvals" time="0.000"><skipped message="waived by jane until 2099-01-01: known, fixed next sprint"/></testcase>');
    expect(xml).toContain('<testcase classname="mlops-gate.churn.dev-prod" name="baseline/signature" time="0.000"><system-out>warning: baseline/signature says warn</system-out></testcase>');
    expect(xml).toContain('at policies/release.yml:12:5');
  });

  it('promote adds one promotion test case per target', () => {
    const r = doc('promote');
    const promoted: ResultDocument = {
      ...r,
      targets: [
        {
          ...target('churn', 'pass', [gate('release/required_tags', 'pass', 8)]),
          plan: { mode: 'alias', hash: 'sha256:' + 'e'.repeat(64), status: 'applied', message: 'promoted', source: null, destination: { registry: 'r', model: 'churn', version: '3' }, previousChampion: '2', steps: [], writes: 2 },
        },
        { ...target('fraud', 'fail', [gate('release/required_tags', 'fail', 8)]), plan: { mode: 'alias', hash: null, status: 'blocked', message: 'not promoted', source: null, destination: null, previousChampion: null, steps: [], writes: 0 } },
      ],
    };
    const xml = renderResult(promoted, 'junit');
    expect(xml).toMatch(/name="promotion" time="0.000"><system-out>applied: v3, was v2; promoted<\/system-out>/);
    expect(xml).toMatch(/name="promotion" time="0.000"><skipped message="blocked: v3 \(no champion yet\); not promoted"\/>/);
  });
});

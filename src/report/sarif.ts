// `--format sarif`: SARIF 2.1.0 for code scanning (github/codeql-action/upload-sarif) and other
// SARIF viewers. One result per gate that fails, warns, errs or is waived (waived ones carry a
// suppression), at the gate's line in mlops.yml or its policy file; plus the config's findings.
// Rules are the gate ids (stable across runs), so an alert follows its gate.

import { createHash } from 'node:crypto';
import type { Diagnostic } from '../errors.js';
import type { Outcome } from '../policy/types.js';
import type { GateEntry, ResultDocument, TargetReport } from '../result/types.js';
import { plain } from './escape.js';
import { gatePhrase, waiverPhrase } from './gates.js';
import type { Renderer } from './renderer.js';

const SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';
const INFORMATION_URI = 'https://github.com/mlops-gate/mlops-gate';

type Level = 'error' | 'warning' | 'note';
const LEVEL: Readonly<Partial<Record<Outcome, Level>>> = { fail: 'error', error: 'error', warn: 'warning', waived: 'note' };

interface Rule {
  readonly id: string;
  readonly name: string;
  readonly shortDescription: { readonly text: string };
  readonly fullDescription: { readonly text: string };
  readonly help: { readonly text: string; readonly markdown: string };
  readonly defaultConfiguration: { readonly level: Level };
  readonly properties: { readonly tags: readonly string[]; readonly precision: 'very-high' };
}

const limit = (s: string, n = 1000): string => plain(s, n) || '-';

function gateRule(g: GateEntry): Rule {
  const what = `mlops-gate ${g.type} gate of policy ${g.policy}`;
  return {
    id: g.id,
    name: g.type,
    shortDescription: { text: limit(`${g.id}: ${g.type} gate`) },
    fullDescription: { text: limit(`${what}; severity ${g.severity}.`) },
    help: {
      text: limit(`A ${g.type} gate (${g.id}) that a candidate model must pass to be promoted. Fix the model, or change the gate in its policy through a reviewed change; a waiver with an owner and an expiry date can accept a known shortfall.`),
      markdown: limit(`A \`${g.type}\` gate that a candidate model must pass to be promoted. Fix the model, or change the gate in its policy through a reviewed change; a waiver (owner, reason, expiry) can accept a known shortfall. See docs/gates.md.`),
    },
    defaultConfiguration: { level: g.severity === 'warn' ? 'warning' : 'error' },
    properties: { tags: ['mlops-gate', g.type], precision: 'very-high' },
  };
}

function findingRule(d: Diagnostic): Rule {
  const id = `mlops-gate/${d.code}`;
  return {
    id,
    name: d.code,
    shortDescription: { text: limit(`mlops-gate finding: ${d.code}`) },
    fullDescription: { text: limit(`A finding in the mlops-gate configuration or run: ${d.code}.`) },
    help: { text: limit(`See the message of each result; docs/configuration.md describes mlops.yml.`), markdown: limit('See the message of each result; `docs/configuration.md` describes `mlops.yml`.') },
    defaultConfiguration: { level: d.severity === 'error' ? 'error' : 'warning' },
    properties: { tags: ['mlops-gate', 'finding'], precision: 'very-high' },
  };
}

const fingerprint = (...parts: string[]): string => createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 32);

/** A file path as SARIF wants it: relative to the repository root, forward slashes, URI-encoded. */
const uriOf = (file: string): string =>
  file
    .replace(/\\/g, '/')
    .replace(/^\.\//, '')
    .split('/')
    .map((segment) => encodeURIComponent(segment))
    .join('/');

const location = (file: string, line: number, column: number) => ({
  physicalLocation: {
    artifactLocation: { uri: uriOf(file), uriBaseId: '%SRCROOT%' },
    region: { startLine: Math.max(1, line), startColumn: Math.max(1, column), endLine: Math.max(1, line), endColumn: Math.max(1, column) + 1 },
  },
});

function gateResult(r: ResultDocument, t: TargetReport, g: GateEntry, ruleIndex: number) {
  const level = LEVEL[g.outcome]!;
  const where = g.position ?? { file: r.config.file, line: 1, column: 1 };
  const waiver = waiverPhrase(g);
  return {
    ruleId: g.id,
    ruleIndex,
    level,
    kind: 'fail' as const,
    message: { text: limit(`${t.model} ${t.from} → ${t.to}: ${g.id} ${g.outcome === 'error' ? 'could not be evaluated' : g.outcome}. ${gatePhrase(g)}.${waiver ? ` ${waiver}.` : ''}`) },
    locations: [location(where.file, where.line, where.column)],
    partialFingerprints: { 'mlopsGateTarget/v1': fingerprint(g.id, t.model, t.from, t.to) },
    ...(g.outcome === 'waived' && g.waiver ? { suppressions: [{ kind: 'external' as const, status: 'accepted' as const, justification: limit(waiver ?? 'waived') }] } : {}),
    properties: { model: t.model, from: t.from, to: t.to, outcome: g.outcome, candidate: t.candidate ? `${t.candidate.name} v${t.candidate.version}` : null },
  };
}

function findingResult(r: ResultDocument, d: Diagnostic, ruleIndex: number) {
  const where = d.position ?? { file: r.config.file, line: 1, column: 1 };
  return {
    ruleId: `mlops-gate/${d.code}`,
    ruleIndex,
    level: d.severity === 'error' ? ('error' as const) : ('warning' as const),
    kind: 'fail' as const,
    message: { text: limit(`${d.message}${d.path ? ` (at ${d.path})` : ''}${d.hint ? ` — ${d.hint}` : ''}`) },
    locations: [location(where.file, where.line, where.column)],
    partialFingerprints: { 'mlopsGateTarget/v1': fingerprint(d.code, d.path, d.message) },
  };
}

/** The SARIF log of a result. */
export function renderSarif(r: ResultDocument): string {
  const rules: Rule[] = [];
  const index = new Map<string, number>();
  const ruleFor = (id: string, make: () => Rule): number => {
    let i = index.get(id);
    if (i === undefined) {
      i = rules.length;
      rules.push(make());
      index.set(id, i);
    }
    return i;
  };
  const results = [
    ...r.targets.flatMap((t) => t.gates.filter((g) => LEVEL[g.outcome] !== undefined).map((g) => gateResult(r, t, g, ruleFor(g.id, () => gateRule(g))))),
    ...r.diagnostics.map((d) => findingResult(r, d, ruleFor(`mlops-gate/${d.code}`, () => findingRule(d)))),
  ];
  const log = {
    $schema: SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'mlops-gate', version: r.tool.version, semanticVersion: /^\d+\.\d+\.\d+/.test(r.tool.version) ? r.tool.version : undefined, informationUri: INFORMATION_URI, rules } },
        // One category per command and config, so uploads of plan and promote do not close each other's alerts.
        automationDetails: { id: `mlops-gate/${r.command}/${uriOf(r.config.file)}/` },
        columnKind: 'unicodeCodePoints',
        results,
        properties: { verdict: r.verdict, configDigest: r.config.digest, generatedAt: r.generatedAt },
      },
    ],
  };
  return JSON.stringify(log, null, 2) + '\n';
}

export const sarifRenderer: Renderer = { render: renderSarif };

// The policy engine: typed evidence in, gate reports and a target verdict out. Pure: the clock
// comes in as `now`, nothing is read from the outside world.

import type { GateProblem } from '../config/loader.js';
import type { CandidateSelector, GateSpec, Target, Waiver } from '../config/types.js';
import { ConfigError } from '../errors.js';
import { mergeNeeds, NO_NEEDS, type EvidenceNeeds, type TargetEvidence, type VersionEvidence } from '../evidence/types.js';
import { GateOptionError } from './options.js';
import { applySeverity, isWaivable, worst, type Outcome } from './outcome.js';
import { GATE_TYPE_NAMES, getGateType, type AnyGateType } from './registry.js';
import { findWaiver } from './waivers.js';
import type { GateReport, GateResult, TargetVerdict, VersionSummary, WaiverApplication } from './types.js';

export interface CompiledGate {
  readonly spec: GateSpec;
  readonly gate: AnyGateType;
  /** The gate type's typed options, parsed once from `spec.options`. */
  readonly options: unknown;
}

const compiled = new WeakMap<GateSpec, CompiledGate>();

const gateConfigError = (spec: GateSpec, code: string, message: string, path = '', hint?: string): ConfigError =>
  new ConfigError([
    { severity: 'error', code, message, path, position: spec.position, ...(hint === undefined ? {} : { hint }) },
  ]);

/** Resolve the gate type and parse its options (once per spec). Throws ConfigError on an unknown type or unusable options. */
export const compileGate = (spec: GateSpec): CompiledGate => {
  const cached = compiled.get(spec);
  if (cached) return cached;
  const gate = getGateType(spec.type);
  if (gate === undefined) {
    throw gateConfigError(spec, 'unknown-gate-type', `gate ${spec.id}: unknown gate type "${spec.type}"`, '', `known types: ${GATE_TYPE_NAMES.join(', ')}`);
  }
  const raw = spec.options ?? {};
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw gateConfigError(spec, 'type', `gate ${spec.id}: options must be an object`);
  }
  let options: unknown;
  try {
    options = gate.parse(raw as Readonly<Record<string, unknown>>);
  } catch (e) {
    if (e instanceof GateOptionError) throw gateConfigError(spec, 'gate-options', `gate ${spec.id}: ${e.message}`, `/${e.key.replaceAll('.', '/')}`);
    throw e;
  }
  const result: CompiledGate = { spec, gate, options };
  compiled.set(spec, result);
  return result;
};

/**
 * The problems a gate type finds in schema-valid options (config/loader's `checkGate`): what
 * `compileGate` would refuse, with the option's path and the character at fault, so `validate`
 * reports it at file:line:column. Regular expressions of required_tags are the loader's own check.
 */
export const checkGateOptions = (type: string, options: Readonly<Record<string, unknown>>): GateProblem[] => {
  const gate = getGateType(type);
  if (gate === undefined) return [];
  try {
    gate.parse(options);
    return [];
  } catch (e) {
    if (!(e instanceof GateOptionError)) throw e;
    if (type === 'required_tags' && e.key.startsWith('tags.')) return [];
    return [
      {
        code: type === 'expression' ? 'bad-expression' : 'gate-options',
        key: e.key.replaceAll('.', '/'),
        message: type === 'expression' ? `invalid ${e.key}: ${e.message}` : e.message,
        ...(e.index === undefined ? {} : { index: e.index }),
        ...(e.hint ? { hint: e.hint } : {}),
      },
    ];
  }
};

/** What must be gathered for these gates: the union of every gate's needs. */
export const needsFor = (gates: readonly GateSpec[]): EvidenceNeeds =>
  gates.reduce<EvidenceNeeds>((needs, spec) => {
    const { gate, options } = compileGate(spec);
    return mergeNeeds(needs, gate.needs(options));
  }, NO_NEEDS);

export interface EvaluateTargetInput {
  readonly target: Target;
  readonly gates: readonly GateSpec[];
  readonly waivers: readonly Waiver[];
  readonly evidence: TargetEvidence;
  readonly now: Date;
  /** How the candidate was chosen; only used to word "no candidate" summaries. */
  readonly candidateSelector?: CandidateSelector;
}

export const describeSelector = (selector: CandidateSelector): string => {
  switch (selector.kind) {
    case 'alias':
      return `alias @${selector.alias}`;
    case 'version':
      return `version ${selector.version}`;
    case 'latest':
      return 'the latest version';
    case 'tags':
      return `tags ${Object.entries(selector.tags).map(([k, v]) => `${k}=${v}`).join(', ')}`;
  }
};

const summarizeVersion = (v: VersionEvidence): VersionSummary => ({
  name: v.version.name,
  version: v.version.version,
  url: v.version.url,
  runId: v.version.runId,
  metrics: v.run?.ok && v.run.value !== null ? v.run.value.metrics : null,
});

/** A gate that throws is a bug; report it as `error` for that gate instead of losing the whole run. */
const evaluateSafely = (gate: CompiledGate, target: Target, evidence: TargetEvidence, now: Date): GateResult => {
  try {
    return gate.gate.evaluate(gate.options, { target, evidence, now, gateId: gate.spec.id });
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    return { outcome: 'error', message: `Gate ${gate.spec.id} crashed while evaluating: ${why}`, measured: {}, threshold: {} };
  }
};

const toWaiverApplication = (waiver: Waiver, expired: boolean): WaiverApplication => ({
  owner: waiver.owner,
  reason: waiver.reason,
  expires: waiver.expires,
  expired,
});

/** Severity first (fail → warn), then waivers (fail/warn → waived; never error). */
const reportGate = (gate: CompiledGate, raw: GateResult, input: EvaluateTargetInput): GateReport => {
  const { spec } = gate;
  const afterSeverity = applySeverity(raw.outcome, spec.severity);
  let outcome: Outcome = afterSeverity;
  let message = raw.message;
  let waiver: WaiverApplication | null = null;
  const match = afterSeverity === 'pass' || afterSeverity === 'skipped' ? null : findWaiver(input.waivers, spec.id, input.target, input.now);
  if (match !== null) {
    if (!isWaivable(afterSeverity)) {
      message = `${message} (the waiver by ${match.waiver.owner} does not apply: a gate that could not be evaluated is never waived)`;
    } else if (match.active) {
      outcome = 'waived';
      waiver = toWaiverApplication(match.waiver, false);
    } else {
      waiver = toWaiverApplication(match.waiver, true);
      message = `${message} (waiver by ${match.waiver.owner} expired on ${match.waiver.expires})`;
    }
  }
  return {
    id: spec.id,
    type: spec.type,
    policy: spec.policy,
    severity: spec.severity,
    outcome,
    rawOutcome: raw.outcome,
    message,
    measured: raw.measured,
    threshold: raw.threshold,
    waiver,
  };
};

/** Every gate gets the same outcome and message (no candidate, unreadable candidate, already champion). */
const uniformReports = (gates: readonly CompiledGate[], outcome: Outcome, message: string): GateReport[] =>
  gates.map(({ spec }) => ({
    id: spec.id,
    type: spec.type,
    policy: spec.policy,
    severity: spec.severity,
    outcome,
    rawOutcome: outcome,
    message,
    measured: {},
    threshold: {},
    waiver: null,
  }));

/** `metric_delta:roc_auc` rather than `production/metric_delta:roc_auc`: the policy is implied in a one-liner. */
const shortGateId = (gate: GateReport): string =>
  gate.id.startsWith(`${gate.policy}/`) ? gate.id.slice(gate.policy.length + 1) : gate.id;

const SUMMARY_GROUPS: readonly (readonly [Outcome, string])[] = [
  ['error', 'could not be evaluated'],
  ['fail', 'fail'],
  ['warn', 'warn'],
  ['waived', 'waived'],
];

/** One line: "2 of 7 gates fail: metric_delta:roc_auc, signature". */
export const summarizeGates = (gates: readonly GateReport[]): string => {
  const total = gates.length;
  const noun = total === 1 ? 'gate' : 'gates';
  const parts: string[] = [];
  for (const [outcome, verb] of SUMMARY_GROUPS) {
    const hits = gates.filter((g) => g.outcome === outcome);
    if (hits.length === 0) continue;
    const ids = hits.map(shortGateId).join(', ');
    parts.push(parts.length === 0 ? `${String(hits.length)} of ${String(total)} ${noun} ${verb}: ${ids}` : `${String(hits.length)} ${verb}: ${ids}`);
  }
  if (parts.length > 0) return parts.join('; ');
  const skipped = gates.filter((g) => g.outcome === 'skipped').length;
  if (skipped === total) return `all ${String(total)} ${noun} skipped`;
  if (skipped === 0) return total === 1 ? 'the 1 gate passes' : `all ${String(total)} gates pass`;
  return `${String(total - skipped)} of ${String(total)} ${noun} pass, ${String(skipped)} skipped`;
};

export const evaluateTarget = (input: EvaluateTargetInput): TargetVerdict => {
  const { target, evidence } = input;
  const gates = input.gates.map(compileGate);
  const champion = evidence.champion.ok && evidence.champion.value !== null ? evidence.champion.value : null;
  const base = {
    model: target.model,
    from: target.from,
    to: target.to,
    champion: champion === null ? null : summarizeVersion(champion),
  };

  if (!evidence.candidate.ok) {
    const { kind, message } = evidence.candidate.error;
    // The full reason is the target's summary; each gate says only that it was not evaluated.
    const reason = `Not evaluated: the candidate version in ${target.from} could not be read (${kind}).`;
    return {
      ...base,
      candidate: null,
      verdict: 'error',
      summary: `candidate could not be read (${kind}): ${message}`,
      gates: uniformReports(gates, 'error', reason),
    };
  }
  const candidate = evidence.candidate.value;
  if (candidate === null) {
    const selector = input.candidateSelector ? describeSelector(input.candidateSelector) : 'the candidate selector';
    const summary = `no candidate version matches ${selector} in ${target.from}`;
    return { ...base, candidate: null, verdict: 'skipped', summary, gates: uniformReports(gates, 'skipped', `Skipped: ${summary}.`) };
  }
  const candidateSummary = summarizeVersion(candidate);
  if (champion !== null && champion.version.name === candidate.version.name && champion.version.version === candidate.version.version) {
    const summary = `${candidate.version.name} v${candidate.version.version} is already the champion in ${target.to}`;
    return {
      ...base,
      candidate: candidateSummary,
      verdict: 'skipped',
      summary: `already champion: ${summary}`,
      gates: uniformReports(gates, 'skipped', `Skipped: ${summary}.`),
    };
  }
  if (gates.length === 0) {
    return { ...base, candidate: candidateSummary, verdict: 'pass', summary: 'no gates apply to this target', gates: [] };
  }

  const reports = gates.map((gate) => reportGate(gate, evaluateSafely(gate, target, evidence, input.now), input));
  return {
    ...base,
    candidate: candidateSummary,
    verdict: worst(reports.map((r) => r.outcome)),
    summary: summarizeGates(reports),
    gates: reports,
  };
};

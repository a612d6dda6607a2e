// The one table of gate types. Adding a gate type = one file in ./gates + one line here
// (+ its option schema at #/$defs/gate_<type> in schema/mlops.schema.json).

import { approvalsGate } from './gates/approvals.js';
import { datasetGate } from './gates/dataset.js';
import { descriptionGate } from './gates/description.js';
import { driftGate } from './gates/drift.js';
import { expressionGate } from './gates/expression.js';
import { metricDeltaGate } from './gates/metric-delta.js';
import { metricThresholdGate } from './gates/metric-threshold.js';
import { provenanceGate } from './gates/provenance.js';
import { quarantineGate } from './gates/quarantine.js';
import { requiredTagsGate } from './gates/required-tags.js';
import { requirementsGate } from './gates/requirements.js';
import { semverGate } from './gates/semver.js';
import { signatureGate } from './gates/signature.js';
import { soakGate } from './gates/soak.js';
import type { GateType } from './types.js';

/** A gate type with its options type forgotten: options only ever flow from its own parse(). */
export type AnyGateType = GateType<unknown>;
const erase = <O>(gate: GateType<O>): AnyGateType => gate as unknown as AnyGateType;

export const GATE_TYPES = {
  required_tags: erase(requiredTagsGate),
  metric_threshold: erase(metricThresholdGate),
  metric_delta: erase(metricDeltaGate),
  signature: erase(signatureGate),
  approvals: erase(approvalsGate),
  provenance: erase(provenanceGate),
  description: erase(descriptionGate),
  soak: erase(soakGate),
  drift: erase(driftGate),
  dataset: erase(datasetGate),
  semver: erase(semverGate),
  requirements: erase(requirementsGate),
  quarantine: erase(quarantineGate),
  expression: erase(expressionGate),
} as const satisfies Record<string, AnyGateType>;

export type GateTypeName = keyof typeof GATE_TYPES;
export const GATE_TYPE_NAMES = Object.keys(GATE_TYPES) as GateTypeName[];

export const getGateType = (type: string): AnyGateType | undefined =>
  Object.hasOwn(GATE_TYPES, type) ? GATE_TYPES[type as GateTypeName] : undefined;

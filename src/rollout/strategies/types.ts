// The contract of a rollout strategy: a label for plans and the endpoint configs it moves through.

import type { RolloutStrategy } from '../../config/types.js';
import type { EndpointConfigSpec, ServedEntitySpec, TrafficRoute } from '../../endpoint/serving.js';
import type { RolloutPhase } from '../types.js';

export type StrategyKind = RolloutStrategy['kind'];
export type StrategyOf<K extends StrategyKind> = Extract<RolloutStrategy, { readonly kind: K }>;

/** What a strategy starts from when the endpoint already serves other entities. */
export interface SharedEndpoint {
  readonly candidate: ServedEntitySpec;
  /** The endpoint's config when the plan was made. */
  readonly base: EndpointConfigSpec;
  /** Served entities other than the candidate, and their names. */
  readonly others: readonly ServedEntitySpec[];
  readonly otherNames: readonly string[];
  /** The end state every strategy reaches: the candidate alone at 100%. */
  readonly final: RolloutPhase;
  /** A config serving the others and the candidate with these routes. */
  readonly withCandidate: (routes: TrafficRoute[]) => EndpointConfigSpec;
}

export interface Strategy<K extends StrategyKind> {
  /** e.g. `canary 10 → 50 → 100%`, shown in plans. */
  label(strategy: StrategyOf<K>): string;
  /** Phases when nothing else is served yet (a new endpoint, or only the candidate). */
  alone(strategy: StrategyOf<K>, final: RolloutPhase): RolloutPhase[];
  /** Phases on an endpoint that serves other entities; the last is the end state. */
  phases(strategy: StrategyOf<K>, endpoint: SharedEndpoint): RolloutPhase[];
}

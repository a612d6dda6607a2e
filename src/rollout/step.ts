// The executor's view of a serving rollout: one step with check → act → verify, like the
// registry steps in src/apply. `check` and `verify` only read; `act` converges (and may abort
// back to the saved config, which the executor should journal from `result.previous`).

import type { Check } from '../util/check.js';
import { convergeRollout, locate } from './converge.js';
import type { RolloutResult, RolloutRuntime, ServingRolloutSpec } from './types.js';
import type { ServingClient, ServingClock } from '../endpoint/ports.js';

export type RolloutCheck = Check;

export interface ServingRolloutPort {
  check(spec: ServingRolloutSpec): Promise<RolloutCheck>;
  act(spec: ServingRolloutSpec, runtime?: RolloutRuntime): Promise<RolloutResult>;
  /** True when the endpoint serves the rollout's end state and is settled. */
  verify(spec: ServingRolloutSpec): Promise<boolean>;
}

export function createServingRolloutPort(deps: { readonly serving: ServingClient; readonly clock?: ServingClock }): ServingRolloutPort {
  const check = async (spec: ServingRolloutSpec): Promise<RolloutCheck> => {
    const position = locate(spec, await deps.serving.getEndpoint(spec.endpoint));
    switch (position.state) {
      case 'done':
        return { state: 'satisfied' };
      case 'drift':
        return { state: 'drift', reason: position.reason };
      case 'absent':
        return { state: 'pending', reason: `serving endpoint "${spec.endpoint}" will be created` };
      case 'busy':
        return { state: 'pending', reason: `serving endpoint "${spec.endpoint}" is updating; the rollout waits for it` };
      case 'at-expected':
        return { state: 'pending', reason: `${position.phases.length} config change(s) to go` };
      case 'mid-rollout':
        return { state: 'pending', reason: `part-way through: at "${position.phases[position.index]!.label}"` };
    }
  };
  return {
    check,
    act: (spec, runtime) => convergeRollout(spec, deps, runtime),
    async verify(spec) {
      const endpoint = await deps.serving.getEndpoint(spec.endpoint);
      return endpoint !== null && endpoint.ready && locate(spec, endpoint).state === 'done';
    },
  };
}

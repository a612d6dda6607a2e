// The one answer every convergence check gives (executor steps, the rollout, the monitor):
// already done, still to do, or the world contradicts the plan.

export type Check =
  | { readonly state: 'satisfied' }
  | { readonly state: 'pending'; readonly reason?: string }
  | { readonly state: 'drift'; readonly reason: string };

export const SATISFIED: Check = { state: 'satisfied' };
export const PENDING: Check = { state: 'pending' };

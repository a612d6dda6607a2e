// What the serving and monitor steps need from the destination workspace, and how their waits
// report progress. The rollout itself is src/rollout (a converger that waits, health-checks and
// aborts back to the saved config); the steps are src/apply/steps/{serving-rollout,restore-endpoint,ensure-monitor}.ts.

import type { EndpointPorts, StepContext } from './types.js';

export const endpointPortsOf = (ctx: StepContext): EndpointPorts => {
  const ports = ctx.options.endpoints;
  if (!ports) throw new Error(`${ctx.stepId}: serving endpoints and monitors need a Databricks workspace client; none is configured`);
  return ports;
};

/** A progress line, then a heartbeat: every wait event keeps the promotion lock alive. */
export const tell =
  (ctx: StepContext) =>
  async (line: string): Promise<void> => {
    ctx.options.progress?.(line);
    await ctx.keeper.beat();
  };

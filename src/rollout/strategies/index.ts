// The rollout strategies, one file each. A new strategy: its member of RolloutStrategy
// (src/config/types.ts) with its builder row (src/config/build.ts), its file here, and its row below.

import type { RolloutStrategy } from '../../config/types.js';
import type { RolloutPhase } from '../types.js';
import { ab } from './ab.js';
import { blueGreen } from './blue-green.js';
import { canary } from './canary.js';
import { replace } from './replace.js';
import type { SharedEndpoint, Strategy, StrategyKind, StrategyOf } from './types.js';

export const STRATEGIES: { readonly [K in StrategyKind]: Strategy<K> } = {
  replace,
  canary,
  blue_green: blueGreen,
  ab,
};

const strategyOf = <K extends StrategyKind>(s: StrategyOf<K>): Strategy<K> => STRATEGIES[s.kind as K] as Strategy<K>;

export const strategyLabel = (s: RolloutStrategy): string => strategyOf(s).label(s);
export const phasesAlone = (s: RolloutStrategy, final: RolloutPhase): RolloutPhase[] => strategyOf(s).alone(s, final);
export const phasesShared = (s: RolloutStrategy, endpoint: SharedEndpoint): RolloutPhase[] => strategyOf(s).phases(s, endpoint);

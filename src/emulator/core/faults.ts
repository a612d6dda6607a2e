// Fault injection: per-route latency and failures, drawn from a seeded generator so a test run is
// reproducible. Rules match on method, a path glob (`*` matches anything, `/` included) and workspace.

export type FaultKind = 'latency' | 'error' | 'rate_limit' | 'reset' | 'lost_response';

export interface FaultRule {
  readonly id?: string;
  readonly kind: FaultKind;
  /** HTTP method, case-insensitive; omitted = any. */
  readonly method?: string;
  /** Path glob, e.g. `/api/2.0/mlflow/unity-catalog/*`; omitted = any path. */
  readonly path?: string;
  /** Workspace id; omitted = any workspace. */
  readonly workspace?: string;
  /** Chance (0..1) that a matching request is affected; default 1. */
  readonly probability?: number;
  /** Let this many matching requests through before the rule starts firing; default 0. */
  readonly skip?: number;
  /** Fire at most this many times; default unlimited. */
  readonly times?: number;
  /** latency: fixed delay, plus a uniform random extra in [0, jitterMs). */
  readonly latencyMs?: number;
  readonly jitterMs?: number;
  /** error / lost_response: status (default 503 for error, 500 for lost_response) and error code. */
  readonly status?: number;
  readonly errorCode?: string;
  readonly message?: string;
  /** rate_limit: the Retry-After header in seconds (default 1). */
  readonly retryAfterSeconds?: number;
  /** lost_response: after the handler ran, answer with an error (default) or reset the connection. */
  readonly then?: 'error' | 'reset';
}

export interface ActiveFault extends FaultRule {
  readonly id: string;
  matched: number;
  fired: number;
}

/** What the server should do for one request. */
export interface FaultDecision {
  readonly delayMs: number;
  /** A terminal fault (at most one per request), or undefined to run normally. */
  readonly terminal: ActiveFault | undefined;
}

const KINDS: readonly FaultKind[] = ['latency', 'error', 'rate_limit', 'reset', 'lost_response'];

/** mulberry32: tiny, fast, good enough for reproducible fault draws. */
export const mulberry32 = (seed: number): (() => number) => {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
};

const globToRegExp = (glob: string): RegExp =>
  new RegExp('^' + glob.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*') + '$');

export const validateFaultRule = (input: unknown): FaultRule | string => {
  if (!input || typeof input !== 'object') return 'a fault rule must be an object';
  const r = input as Record<string, unknown>;
  if (typeof r.kind !== 'string' || !KINDS.includes(r.kind as FaultKind)) {
    return `fault 'kind' must be one of ${KINDS.join(', ')}`;
  }
  if (r.probability !== undefined && (typeof r.probability !== 'number' || r.probability < 0 || r.probability > 1)) {
    return "fault 'probability' must be a number between 0 and 1";
  }
  for (const k of ['skip', 'times', 'latencyMs', 'jitterMs', 'status', 'retryAfterSeconds']) {
    if (r[k] !== undefined && (typeof r[k] !== 'number' || (r[k] as number) < 0)) return `fault '${k}' must be a non-negative number`;
  }
  if (r.then !== undefined && r.then !== 'error' && r.then !== 'reset') return "fault 'then' must be 'error' or 'reset'";
  return r as unknown as FaultRule;
};

export class FaultInjector {
  private rules: ActiveFault[] = [];
  private random: () => number;
  private nextId = 1;

  constructor(private seed: number) {
    this.random = mulberry32(seed);
  }

  reseed(seed: number): void {
    this.seed = seed;
    this.random = mulberry32(seed);
  }

  add(rule: FaultRule): ActiveFault {
    const active: ActiveFault = { ...rule, id: rule.id ?? `f${this.nextId++}`, matched: 0, fired: 0 };
    this.rules = this.rules.filter((r) => r.id !== active.id);
    this.rules.push(active);
    return active;
  }

  remove(id: string): boolean {
    const before = this.rules.length;
    this.rules = this.rules.filter((r) => r.id !== id);
    return this.rules.length !== before;
  }

  clear(): void {
    this.rules = [];
    this.random = mulberry32(this.seed);
  }

  list(): { seed: number; rules: ActiveFault[] } {
    return { seed: this.seed, rules: this.rules.map((r) => ({ ...r })) };
  }

  decide(method: string, path: string, workspace: string): FaultDecision {
    let delayMs = 0;
    let terminal: ActiveFault | undefined;
    for (const rule of this.rules) {
      if (rule.method && rule.method.toUpperCase() !== method.toUpperCase()) continue;
      if (rule.workspace && rule.workspace !== workspace) continue;
      if (rule.path && !globToRegExp(rule.path).test(path)) continue;
      if (rule.kind !== 'latency' && terminal) continue;
      rule.matched++;
      if (rule.matched <= (rule.skip ?? 0)) continue;
      if (rule.times !== undefined && rule.fired >= rule.times) continue;
      const p = rule.probability ?? 1;
      if (p < 1 && this.random() >= p) continue;
      rule.fired++;
      if (rule.kind === 'latency') {
        delayMs += (rule.latencyMs ?? 0) + (rule.jitterMs ? Math.floor(this.random() * rule.jitterMs) : 0);
      } else {
        terminal = rule;
      }
    }
    return { delayMs, terminal };
  }
}

// How bench:economy sorts the requests a server saw during one promotion: evidence reads, promotion
// reads, writes and polls. The rule is stated once here and printed with the tables
// (CLASSIFICATION_RULE), so the figures can be checked by hand against a request log.

export type CallKind = 'evidence' | 'promotion' | 'write' | 'poll';

/** One request as the server saw it, in arrival order. `at` is the server's clock (simulated on the emulator). */
export interface SeenCall {
  readonly method: string;
  /** Path without the query. */
  readonly path: string;
  /** A route label with ids collapsed (the emulator's matched route, or a normalised path). */
  readonly route: string;
  readonly at: number;
}

export const CLASSIFICATION_RULE = [
  'Classification (server side, in arrival order):',
  '- write: any method other than GET/HEAD, except the POST searches that only read (runs/search, experiments/search).',
  '- poll: a GET of /api/2.0/serving-endpoints/{name} that directly follows a write to that endpoint',
  '  (config PUT, create), or follows such a poll at a later server time — the settle wait after a',
  '  config change, which sleeps before every poll but its first (the emulator clock is simulated and',
  '  only waits move it, so a GET at the same instant as the last poll is the rollout\'s verify read);',
  '  and a GET of a monitor refresh that directly follows the refresh POST or another such GET',
  '  (none today: the monitor step does not wait for its refresh). The lock heartbeat during a wait',
  '  (registered-models/get + set-tag on the lock) is counted as a read and a write; it does not end the wait.',
  '- evidence read: a GET of an alias lookup (registered-models/alias), runs/get, or an MLmodel/artifact,',
  '  or a batched read of MLflow (registered-models/search, model-versions/search, runs/search, experiments/search),',
  '  read, sent before the first request of any other kind (gathering runs first, before the gates).',
  '- promotion read: every other GET (observe, lock listing, read again under the lock, verify, copy',
  '  source status and files, endpoint and monitor reads, health metrics).',
].join('\n');

const EVIDENCE_ROUTE = /registered-models\/alias$|\/runs\/get$|MLmodel$|get-artifact|logged-models\/.*artifacts|\/api\/2\.0\/mlflow\/(registered-models|model-versions|runs|experiments)\/search$/;
/** POSTs that only read (the batched run reads of src/platform/mlflow/runs-batch.ts). */
const READ_POST = /\/api\/2\.0\/mlflow\/(runs|experiments)\/search$/;
const ENDPOINT_GET = /^\/api\/2\.0\/serving-endpoints\/([^/]+)$/;
const ENDPOINT_WRITE = /^\/api\/2\.0\/serving-endpoints(?:\/([^/]+)(?:\/config)?)?$/;
const REFRESH = /\/monitors\/.+\/refreshes(?:\/[^/]+)?$/;

const isRead = (c: SeenCall): boolean => c.method === 'GET' || c.method === 'HEAD' || (c.method === 'POST' && READ_POST.test(c.path));

/**
 * The lock heartbeat (read the lock model, refresh its expiry tag) runs during long waits: it is
 * counted (a promotion read and a write) but does not end the wait around it.
 */
const LOCK_HEARTBEAT = /^(GET .*\/registered-models\/get|POST .*\/registered-models\/set-tag)$/;

/** One settle wait: from the endpoint write to its last poll, on the server's clock. */
export interface SettleWait {
  readonly fromAt: number;
  readonly toAt: number;
  readonly polls: number;
  /** Lock heartbeat calls made while waiting. */
  readonly heartbeats: number;
}

/** Kinds of `calls`, index for index, and the settle waits they contain. */
export const classify = (calls: readonly SeenCall[]): { kinds: CallKind[]; waits: SettleWait[] } => {
  const kinds: CallKind[] = [];
  const waits: SettleWait[] = [];
  let gathering = true;
  // The endpoint a settle wait is following (set by an endpoint write, kept by its polls).
  let waitingOn: string | null = null;
  let wait: { fromAt: number; toAt: number; polls: number; heartbeats: number } | null = null;
  let refreshWait = false;
  // The wait sleeps (≥ 500 ms) before every poll but its first: a GET at the same server time as the
  // last poll is someone else's read (the rollout's verify), not part of the wait.
  let lastPollAt: number | null = null;
  const endWait = (): void => {
    if (wait && wait.polls > 0) waits.push(wait);
    wait = null;
    waitingOn = null;
    lastPollAt = null;
  };
  for (const call of calls) {
    let kind: CallKind;
    const endpointGet = ENDPOINT_GET.exec(call.path);
    const heartbeat = waitingOn !== null && LOCK_HEARTBEAT.test(`${call.method} ${call.path}`);
    if (heartbeat) {
      kind = isRead(call) ? 'promotion' : 'write';
      if (wait) wait.heartbeats += 1;
    } else if (!isRead(call)) {
      kind = 'write';
      endWait();
      const w = ENDPOINT_WRITE.exec(call.path);
      // A create (POST /serving-endpoints) names its endpoint in the body: any endpoint GET next is its wait.
      if (w) {
        waitingOn = w[1] ? decodeURIComponent(w[1]) : '*';
        wait = { fromAt: call.at, toAt: call.at, polls: 0, heartbeats: 0 };
      }
      refreshWait = REFRESH.test(call.path);
    } else if (
      endpointGet &&
      wait &&
      waitingOn !== null &&
      (waitingOn === '*' || waitingOn === decodeURIComponent(endpointGet[1]!)) &&
      (lastPollAt === null || call.at > lastPollAt)
    ) {
      kind = 'poll';
      waitingOn = decodeURIComponent(endpointGet[1]!);
      lastPollAt = call.at;
      wait.polls += 1;
      wait.toAt = call.at;
    } else if (refreshWait && REFRESH.test(call.path)) {
      kind = 'poll';
    } else {
      endWait();
      refreshWait = false;
      kind = gathering && EVIDENCE_ROUTE.test(call.path) ? 'evidence' : 'promotion';
    }
    if (kind !== 'evidence') gathering = false;
    kinds.push(kind);
  }
  endWait();
  return { kinds, waits };
};

export interface CallCounts {
  readonly evidence: number;
  readonly promotion: number;
  readonly write: number;
  readonly poll: number;
  /** Everything but polls. */
  readonly total: number;
  /** route → count, per kind, for the breakdown. */
  readonly routes: Readonly<Record<CallKind, Readonly<Record<string, number>>>>;
  /** Simulated (emulator) or real (proxy) ms from each endpoint write to the last poll after it, summed. */
  readonly pollWaitMs: number;
  /** Lock heartbeat calls made during those waits. */
  readonly heartbeats: number;
}

export const countCalls = (calls: readonly SeenCall[]): CallCounts => {
  const { kinds, waits } = classify(calls);
  const routes: Record<CallKind, Record<string, number>> = { evidence: {}, promotion: {}, write: {}, poll: {} };
  const n: Record<CallKind, number> = { evidence: 0, promotion: 0, write: 0, poll: 0 };
  kinds.forEach((kind, i) => {
    const call = calls[i]!;
    n[kind] += 1;
    routes[kind][call.route] = (routes[kind][call.route] ?? 0) + 1;
  });
  const pollWaitMs = waits.reduce((sum, w) => sum + (w.toAt - w.fromAt), 0);
  const heartbeats = waits.reduce((sum, w) => sum + w.heartbeats, 0);
  return { ...n, total: n.evidence + n.promotion + n.write, routes, pollWaitMs, heartbeats };
};

/** MLflow paths carry run ids and artifact paths: collapse them so routes group. */
export const mlflowRoute = (method: string, path: string): string => {
  const p = path
    .replace(/\/mlflow-artifacts\/artifacts\/.*/, '/mlflow-artifacts/artifacts/{path}')
    .replace(/\/get-artifact.*/, '/get-artifact')
    .replace(/\/[0-9a-f]{32}(?=\/|$)/g, '/{id}');
  return `${method} ${p}`;
};

/** The policy of every economy run (indented under `policies:`): evidence = 2 alias look-ups + 1 run. */
export const ECONOMY_POLICY = `  release:
    gates:
      - type: required_tags
        tags: { owner: ".+", validation_status: "passed|approved" }
      - type: metric_threshold
        metric: roc_auc
        threshold: 0.80
        greater_is_better: true
`;

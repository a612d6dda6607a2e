// One webhook delivery in, one decision out: the relay's whole policy, without I/O (the HTTP
// server in src/wiring/relay.ts reads the request and carries the decision out). Refusals tell
// the sender nothing beyond the status: the reason goes to the operator's log only.

import { verifyWebhookSignature } from '../util/webhook-signature.js';
import { dispatchBody, type DispatchBody } from './dispatch.js';
import { parseDelivery, type RelayEventName } from './events.js';
import type { ReplayCache } from './replay.js';

export const HEADERS = {
  deliveryId: 'x-mlflow-delivery-id',
  timestamp: 'x-mlflow-timestamp',
  signature: 'x-mlflow-signature',
} as const;

export interface RelayRules {
  /** The webhook's secret (the one given to MLflow when the webhook was created). */
  readonly secret: string;
  readonly eventType: string;
  readonly events: readonly RelayEventName[];
  /** Registered model names to forward (`*` globs); null = all. */
  readonly models: readonly string[] | null;
  /** Aliases whose `model_version_alias.created` is forwarded; null = all. */
  readonly aliases: readonly string[] | null;
  /** Largest accepted distance between X-MLflow-Timestamp and the relay's clock. */
  readonly maxSkewSeconds: number;
  /** Put into the payload so the workflow knows which server (e.g. the tracking URI). */
  readonly registryUrl: string | null;
}

export type Headers = Readonly<Record<string, string | readonly string[] | undefined>>;

export type Decision =
  /** Verified, fresh, new, forwarded: remember `deliveryId` until `rememberUntilMs`, then dispatch. */
  | { readonly kind: 'accept'; readonly deliveryId: string; readonly rememberUntilMs: number; readonly dispatch: DispatchBody; readonly log: string }
  /** Verified but not an event (or model, alias) this relay forwards. */
  | { readonly kind: 'ignore'; readonly log: string }
  /** Not authentic, stale or replayed: 401 whatever the reason. */
  | { readonly kind: 'unauthorized'; readonly log: string }
  /** Authentic but unusable. */
  | { readonly kind: 'bad-request'; readonly log: string };

const one = (h: Headers, name: string): string | null => {
  const v = h[name];
  return typeof v === 'string' ? v : null;
};

const glob = (pattern: string): RegExp => new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);

export function decide(headers: Headers, body: Buffer, rules: RelayRules, replay: ReplayCache, nowMs: number): Decision {
  const deliveryId = one(headers, HEADERS.deliveryId);
  const timestamp = one(headers, HEADERS.timestamp);
  const signature = one(headers, HEADERS.signature);
  if (!deliveryId || !/^[A-Za-z0-9._:-]{1,128}$/.test(deliveryId) || !timestamp || !/^[0-9]{1,12}$/.test(timestamp) || !signature) {
    return { kind: 'unauthorized', log: 'missing or malformed X-MLflow-Delivery-Id / X-MLflow-Timestamp / X-MLflow-Signature' };
  }
  // The signature first: nothing about an unauthenticated request is worth acting on.
  if (!verifyWebhookSignature(signature, rules.secret, deliveryId, timestamp, body)) {
    return { kind: 'unauthorized', log: `bad signature (delivery ${deliveryId})` };
  }
  const skewMs = Math.abs(nowMs - Number(timestamp) * 1000);
  if (skewMs > rules.maxSkewSeconds * 1000) {
    return { kind: 'unauthorized', log: `stale timestamp: ${Math.round(skewMs / 1000)} s from the relay's clock, more than ${rules.maxSkewSeconds} s (delivery ${deliveryId})` };
  }
  if (replay.has(deliveryId, nowMs)) return { kind: 'unauthorized', log: `replayed delivery ${deliveryId}` };

  const parsed = parseDelivery(body.toString('utf8'));
  if (parsed.kind === 'malformed') return { kind: 'bad-request', log: `${parsed.reason} (delivery ${deliveryId})` };
  if (parsed.kind === 'other') return { kind: 'ignore', log: `${parsed.event} is not forwarded (delivery ${deliveryId})` };
  const e = parsed.value;
  const what = `${e.event} ${e.name} v${e.version}${e.alias ? ` @${e.alias}` : ''}`;
  if (!rules.events.includes(e.event)) return { kind: 'ignore', log: `${what}: event not forwarded (delivery ${deliveryId})` };
  if (rules.models && !rules.models.some((m) => glob(m).test(e.name))) return { kind: 'ignore', log: `${what}: model not forwarded (delivery ${deliveryId})` };
  if (e.alias !== null && rules.aliases && !rules.aliases.includes(e.alias)) return { kind: 'ignore', log: `${what}: alias not forwarded (delivery ${deliveryId})` };
  return {
    kind: 'accept',
    deliveryId,
    // A delivery is refused as stale once its timestamp is older than the skew: remember it until then.
    rememberUntilMs: (Number(timestamp) + rules.maxSkewSeconds) * 1000 + 1000,
    dispatch: dispatchBody(rules.eventType, e, deliveryId, rules.registryUrl),
    log: `${what} (delivery ${deliveryId})`,
  };
}

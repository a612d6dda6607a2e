// The GitHub `repository_dispatch` a registry event becomes. GitHub's limits: `event_type` at most
// 100 characters; `client_payload` at most 10 top-level keys and 65,535 characters. Everything of
// variable length is clipped, so a payload always fits.

import { hasControlCharacters, type RegistryEvent } from './events.js';

export const EVENT_TYPE_MAX = 100;
export const CLIENT_PAYLOAD_MAX_CHARS = 65_535;
export const CLIENT_PAYLOAD_MAX_KEYS = 10;

/** The stable shape a workflow reads as `github.event.client_payload`. */
export interface ClientPayload {
  /** `model_version.created` | `model_version_alias.created` (MLflow's names). */
  readonly event: string;
  readonly model: {
    readonly name: string;
    readonly version: string;
    readonly alias: string | null;
    readonly source: string | null;
    readonly run_id: string | null;
  };
  /** Which registry sent it: `mlflow`, and its URL when the relay was told (`--registry-url`). */
  readonly registry: { readonly kind: 'mlflow'; readonly url: string | null };
  /** MLflow's X-MLflow-Delivery-Id: the same on MLflow's retries; use it to de-duplicate. */
  readonly delivery_id: string;
  readonly occurred_at: string | null;
}

export interface DispatchBody {
  readonly event_type: string;
  readonly client_payload: ClientPayload;
}

const clip = (s: string | null, max: number): string | null => (s === null ? null : s.length <= max ? s : s.slice(0, max));

/** Problems with an event type, or null when GitHub accepts it. */
export const eventTypeProblem = (eventType: string): string | null =>
  eventType.length === 0
    ? 'must not be empty'
    : eventType.length > EVENT_TYPE_MAX
      ? `must be at most ${EVENT_TYPE_MAX} characters (GitHub's limit; got ${eventType.length})`
      : hasControlCharacters(eventType)
        ? 'must not contain control characters'
        : null;

export function dispatchBody(eventType: string, e: RegistryEvent, deliveryId: string, registryUrl: string | null): DispatchBody {
  const client_payload: ClientPayload = {
    event: e.event,
    model: { name: e.name, version: e.version, alias: e.alias, source: clip(e.source, 2048), run_id: clip(e.runId, 128) },
    registry: { kind: 'mlflow', url: clip(registryUrl, 2048) },
    delivery_id: deliveryId,
    occurred_at: clip(e.occurredAt, 64),
  };
  // Bounded by construction (name ≤ 512, alias ≤ 256, the rest clipped above): far below the limits.
  if (Object.keys(client_payload).length > CLIENT_PAYLOAD_MAX_KEYS || JSON.stringify(client_payload).length > CLIENT_PAYLOAD_MAX_CHARS) {
    throw new Error('client_payload exceeds GitHub repository_dispatch limits (a bug)');
  }
  return { event_type: eventType, client_payload };
}

// MLflow open-source registry webhooks, as delivered (mlflow 3.x, src/mlflow/webhooks/types.py):
// an envelope `{entity, action, timestamp, data}` with lower-case names. The relay forwards two
// events; everything else is acknowledged and ignored.

/** The events the relay can forward, in MLflow's dotted spelling. */
export const RELAY_EVENTS = ['model_version.created', 'model_version_alias.created'] as const;
export type RelayEventName = (typeof RELAY_EVENTS)[number];

export interface RegistryEvent {
  readonly event: RelayEventName;
  /** Registered model name. */
  readonly name: string;
  readonly version: string;
  /** model_version_alias.created only. */
  readonly alias: string | null;
  /** model_version.created only: the version's source URI and run. */
  readonly source: string | null;
  readonly runId: string | null;
  /** The envelope's ISO-8601 timestamp (when MLflow built the delivery). */
  readonly occurredAt: string | null;
}

export type ParsedDelivery =
  | { readonly kind: 'event'; readonly value: RegistryEvent }
  /** A well-formed delivery of an event the relay does not forward (tag set, alias deleted...). */
  | { readonly kind: 'other'; readonly event: string }
  | { readonly kind: 'malformed'; readonly reason: string };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** True when `s` holds a control character (U+0000..U+001F, U+007F): no place in names or log lines. */
export const hasControlCharacters = (s: string): boolean => {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
};

/** A bounded, printable string field, or null. */
const text = (v: unknown, max: number): string | null => (typeof v === 'string' && v.length > 0 && v.length <= max && !hasControlCharacters(v) ? v : null);

/** MLflow sends versions as strings ("3"); tolerate a number. */
const versionOf = (v: unknown): string | null => {
  const s = typeof v === 'number' && Number.isSafeInteger(v) ? String(v) : typeof v === 'string' ? v : null;
  return s !== null && /^[1-9][0-9]{0,18}$/.test(s) ? s : null;
};

export function parseDelivery(body: string): ParsedDelivery {
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch {
    return { kind: 'malformed', reason: 'the body is not JSON' };
  }
  if (!isObject(doc) || typeof doc.entity !== 'string' || typeof doc.action !== 'string' || !isObject(doc.data)) {
    return { kind: 'malformed', reason: 'not an MLflow webhook envelope ({entity, action, timestamp, data})' };
  }
  const event = `${doc.entity}.${doc.action}`.toLowerCase();
  const data = doc.data;
  const occurredAt = text(doc.timestamp, 64);
  const name = text(data.name, 512);
  if (event === 'model_version.created') {
    const version = versionOf(data.version);
    if (!name || !version) return { kind: 'malformed', reason: `${event} without a valid name and version` };
    return { kind: 'event', value: { event, name, version, alias: null, source: text(data.source, 4096), runId: text(data.run_id, 128), occurredAt } };
  }
  if (event === 'model_version_alias.created') {
    const version = versionOf(data.version);
    const alias = text(data.alias, 256);
    if (!name || !version || !alias) return { kind: 'malformed', reason: `${event} without a valid name, alias and version` };
    return { kind: 'event', value: { event, name, version, alias, source: null, runId: null, occurredAt } };
  }
  return { kind: 'other', event: event.slice(0, 80) };
}

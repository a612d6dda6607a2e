// The webhook signature scheme MLflow 3 uses for its registry webhooks (after the Standard Webhooks
// convention), and that mlops-gate uses for its own signed notifications: one implementation for
// both directions.
//
//   signed content = `${deliveryId}.${timestamp}.${rawBody}`   (timestamp: Unix seconds, as sent)
//   signature      = "v1," + base64(HMAC-SHA256(key = secret as UTF-8, signed content))
//
// A header may carry several space-separated signatures (key rotation); one match is enough.
// Comparison is constant-time. Verification always uses the raw body bytes: re-serialising the
// JSON would change them (MLflow's Python json.dumps writes ", " and ": ").

import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_VERSION = 'v1';

const contentOf = (deliveryId: string, timestamp: string, body: string | Uint8Array): Buffer =>
  Buffer.concat([Buffer.from(`${deliveryId}.${timestamp}.`, 'utf8'), typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body)]);

/** `v1,<base64>` for this delivery. */
export const signWebhook = (secret: string, deliveryId: string, timestamp: string, body: string | Uint8Array): string =>
  `${SIGNATURE_VERSION},${createHmac('sha256', Buffer.from(secret, 'utf8')).update(contentOf(deliveryId, timestamp, body)).digest('base64')}`;

/** True when one of the header's `v1,<base64>` signatures matches. Never throws. */
export function verifyWebhookSignature(
  header: string | null | undefined,
  secret: string,
  deliveryId: string,
  timestamp: string,
  body: string | Uint8Array,
): boolean {
  if (!header || !secret) return false;
  const expected = Buffer.from(signWebhook(secret, deliveryId, timestamp, body), 'utf8');
  let ok = false;
  // At most a few candidates: a header stuffed with thousands of entries costs nothing more.
  for (const candidate of header.trim().split(/\s+/).slice(0, 8)) {
    const given = Buffer.from(candidate, 'utf8');
    // timingSafeEqual needs equal lengths; the length of a correct signature is not a secret.
    if (given.length === expected.length && timingSafeEqual(given, expected)) ok = true;
  }
  return ok;
}

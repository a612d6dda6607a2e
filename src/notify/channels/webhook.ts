// Any HTTP endpoint: the event document itself (schema/notification.schema.json), signed like
// MLflow signs its webhooks, so one verifier serves both (src/util/webhook-signature.ts):
//   X-Mlops-Gate-Delivery-Id  the document's id (the same on retries: de-duplicate on it)
//   X-Mlops-Gate-Timestamp    Unix seconds when the message was built (refuse it when stale)
//   X-Mlops-Gate-Signature    v1,base64(HMAC-SHA256(key, `${id}.${timestamp}.${raw body}`))
//   X-Mlops-Gate-Event        the event name, for routing without parsing the body

import { signWebhook } from '../../util/webhook-signature.js';
import type { ChannelRenderer } from '../types.js';

export const WEBHOOK_HEADERS = {
  deliveryId: 'x-mlops-gate-delivery-id',
  timestamp: 'x-mlops-gate-timestamp',
  signature: 'x-mlops-gate-signature',
  event: 'x-mlops-gate-event',
} as const;

export const webhook: ChannelRenderer = {
  label: 'webhook',
  signed: true,
  render(d, signing) {
    if (!signing) throw new Error('the webhook channel signs every message (a bug: no signing key was given)');
    const body = JSON.stringify(d);
    return {
      body,
      headers: {
        'content-type': 'application/json',
        [WEBHOOK_HEADERS.deliveryId]: d.id,
        [WEBHOOK_HEADERS.timestamp]: signing.timestamp,
        [WEBHOOK_HEADERS.signature]: signWebhook(signing.key, d.id, signing.timestamp, body),
        [WEBHOOK_HEADERS.event]: d.event,
      },
    };
  },
};

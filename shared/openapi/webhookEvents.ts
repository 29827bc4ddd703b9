import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import * as z from 'zod';
import type { AnyRoute } from '../routes/route.js';
import { extensionEvent, registrationEvent } from '../schemas/webhookEvents.js';
import { readableAsClassic } from './zodMini.js';

/** Standard Webhooks headers on every event POST (docs/webhooks.md). */
const signatureHeaders = z.object({
  'webhook-id': z.string().describe('the delivery id: the same in every retry and redelivery of it; deduplicate on it'),
  'webhook-timestamp': z.string().describe('unix seconds when this attempt was signed; refuse ones more than 5 minutes off'),
  'webhook-signature': z
    .string()
    .describe('`v1,` + base64 HMAC-SHA256 with the base64-decoded secret (after `whsec_`) over `webhook-id.webhook-timestamp.body`'),
});

const receiverResponses = {
  200: { description: 'Any 2xx: delivered. 410: the subscription is disabled. Anything else, or no answer within 5 s: retried (about 10 s, then growing, for about 40 h).' },
};

/**
 * The events a customer's webhook receives, as OpenAPI 3.1 `webhooks`: only when the
 * table has the subscription routes (the document stays a function of the route table).
 */
export function registerWebhookEvents(registry: OpenAPIRegistry, routes: readonly AnyRoute[]) {
  if (!routes.some((route) => route.path === '/v1.0/webhooks')) return;
  for (const [name, schema, summary] of [
    ['registrationEvent', registrationEvent, 'registration.registered / unregistered / expired: a device went online or offline'],
    ['extensionEvent', extensionEvent, 'extension.created / updated / deleted / password_changed (never with the password)'],
  ] as const) {
    registry.registerWebhook({
      method: 'post',
      path: name,
      operationId: name,
      summary,
      tags: ['Webhooks'],
      request: { headers: signatureHeaders, body: { required: true, content: { 'application/json': { schema: readableAsClassic(schema) as never } } } },
      responses: receiverResponses,
    });
  }
}

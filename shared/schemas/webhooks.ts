import * as z from 'zod';
import { view as extensionView } from '../entities/extension.js';
import { strictBody } from './body.js';
import { detailText, entityId, nameText, pageQuery, timestamp } from './common.js';
import { registration } from './registrations.js';

/** Every event a subscription may ask for (docs/webhooks.md). */
export const WEBHOOK_EVENT_TYPES = [
  'registration.registered',
  'registration.unregistered',
  'registration.expired',
  'extension.created',
  'extension.updated',
  'extension.deleted',
  'extension.password_changed',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** Subscriptions a customer may have at a time. */
export const MAX_WEBHOOKS_PER_CUSTOMER = 10;

const eventType = z.enum(WEBHOOK_EVENT_TYPES);

const url = z
  .string()
  .min(1)
  .max(2048)
  .describe('where events are POSTed: https (on AWS stages a public address); locally http://127.0.0.1... too');

const eventTypes = z
  .array(eventType)
  .min(1)
  .max(WEBHOOK_EVENT_TYPES.length)
  .refine((types) => new Set(types).size === types.length, 'event_types must not repeat a type')
  .describe('the events to receive, a subset of the event types');

export const webhookCreate = strictBody({
  url,
  event_types: eventTypes,
  name: nameText.optional(),
  detail: detailText.optional(),
  enabled: z.boolean().optional().describe('default true'),
}).meta({ id: 'WebhookCreate' });

export const webhookUpdate = strictBody(
  {
    url: url.optional().describe('omitted = unchanged'),
    event_types: eventTypes.optional().describe('omitted = unchanged'),
    name: nameText.optional().describe('omitted = unchanged'),
    detail: detailText.optional().describe('omitted = unchanged'),
    enabled: z.boolean().optional().describe('omitted = unchanged; true again after a 410 re-enables delivery'),
  },
  ['id', 'customer_id', 'secret', 'disabled_reason'],
).meta({ id: 'WebhookUpdate' });

export const webhook = z
  .object({
    id: z.string(),
    customer_id: z.string(),
    url: z.string(),
    event_types: z.array(eventType),
    name: z.string(),
    detail: z.string(),
    enabled: z.boolean(),
    disabled_reason: z.string().describe('"" while enabled; "endpoint_gone" after the receiver answered 410; "disabled" when you turned it off'),
    tm_create: timestamp,
    tm_update: timestamp,
  })
  .meta({ id: 'Webhook' });

export const webhookWithSecret = webhook
  .extend({
    secret: z
      .string()
      .describe('whsec_ + base64 of the 24-byte signing key (Standard Webhooks); returned only here, store it now'),
  })
  .meta({ id: 'WebhookWithSecret' });

export const webhookDeliveryParams = z.object({ id: entityId, delivery_id: entityId });

export const webhookDelivery = z
  .object({
    id: z.string().describe('the webhook-id header of every attempt of this delivery'),
    webhook_id: z.string(),
    event_id: z.string(),
    event_type: eventType,
    status: z
      .enum(['pending', 'retrying', 'succeeded', 'failed'])
      .describe('failed: retries ran out, the receiver answered 410, or its address was refused'),
    attempts: z.number().int(),
    last_response_code: z.number().int().describe('HTTP status of the last attempt; 0 before any or when none came (timeout, refused)'),
    last_error: z.string().describe('why the last attempt failed without a status: timeout, connection, address_refused; "" otherwise'),
    next_retry: timestamp.describe('when the next attempt is due; "" when none is'),
    tm_create: timestamp,
    tm_update: timestamp,
  })
  .meta({ id: 'WebhookDelivery' });

export const webhookDeliveryList = z.object({
  result: z.array(webhookDelivery).describe('newest first; kept 30 days'),
  next_page_token: z.string().describe('"" on the last page; otherwise pass it as page_token'),
});
export const webhookDeliveryQuery = pageQuery;

// ---- The events themselves: what a receiver gets (docs/webhooks.md) ----

/** The extension as the API shows it (shared/entities/extension.ts), without its password. */
export const webhookExtension = extensionView.omit({ password: true }).meta({ id: 'WebhookExtension' });

const eventEnvelope = {
  id: z.string().describe('unique per event; the same in every delivery of it (deduplicate on webhook-id)'),
  timestamp: z.string().describe('when the change happened, ISO 8601 UTC'),
  customer_id: z.string(),
};

export const registrationEvent = z
  .object({
    ...eventEnvelope,
    type: z.enum(['registration.registered', 'registration.unregistered', 'registration.expired']),
    data: z.object({
      extension_id: z.string(),
      reason: z
        .enum(['registered', 'device', 'api', 'extension_deleted', 'expired'])
        .describe('device: the device unregistered; api: DELETE .../registrations; extension_deleted; expired'),
      registration,
    }),
  })
  .meta({ id: 'RegistrationEvent' });

export const extensionEvent = z
  .object({
    ...eventEnvelope,
    type: z.enum(['extension.created', 'extension.updated', 'extension.deleted', 'extension.password_changed']),
    data: z.object({ extension: webhookExtension }),
  })
  .meta({ id: 'ExtensionEvent' });

export const webhookEventPayload = z.union([registrationEvent, extensionEvent]).meta({ id: 'WebhookEventPayload' });
export type WebhookEventPayload = z.output<typeof webhookEventPayload>;
export type RegistrationEventPayload = z.output<typeof registrationEvent>;
export type ExtensionEventPayload = z.output<typeof extensionEvent>;

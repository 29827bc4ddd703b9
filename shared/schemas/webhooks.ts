import * as z from 'zod/mini';
import { strictBody } from './body.js';
import { entityId, timestamp } from './common.js';
import { detailText, nameText } from './text.js';
import { pageQuery } from './paging.js';
import { deferred } from './deferred.js';

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

const eventType = deferred(() => z.enum(WEBHOOK_EVENT_TYPES));
const d = z.describe;

const url = deferred(() => z
  .string()
  .check(
    z.minLength(1),
    z.maxLength(2048),
    d('where events are POSTed: https (on AWS stages a public address); locally http://127.0.0.1... too'),
  ));

const eventTypes = deferred(() => z
  .array(eventType)
  .check(
    z.minLength(1),
    z.maxLength(WEBHOOK_EVENT_TYPES.length),
    z.refine((types) => new Set(types).size === types.length, 'event_types must not repeat a type'),
    d('the events to receive, a subset of the event types'),
  ));

export const webhookCreate = deferred(() => strictBody({
  url,
  event_types: eventTypes,
  name: z.optional(nameText),
  detail: z.optional(detailText),
  enabled: z.optional(z.boolean()).check(d('default true')),
}).check(z.meta({ id: 'WebhookCreate' })));

export const webhookUpdate = deferred(() => strictBody(
  {
    url: z.optional(url).check(d('omitted = unchanged')),
    event_types: z.optional(eventTypes).check(d('omitted = unchanged')),
    name: z.optional(nameText).check(d('omitted = unchanged')),
    detail: z.optional(detailText).check(d('omitted = unchanged')),
    enabled: z.optional(z.boolean()).check(d('omitted = unchanged; true again after a 410 re-enables delivery')),
  },
  ['id', 'customer_id', 'secret', 'disabled_reason'],
).check(z.meta({ id: 'WebhookUpdate' })));

export const webhook = deferred(() => z
  .object({
    id: z.string(),
    customer_id: z.string(),
    url: z.string(),
    event_types: z.array(eventType),
    name: z.string(),
    detail: z.string(),
    enabled: z.boolean(),
    disabled_reason: z
      .string()
      .check(d('"" while enabled; "endpoint_gone" after the receiver answered 410; "disabled" when you turned it off')),
    tm_create: timestamp,
    tm_update: timestamp,
  })
  .check(z.meta({ id: 'Webhook' })));

export const webhookWithSecret = deferred(() => z
  .extend(webhook, {
    secret: z.string().check(d('whsec_ + base64 of the 24-byte signing key (Standard Webhooks); returned only here, store it now')),
  })
  .check(z.meta({ id: 'WebhookWithSecret' })));

export const webhookDeliveryParams = deferred(() => z.object({ id: entityId, delivery_id: entityId }));

export const webhookDelivery = deferred(() => z
  .object({
    id: z.string().check(d('the webhook-id header of every attempt of this delivery')),
    webhook_id: z.string(),
    event_id: z.string(),
    event_type: eventType,
    status: z
      .enum(['pending', 'retrying', 'succeeded', 'failed'])
      .check(d('failed: retries ran out, the receiver answered 410, or its address was refused')),
    attempts: z.int(),
    last_response_code: z.int().check(d('HTTP status of the last attempt; 0 before any or when none came (timeout, refused)')),
    last_error: z.string().check(d('why the last attempt failed without a status: timeout, connection, address_refused; "" otherwise')),
    next_retry: timestamp.check(d('when the next attempt is due; "" when none is')),
    tm_create: timestamp,
    tm_update: timestamp,
  })
  .check(z.meta({ id: 'WebhookDelivery' })));

export const webhookDeliveryList = deferred(() => z.object({
  result: z.array(webhookDelivery).check(d('newest first; kept 30 days')),
  next_page_token: z.string().check(d('"" on the last page; otherwise pass it as page_token')),
}));
export const webhookDeliveryQuery = pageQuery;

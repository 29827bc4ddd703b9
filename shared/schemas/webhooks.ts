import * as z from 'zod/mini';
import { strictBody } from './body.js';
import { entityId } from './common.js';
import { detailText, nameText } from './text.js';
import { pageQuery } from './paging.js';
import { deferred } from './deferred.js';
import { view as deliveryView } from '../entities/webhookDelivery.js';

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

export const eventType = deferred(() => z.enum(WEBHOOK_EVENT_TYPES));
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

/** The API's subscription is the view of the stored record (shared/entities/webhook.ts); the secret only in create and regenerate. */
export { view as webhook, viewWithSecret as webhookWithSecret } from '../entities/webhook.js';

export const webhookDeliveryParams = deferred(() => z.object({ id: entityId, delivery_id: entityId }));

/** The API's delivery is the view of the stored record (shared/entities/webhookDelivery.ts). */
export { view as webhookDelivery } from '../entities/webhookDelivery.js';

export const webhookDeliveryList = deferred(() => z.object({
  result: z.array(deliveryView).check(d('newest first; kept 30 days')),
  next_page_token: z.string().check(d('"" on the last page; otherwise pass it as page_token')),
}));
export const webhookDeliveryQuery = pageQuery;

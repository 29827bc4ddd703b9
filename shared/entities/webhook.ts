import * as z from 'zod/mini';
import { timestamp } from '../schemas/common.js';
import { eventType } from '../schemas/webhooks.js';
import { webhookKey, webhooksPrefix } from '../table/keys.js';
import { deferred } from '../schemas/deferred.js';
import { ENTITY_ATTRIBUTE, parseItem } from './item.js';

/**
 * A webhook subscription of a customer: one item in the customer's partition (a Query
 * of it lists them all; at most MAX_WEBHOOKS_PER_CUSTOMER, counted on the customer item).
 *
 * The signing secret is stored as it is (the table is encrypted at rest with the
 * AWS-managed key): HMAC signing needs the key itself, so a hash would not do, and an
 * extra KMS envelope would add a KMS call per delivery for readers that already hold
 * table access. It is never logged and returned only by create and regenerate.
 */
const ENTITY = 'webhook';

const d = z.describe;

/** The stored subscription item, the one definition of its fields. */
export const record = deferred(() => z.object({
  id: z.string(),
  customer_id: z.string(),
  url: z.string(),
  event_types: z.array(eventType),
  name: z.string(),
  detail: z.string(),
  /** Delivery stops while false; disabled_reason says who turned it off. */
  enabled: z.boolean(),
  disabled_reason: z.enum(['', 'disabled', 'endpoint_gone']),
  /** `whsec_` + base64 of the signing key (Standard Webhooks). Never logged. */
  secret: z.string(),
  tm_create: timestamp,
  tm_update: timestamp,
}));
export type WebhookRecord = z.output<typeof record>;

export const key = (customerId: string, webhookId: string) => webhookKey(customerId, webhookId);
/** A customer's subscriptions: its partition, sort keys under this prefix. */
export const listing = (customerId: string) => {
  const prefix = webhooksPrefix(customerId);
  return { partitionKey: prefix.PK, sortKeyPrefix: prefix.SKPrefix };
};

export const toItem = (webhook: WebhookRecord) => ({ ...key(webhook.customer_id, webhook.id), [ENTITY_ATTRIBUTE]: ENTITY, ...webhook });

export const fromItem = (item: Record<string, unknown>): WebhookRecord => parseItem(record, ENTITY, item);

/**
 * The API's subscription: the record without its secret. The API has always documented
 * disabled_reason as a string with its meanings (the record holds the closed set);
 * kept so, the published document does not change.
 */
export const view = deferred(() => z
  .extend(z.omit(record, { secret: true }), {
    disabled_reason: z
      .string()
      .check(d('"" while enabled; "endpoint_gone" after the receiver answered 410; "disabled" when you turned it off')),
  })
  .check(z.meta({ id: 'Webhook' })));
export type WebhookView = z.output<typeof view>;

/** What create and regenerate answer: the view and, this once, the secret. */
export const viewWithSecret = deferred(() => z
  .extend(view, {
    secret: record.shape.secret.check(
      d('whsec_ + base64 of the 24-byte signing key (Standard Webhooks); returned only here, store it now'),
    ),
  })
  .check(z.meta({ id: 'WebhookWithSecret' })));
export type WebhookWithSecretView = z.output<typeof viewWithSecret>;

/** Parsing drops what the view does not name: the secret reaches a reply only through toViewWithSecret. */
export const toView = (webhook: WebhookRecord): WebhookView => view.parse(webhook);

export const toViewWithSecret = (webhook: WebhookRecord): WebhookWithSecretView => viewWithSecret.parse(webhook);

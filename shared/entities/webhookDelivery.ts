import * as z from 'zod/mini';
import { formatTimestamp } from '../ids.js';
import { timestamp } from '../schemas/common.js';
import { eventType } from '../schemas/webhooks.js';
import { tableDefinition } from '../table/definition.js';
import { WEBHOOK_DELIVERY_PREFIX, webhookDeliveriesPartition, webhookDeliveryKey } from '../table/keys.js';
import { deferred } from '../schemas/deferred.js';
import { ENTITY_ATTRIBUTE, parseItem } from './item.js';

/**
 * One delivery = one event for one subscription: an item in the subscription's own
 * partition holding the exact body sent (so every retry and a redelivery send the same
 * bytes under the same webhook-id) and the state of its attempts. Kept
 * DELIVERY_RETENTION_DAYS (TTL), then DynamoDB removes it.
 */
const ENTITY = 'webhook-delivery';

export const DELIVERY_RETENTION_DAYS = 30;

const d = z.describe;

/** The stored delivery item, the one definition of its fields. */
export const record = deferred(() => z.object({
  id: z.string().check(d('the webhook-id header of every attempt of this delivery')),
  customer_id: z.string(),
  webhook_id: z.string(),
  event_id: z.string(),
  event_type: eventType,
  /** The JSON body, signed and sent as is. */
  body: z.string(),
  status: z
    .enum(['pending', 'retrying', 'succeeded', 'failed'])
    .check(d('failed: retries ran out, the receiver answered 410, or its address was refused')),
  attempts: z.int(),
  last_response_code: z.int().check(d('HTTP status of the last attempt; 0 before any or when none came (timeout, refused)')),
  last_error: z.string().check(d('why the last attempt failed without a status: timeout, connection, address_refused; "" otherwise')),
  /** Epoch ms of the next attempt; 0 when none is due. */
  next_attempt_at: z.number(),
  /** Epoch ms. */
  created_at: z.number(),
  updated_at: z.number(),
}));
export type DeliveryRecord = z.output<typeof record>;
export type DeliveryStatus = DeliveryRecord['status'];

export const key = (customerId: string, webhookId: string, deliveryId: string) =>
  webhookDeliveryKey(customerId, webhookId, deliveryId);
/** A subscription's deliveries: its own partition, time-ordered ids under this prefix. */
export const listing = (customerId: string, webhookId: string) => ({
  partitionKey: webhookDeliveriesPartition(customerId, webhookId),
  sortKeyPrefix: WEBHOOK_DELIVERY_PREFIX,
});

/** TTL in epoch seconds: the retention counted from the delivery's creation. */
const expiryOf = (createdAt: number) => Math.ceil(createdAt / 1000) + DELIVERY_RETENTION_DAYS * 86400;

export const toItem = (delivery: DeliveryRecord) => ({
  ...key(delivery.customer_id, delivery.webhook_id, delivery.id),
  [ENTITY_ATTRIBUTE]: ENTITY,
  ...delivery,
  [tableDefinition.timeToLiveAttribute]: expiryOf(delivery.created_at),
});

export const fromItem = (item: Record<string, unknown>): DeliveryRecord => parseItem(record, ENTITY, item);

/** The API's delivery: the record without the body and its owner, epoch ms shown as timestamps. */
export const view = deferred(() => {
  const field = record.shape;
  return z.object({
    id: field.id,
    webhook_id: field.webhook_id,
    event_id: field.event_id,
    event_type: field.event_type,
    status: field.status,
    attempts: field.attempts,
    last_response_code: field.last_response_code,
    last_error: field.last_error,
    next_retry: timestamp.check(d('when the next attempt is due; "" when none is')),
    tm_create: timestamp,
    tm_update: timestamp,
  }).check(z.meta({ id: 'WebhookDelivery' }));
});
export type DeliveryView = z.output<typeof view>;

export const toView = (delivery: DeliveryRecord): DeliveryView =>
  view.parse({
    ...delivery,
    next_retry: delivery.next_attempt_at ? formatTimestamp(delivery.next_attempt_at) : '',
    tm_create: formatTimestamp(delivery.created_at),
    tm_update: formatTimestamp(delivery.updated_at),
  });

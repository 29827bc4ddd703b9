import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { createHash } from 'node:crypto';
import { notFound } from '../errors.js';
import * as Delivery from '../entities/webhookDelivery.js';
import { updateExpression } from '../store/expressions.js';
import { queryPage, type PageRequest } from '../store/queryPage.js';
import { readItem } from '../store/readItem.js';
import { db, tableName } from '../table/client.js';
import type { DeliveryQueue } from './pipeline.js';
import { getWebhookRecord, webhookNotFound } from './subscriptions.js';

/**
 * Webhook deliveries: the store and the operations of the routes. The entity (keys,
 * stored record with the exact body sent, item mapping with its TTL, API view) is
 * shared/entities/webhookDelivery.ts.
 */
/**
 * A UUID-shaped, time-ordered id (UUIDv7 layout) made from the event's time and a hash of
 * (event id, subscription id): the deliveries list sorts by event time, and a retried
 * stream batch makes the same id again, which the conditional put below turns into no-op.
 */
export function deliveryIdOf(eventId: string, webhookId: string, atMs: number): string {
  const bytes = createHash('sha256').update(`${eventId}|${webhookId}`).digest().subarray(0, 16);
  bytes.writeUIntBE(Math.max(0, Math.floor(atMs)), 0, 6);
  bytes[6] = 0x70 | (bytes[6]! & 0x0f);
  bytes[8] = 0x80 | (bytes[8]! & 0x3f);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Records a new delivery; false when it exists already (a retried stream batch). */
export async function putDelivery(record: Delivery.DeliveryRecord): Promise<boolean> {
  try {
    await db().send(
      new PutCommand({
        TableName: tableName(),
        Item: Delivery.toItem(record),
        ConditionExpression: 'attribute_not_exists(PK)',
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

export async function getDelivery(customerId: string, webhookId: string, deliveryId: string): Promise<Delivery.DeliveryRecord | undefined> {
  return readItem(Delivery.key(customerId, webhookId, deliveryId), Delivery.fromItem);
}

/** Writes the outcome of one attempt (or of a redelivery request). */
export async function recordAttempt(
  d: Pick<Delivery.DeliveryRecord, 'customer_id' | 'webhook_id' | 'id'>,
  state: Pick<Delivery.DeliveryRecord, 'status' | 'attempts' | 'last_response_code' | 'last_error' | 'next_attempt_at'>,
) {
  await db().send(
    new UpdateCommand({
      TableName: tableName(),
      Key: Delivery.key(d.customer_id, d.webhook_id, d.id),
      ...updateExpression({ set: { ...state, updated_at: Date.now() } }),
      ConditionExpression: 'attribute_exists(PK)',
    }),
  );
}

// ---- operations (the routes) --------------------------------------------------------

const deliveryNotFound = () => notFound('DELIVERY_NOT_FOUND', 'No delivery with this id for this webhook.');

/** A page of the subscription's deliveries, newest first (404 for a webhook not the caller's). */
export async function listDeliveries(customerId: string, webhookId: string, page: PageRequest) {
  if (!(await getWebhookRecord(customerId, webhookId))) throw webhookNotFound();
  const result = await queryPage(
    {
      scope: { customerId, listing: 'webhook-deliveries', filter: webhookId },
      ...Delivery.listing(customerId, webhookId),
      newestFirst: true,
    },
    page,
    Delivery.fromItem,
  );
  return { result: result.items.map(Delivery.toView), next_page_token: result.nextPageToken };
}

/**
 * Sends the delivery again now, with the same body and webhook-id (a receiver that
 * deduplicates on webhook-id sees a repeat): its status goes back to pending and the
 * attempt count goes on. The queue is the same one the events use.
 */
export async function requestRedelivery(
  customerId: string,
  webhookId: string,
  deliveryId: string,
  queue: () => DeliveryQueue,
) {
  if (!(await getWebhookRecord(customerId, webhookId))) throw webhookNotFound();
  const delivery = await getDelivery(customerId, webhookId, deliveryId);
  if (!delivery) throw deliveryNotFound();
  // Resolved before anything changes: without a running delivery (local only) it is 503.
  const target = queue();
  const state = { ...delivery, status: 'pending' as const, last_error: delivery.last_error, next_attempt_at: Date.now() };
  await recordAttempt(delivery, state);
  await target.enqueue([{ customerId, webhookId, deliveryId }]);
  return Delivery.toView({ ...delivery, ...state, updated_at: Date.now() });
}

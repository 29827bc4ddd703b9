import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { createHash } from 'node:crypto';
import type * as z from 'zod';
import { notFound } from '../errors.js';
import { formatTimestamp } from '../ids.js';
import type { webhookDelivery, WebhookEventType } from '../schemas/webhooks.js';
import { queryPage, type PageRequest } from '../store/queryPage.js';
import { db, tableName } from '../table/client.js';
import { tableDefinition } from '../table/definition.js';
import { WEBHOOK_DELIVERY_PREFIX, webhookDeliveriesPartition, webhookDeliveryKey } from '../table/keys.js';
import type { DeliveryQueue } from './pipeline.js';
import { getWebhookRecord, webhookNotFound } from './subscriptions.js';

/**
 * One delivery = one event for one subscription: an item in the subscription's
 * partition holding the exact body sent (so every retry and a redelivery send the same
 * bytes under the same webhook-id) and the state of its attempts. Kept 30 days (TTL).
 */
export const DELIVERY_RETENTION_DAYS = 30;

export type DeliveryStatus = 'pending' | 'retrying' | 'succeeded' | 'failed';

export interface DeliveryRecord {
  id: string;
  customer_id: string;
  webhook_id: string;
  event_id: string;
  event_type: WebhookEventType;
  /** The JSON body, signed and sent as is. */
  body: string;
  status: DeliveryStatus;
  attempts: number;
  last_response_code: number;
  last_error: string;
  /** Epoch ms of the next attempt; 0 when none is due. */
  next_attempt_at: number;
  created_at: number;
  updated_at: number;
}

export type DeliveryView = z.output<typeof webhookDelivery>;

export const toDeliveryView = (d: DeliveryRecord): DeliveryView => ({
  id: d.id,
  webhook_id: d.webhook_id,
  event_id: d.event_id,
  event_type: d.event_type,
  status: d.status,
  attempts: d.attempts,
  last_response_code: d.last_response_code,
  last_error: d.last_error,
  next_retry: d.next_attempt_at ? formatTimestamp(d.next_attempt_at) : '',
  tm_create: formatTimestamp(d.created_at),
  tm_update: formatTimestamp(d.updated_at),
});

const recordOf = (item: Record<string, unknown>): DeliveryRecord => {
  const { PK: _pk, SK: _sk, entity: _e, ttl: _t, ...rest } = item;
  return rest as unknown as DeliveryRecord;
};

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

const ttlOf = (now: number) => Math.ceil(now / 1000) + DELIVERY_RETENTION_DAYS * 86400;

/** Records a new delivery; false when it exists already (a retried stream batch). */
export async function putDelivery(record: DeliveryRecord): Promise<boolean> {
  try {
    await db().send(
      new PutCommand({
        TableName: tableName(),
        Item: {
          ...webhookDeliveryKey(record.customer_id, record.webhook_id, record.id),
          entity: 'webhook-delivery',
          ...record,
          [tableDefinition.timeToLiveAttribute]: ttlOf(record.created_at),
        },
        ConditionExpression: 'attribute_not_exists(PK)',
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

export async function getDelivery(customerId: string, webhookId: string, deliveryId: string): Promise<DeliveryRecord | undefined> {
  const { Item } = await db().send(
    new GetCommand({ TableName: tableName(), Key: webhookDeliveryKey(customerId, webhookId, deliveryId), ConsistentRead: true }),
  );
  return Item ? recordOf(Item) : undefined;
}

/** Writes the outcome of one attempt (or of a redelivery request). */
export async function recordAttempt(
  d: Pick<DeliveryRecord, 'customer_id' | 'webhook_id' | 'id'>,
  state: Pick<DeliveryRecord, 'status' | 'attempts' | 'last_response_code' | 'last_error' | 'next_attempt_at'>,
) {
  const now = Date.now();
  await db().send(
    new UpdateCommand({
      TableName: tableName(),
      Key: webhookDeliveryKey(d.customer_id, d.webhook_id, d.id),
      UpdateExpression:
        'SET #status = :status, attempts = :attempts, last_response_code = :code, last_error = :error, next_attempt_at = :next, updated_at = :now',
      ConditionExpression: 'attribute_exists(PK)',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ':status': state.status,
        ':attempts': state.attempts,
        ':code': state.last_response_code,
        ':error': state.last_error,
        ':next': state.next_attempt_at,
        ':now': now,
      },
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
      partitionKey: webhookDeliveriesPartition(customerId, webhookId),
      sortKeyPrefix: WEBHOOK_DELIVERY_PREFIX,
      newestFirst: true,
    },
    page,
    recordOf,
  );
  return { result: result.items.map(toDeliveryView), next_page_token: result.nextPageToken };
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
  return toDeliveryView({ ...delivery, ...state, updated_at: Date.now() });
}

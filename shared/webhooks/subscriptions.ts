import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type * as z from 'zod';
import { failedPrecondition, invalidArgument, notFound } from '../errors.js';
import { formatTimestamp, newId } from '../ids.js';
import type { webhook, webhookCreate, webhookUpdate, webhookWithSecret } from '../schemas/webhooks.js';
import { MAX_WEBHOOKS_PER_CUSTOMER, type WebhookEventType } from '../schemas/webhooks.js';
import { transactWrite } from '../store/transactions.js';
import { db, tableName } from '../table/client.js';
import * as Customer from '../entities/customer.js';
import { webhookKey, webhooksPrefix } from '../table/keys.js';
import { newWebhookSecret } from './signing.js';
import { urlProblem } from './urlPolicy.js';

/**
 * Webhook subscriptions: the entity module (keys, stored record, mapping, API view and
 * operations). One item per subscription in the customer's partition; the customer
 * item counts them (`webhook_count`), so the per-customer limit holds under concurrent
 * creates without a Scan or a count Query.
 *
 * The signing secret is stored as it is (the table is encrypted at rest with the
 * AWS-managed key): HMAC signing needs the key itself, so a hash would not do, and an
 * extra KMS envelope would add a KMS call per delivery for readers that already hold
 * table access. It is never logged and returned only by create and regenerate.
 */
export interface WebhookRecord {
  id: string;
  customer_id: string;
  url: string;
  event_types: WebhookEventType[];
  name: string;
  detail: string;
  enabled: boolean;
  disabled_reason: '' | 'disabled' | 'endpoint_gone';
  secret: string;
  tm_create: string;
  tm_update: string;
}

export type WebhookView = z.output<typeof webhook>;
export type WebhookInput = z.output<typeof webhookCreate>;
export type WebhookChanges = z.output<typeof webhookUpdate>;

export const toWebhookView = (r: WebhookRecord): WebhookView => ({
  id: r.id,
  customer_id: r.customer_id,
  url: r.url,
  event_types: r.event_types,
  name: r.name,
  detail: r.detail,
  enabled: r.enabled,
  disabled_reason: r.disabled_reason,
  tm_create: r.tm_create,
  tm_update: r.tm_update,
});

const withSecret = (r: WebhookRecord): z.output<typeof webhookWithSecret> => ({ ...toWebhookView(r), secret: r.secret });

const recordOf = (item: Record<string, unknown>): WebhookRecord => ({
  id: String(item.id),
  customer_id: String(item.customer_id),
  url: String(item.url),
  event_types: (item.event_types as WebhookEventType[] | undefined) ?? [],
  name: String(item.name ?? ''),
  detail: String(item.detail ?? ''),
  enabled: item.enabled === true,
  disabled_reason: (item.disabled_reason as WebhookRecord['disabled_reason'] | undefined) ?? '',
  secret: String(item.secret),
  tm_create: String(item.tm_create ?? ''),
  tm_update: String(item.tm_update ?? ''),
});

export const webhookNotFound = () => notFound('WEBHOOK_NOT_FOUND', 'No webhook with this id.');

async function checkUrl(url: string) {
  const problem = await urlProblem(url);
  if (problem) throw invalidArgument('INVALID_WEBHOOK_URL', problem);
}

// ---- store --------------------------------------------------------------------------

export async function getWebhookRecord(customerId: string, webhookId: string): Promise<WebhookRecord | undefined> {
  const { Item } = await db().send(new GetCommand({ TableName: tableName(), Key: webhookKey(customerId, webhookId), ConsistentRead: true }));
  return Item ? recordOf(Item) : undefined;
}

/** All of a customer's subscriptions: one Query of its partition (at most 10 items). */
export async function listWebhookRecords(customerId: string): Promise<WebhookRecord[]> {
  const { PK, SKPrefix } = webhooksPrefix(customerId);
  const { Items } = await db().send(
    new QueryCommand({
      TableName: tableName(),
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
      ExpressionAttributeValues: { ':pk': PK, ':prefix': SKPrefix },
      ConsistentRead: true,
    }),
  );
  return (Items ?? []).map(recordOf);
}

/** The receiver answered 410 Gone: stop sending (the customer re-enables it with PUT). */
export async function disableGoneWebhook(customerId: string, webhookId: string) {
  try {
    await db().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: webhookKey(customerId, webhookId),
        UpdateExpression: 'SET enabled = :false, disabled_reason = :gone, tm_update = :now',
        ConditionExpression: 'attribute_exists(PK)',
        ExpressionAttributeValues: { ':false': false, ':gone': 'endpoint_gone', ':now': formatTimestamp(Date.now()) },
      }),
    );
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
}

// ---- operations (the routes) --------------------------------------------------------

/**
 * One transaction: the subscription item, and the customer's count, whose condition
 * enforces the limit. The secret is returned this once.
 */
export async function createWebhook(customerId: string, input: WebhookInput) {
  await checkUrl(input.url);
  const now = Date.now();
  const enabled = input.enabled ?? true;
  const record: WebhookRecord = {
    id: newId(now),
    customer_id: customerId,
    url: input.url,
    event_types: input.event_types,
    name: input.name ?? '',
    detail: input.detail ?? '',
    enabled,
    disabled_reason: enabled ? '' : 'disabled',
    secret: newWebhookSecret(),
    tm_create: formatTimestamp(now),
    tm_update: '',
  };
  const result = await transactWrite([
    {
      // The customer's count holds the limit; the only condition that can fail here.
      onConditionFailed: 'limit-reached' as const,
      write: { Update: {
        TableName: tableName(),
        Key: Customer.key(customerId),
        UpdateExpression: 'SET webhook_count = if_not_exists(webhook_count, :zero) + :one',
        ConditionExpression: 'attribute_exists(PK) AND (attribute_not_exists(webhook_count) OR webhook_count < :max)',
        ExpressionAttributeValues: { ':zero': 0, ':one': 1, ':max': MAX_WEBHOOKS_PER_CUSTOMER },
      } },
    },
    {
      // A new random id: a failed condition here would be a broken invariant (an error).
      write: { Put: {
        TableName: tableName(),
        Item: { ...webhookKey(customerId, record.id), entity: 'webhook', ...record },
        ConditionExpression: 'attribute_not_exists(PK)',
      } },
    },
  ]);
  if (!result.ok) {
    throw failedPrecondition(
      'WEBHOOK_LIMIT_REACHED',
      `A customer may have at most ${MAX_WEBHOOKS_PER_CUSTOMER} webhooks; delete one first.`,
    );
  }
  return withSecret(record);
}

export async function listWebhooks(customerId: string) {
  const records = await listWebhookRecords(customerId);
  return { result: records.map(toWebhookView), next_page_token: '' };
}

export async function getWebhook(customerId: string, webhookId: string) {
  const record = await getWebhookRecord(customerId, webhookId);
  if (!record) throw webhookNotFound();
  return toWebhookView(record);
}

/** Only given fields change; one conditional UpdateItem. */
export async function updateWebhook(customerId: string, webhookId: string, changes: WebhookChanges) {
  if (changes.url !== undefined) await checkUrl(changes.url);
  const set: Record<string, unknown> = { tm_update: formatTimestamp(Date.now()) };
  for (const field of ['url', 'event_types', 'name', 'detail'] as const) if (changes[field] !== undefined) set[field] = changes[field];
  if (changes.enabled !== undefined) {
    set.enabled = changes.enabled;
    set.disabled_reason = changes.enabled ? '' : 'disabled';
  }
  const names = Object.fromEntries(Object.keys(set).map((k, i) => [`#f${i}`, k]));
  const values = Object.fromEntries(Object.values(set).map((v, i) => [`:v${i}`, v]));
  try {
    const { Attributes } = await db().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: webhookKey(customerId, webhookId),
        UpdateExpression: `SET ${Object.keys(set).map((_, i) => `#f${i} = :v${i}`).join(', ')}`,
        ConditionExpression: 'attribute_exists(PK)',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ReturnValues: 'ALL_NEW',
      }),
    );
    return toWebhookView(recordOf(Attributes!));
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) throw webhookNotFound();
    throw error;
  }
}

/** A new secret; the old one stops signing at once. Returned this once. */
export async function regenerateWebhookSecret(customerId: string, webhookId: string) {
  try {
    const { Attributes } = await db().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: webhookKey(customerId, webhookId),
        UpdateExpression: 'SET secret = :secret, tm_update = :now',
        ConditionExpression: 'attribute_exists(PK)',
        ExpressionAttributeValues: { ':secret': newWebhookSecret(), ':now': formatTimestamp(Date.now()) },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return withSecret(recordOf(Attributes!));
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) throw webhookNotFound();
    throw error;
  }
}

/**
 * Deletes the subscription and frees its place in the count, in one transaction; pending
 * deliveries find no subscription and stop. Its delivery records lapse by TTL.
 */
export async function deleteWebhook(customerId: string, webhookId: string) {
  const record = await getWebhookRecord(customerId, webhookId);
  if (!record) throw webhookNotFound();
  // Either condition failing means a concurrent delete got there first.
  const result = await transactWrite([
    {
      onConditionFailed: 'gone' as const,
      write: { Delete: {
        TableName: tableName(),
        Key: webhookKey(customerId, webhookId),
        ConditionExpression: 'attribute_exists(PK)',
      } },
    },
    {
      onConditionFailed: 'gone' as const,
      write: { Update: {
        TableName: tableName(),
        Key: Customer.key(customerId),
        UpdateExpression: 'SET webhook_count = webhook_count - :one',
        ConditionExpression: 'webhook_count > :zero',
        ExpressionAttributeValues: { ':one': 1, ':zero': 0 },
      } },
    },
  ]);
  if (!result.ok) throw webhookNotFound();
  return toWebhookView(record);
}

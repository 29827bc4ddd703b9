import type * as z from 'zod';
import { failedPrecondition, invalidArgument, notFound } from '../errors.js';
import { formatTimestamp, newId } from '../ids.js';
import type { webhookCreate, webhookUpdate } from '../schemas/webhooks.js';
import { MAX_WEBHOOKS_PER_CUSTOMER } from '../schemas/webhooks.js';
import { updateGivenFields } from '../store/expressions.js';
import { queryAll } from '../store/queryAll.js';
import { readItem } from '../store/readItem.js';
import { deleteItem, putNew, transactWrite, updateItem } from '../store/transactions.js';
import * as Customer from '../entities/customer.js';
import * as Webhook from '../entities/webhook.js';
import { newWebhookSecret } from './signing.js';
import { urlProblem } from './urlPolicy.js';

/**
 * Webhook subscriptions: the store and the operations of the routes. The entity (keys,
 * stored record, item mapping, API view) is shared/entities/webhook.ts. The customer item
 * counts its subscriptions (`webhook_count`), so the per-customer limit holds under
 * concurrent creates without a Scan or a count Query.
 */
export type WebhookInput = z.output<typeof webhookCreate>;
export type WebhookChanges = z.output<typeof webhookUpdate>;

export const webhookNotFound = () => notFound('WEBHOOK_NOT_FOUND', 'No webhook with this id.');

async function checkUrl(url: string) {
  const problem = await urlProblem(url);
  if (problem) throw invalidArgument('INVALID_WEBHOOK_URL', problem);
}

// ---- store --------------------------------------------------------------------------

export async function getWebhookRecord(customerId: string, webhookId: string): Promise<Webhook.WebhookRecord | undefined> {
  return readItem(Webhook.key(customerId, webhookId), Webhook.fromItem);
}

/** All of a customer's subscriptions: a Query of its partition (at most 10 items). */
export async function listWebhookRecords(customerId: string): Promise<Webhook.WebhookRecord[]> {
  return queryAll(Webhook.listing(customerId), Webhook.fromItem);
}

/** The receiver answered 410 Gone: stop sending (the customer re-enables it with PUT). Gone already: nothing to do. */
export async function disableGoneWebhook(customerId: string, webhookId: string) {
  await updateGivenFields(
    Webhook.key(customerId, webhookId),
    { enabled: false, disabled_reason: 'endpoint_gone' },
    formatTimestamp(Date.now()),
    Webhook.fromItem,
  );
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
  const record: Webhook.WebhookRecord = {
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
      write: updateItem(Customer.key(customerId), 'SET webhook_count = if_not_exists(webhook_count, :zero) + :one', {
        condition: 'attribute_exists(PK) AND (attribute_not_exists(webhook_count) OR webhook_count < :max)',
        values: { ':zero': 0, ':one': 1, ':max': MAX_WEBHOOKS_PER_CUSTOMER },
      }),
    },
    {
      // A new random id: a failed condition here would be a broken invariant (an error).
      write: putNew(Webhook.toItem(record)),
    },
  ]);
  if (!result.ok) {
    throw failedPrecondition(
      'WEBHOOK_LIMIT_REACHED',
      `A customer may have at most ${MAX_WEBHOOKS_PER_CUSTOMER} webhooks; delete one first.`,
    );
  }
  return Webhook.toViewWithSecret(record);
}

export async function listWebhooks(customerId: string) {
  const records = await listWebhookRecords(customerId);
  return { result: records.map(Webhook.toView), next_page_token: '' };
}

export async function getWebhook(customerId: string, webhookId: string) {
  const record = await getWebhookRecord(customerId, webhookId);
  if (!record) throw webhookNotFound();
  return Webhook.toView(record);
}

/**
 * Only given fields change (one conditional UpdateItem); turning delivery off or on
 * also says why it is off: "disabled" by the customer, or "" again (which clears an
 * "endpoint_gone" left by a 410).
 */
export async function updateWebhook(customerId: string, webhookId: string, changes: WebhookChanges) {
  if (changes.url !== undefined) await checkUrl(changes.url);
  const { enabled } = changes;
  const updated = await updateGivenFields(
    Webhook.key(customerId, webhookId),
    {
      url: changes.url,
      event_types: changes.event_types,
      name: changes.name,
      detail: changes.detail,
      enabled,
      disabled_reason: enabled === undefined ? undefined : enabled ? '' : 'disabled',
    },
    formatTimestamp(Date.now()),
    Webhook.fromItem,
  );
  if (!updated) throw webhookNotFound();
  return Webhook.toView(updated);
}

/** A new secret; the old one stops signing at once. Returned this once. */
export async function regenerateWebhookSecret(customerId: string, webhookId: string) {
  const updated = await updateGivenFields(
    Webhook.key(customerId, webhookId),
    { secret: newWebhookSecret() },
    formatTimestamp(Date.now()),
    Webhook.fromItem,
  );
  if (!updated) throw webhookNotFound();
  return Webhook.toViewWithSecret(updated);
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
      write: deleteItem(Webhook.key(customerId, webhookId), { condition: 'attribute_exists(PK)' }),
    },
    {
      onConditionFailed: 'gone' as const,
      write: updateItem(Customer.key(customerId), 'SET webhook_count = webhook_count - :one', {
        condition: 'webhook_count > :zero',
        values: { ':one': 1, ':zero': 0 },
      }),
    },
  ]);
  if (!result.ok) throw webhookNotFound();
  return Webhook.toView(record);
}

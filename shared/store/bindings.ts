import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { contended } from '../errors.js';
import { db, tableName } from '../table/client.js';
import { tableDefinition } from '../table/definition.js';
import {
  BINDING_PREFIX,
  bindingIndexKeys,
  bindingKey,
  customerBindingsIndex,
  extensionKey,
  extensionPartition,
} from '../table/keys.js';

/**
 * Registration bindings: one item per registrar binding (ruid) in the extension's own
 * partition, so a single Query returns the extension item (ownership) and its bindings.
 *
 * Ordering state kept on each item, used by the conditional writes below:
 * - call_id / cseq: within one Call-ID a binding only moves forward with a higher CSeq;
 * - event_at: registrar time (unix seconds, may be fractional) of the last applied event;
 * - expires_at: absolute unix seconds; <= now means lapsed, whatever TTL has swept;
 * - ended_by: '' while live, else 'unregistered' | 'expired' | 'removed' (API DELETE,
 *   a hidden tombstone that stops late webhooks from resurrecting the binding).
 * `ttl` = expires_at + retention, so ended bindings stay readable as history for a while.
 */
export type EndedBy = '' | 'unregistered' | 'expired' | 'removed';

export interface BindingRecord {
  customer_id: string;
  extension_id: string;
  registration_id: string;
  aor: string;
  contact: string;
  received: string;
  user_agent: string;
  call_id: string;
  cseq: number;
  expires_at: number;
  event_at: number;
  ended_by: EndedBy;
  /** Epoch ms, API clock. */
  created_at: number;
  updated_at: number;
  ttl: number;
}

export interface BindingOwner {
  customerId: string;
  extensionId: string;
  aor: string;
  retentionDays: number;
}

export interface BindingFields {
  registration_id: string;
  contact?: string;
  received?: string;
  user_agent?: string;
  call_id?: string;
  cseq?: number;
  expires_at?: number;
}

const TTL = tableDefinition.timeToLiveAttribute;

const bindingOf = (item: Record<string, unknown>): BindingRecord => {
  const { PK: _pk, SK: _sk, entity: _e, GSI1PK: _g, GSI1SK: _s, ...rest } = item;
  return rest as unknown as BindingRecord;
};

async function queryAll(input: ConstructorParameters<typeof QueryCommand>[0]) {
  const items: Record<string, unknown>[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const result = await db().send(new QueryCommand({ ...input, ExclusiveStartKey: startKey }));
    items.push(...(result.Items ?? []));
    startKey = result.LastEvaluatedKey;
  } while (startKey);
  return items;
}

/**
 * The extension item and all its bindings in one Query of the extension's partition
 * (more pages only past 1 MB, which retention keeps far away). `extension` is undefined
 * when the extension does not exist for this customer.
 */
export async function readExtensionBindings(customerId: string, extensionId: string) {
  const items = await queryAll({
    TableName: tableName(),
    KeyConditionExpression: 'PK = :pk',
    ExpressionAttributeValues: { ':pk': extensionPartition(customerId, extensionId) },
    ConsistentRead: true,
  });
  const extensionSk = extensionKey(customerId, extensionId).SK;
  const extension = items.find((item) => item.SK === extensionSk);
  const bindings = items.filter((item) => String(item.SK).startsWith(BINDING_PREFIX)).map(bindingOf);
  return { extension, bindings };
}

export interface ExtensionBindings {
  extensionId: string;
  bindings: BindingRecord[];
}

/**
 * One page of a customer's extensions that have binding items, newest extension first,
 * with their bindings, from GSI1 (eventually consistent, fine for a listing). A page
 * ends on an extension boundary: reading goes on until one extension more than the page
 * holds has been seen (that one only proves there is a next page) or the index ends.
 * `before` continues below the last extension of the previous page.
 */
export async function pageBindingsByExtension(
  customerId: string,
  pageSize: number,
  before: string | undefined,
): Promise<{ groups: ExtensionBindings[]; more: boolean }> {
  const index = customerBindingsIndex(customerId);
  const groups: ExtensionBindings[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const result = await db().send(
      new QueryCommand({
        TableName: tableName(),
        IndexName: index.indexName,
        KeyConditionExpression: before ? 'GSI1PK = :pk AND GSI1SK < :before' : 'GSI1PK = :pk',
        ExpressionAttributeValues: {
          ':pk': index.PK,
          ...(before ? { ':before': index.extensionBound(before) } : {}),
        },
        ScanIndexForward: false,
        Limit: 200,
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of result.Items ?? []) {
      const binding = bindingOf(item);
      const last = groups[groups.length - 1];
      if (last?.extensionId === binding.extension_id) {
        last.bindings.push(binding);
        continue;
      }
      if (groups.length === pageSize) return { groups, more: true };
      groups.push({ extensionId: binding.extension_id, bindings: [binding] });
    }
    startKey = result.LastEvaluatedKey;
  } while (startKey);
  return { groups, more: false };
}

/** Only the bindings (no ownership proof needed: the caller already has it). */
export async function queryBindings(customerId: string, extensionId: string): Promise<BindingRecord[]> {
  const items = await queryAll({
    TableName: tableName(),
    KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
    ExpressionAttributeValues: { ':pk': extensionPartition(customerId, extensionId), ':prefix': BINDING_PREFIX },
    ConsistentRead: true,
  });
  return items.map(bindingOf);
}

const ttlOf = (expiresAt: number, retentionDays: number) => Math.ceil(expiresAt) + Math.round(retentionDays * 86400);

/**
 * A conditional UpdateItem. Returns false when the condition failed, which here always
 * means "the stored state is newer (or the same): ignore this event".
 */
async function conditionalUpdate(
  owner: BindingOwner,
  registrationId: string,
  set: Record<string, unknown>,
  keepIfPresent: Record<string, unknown>,
  condition: string,
  values: Record<string, unknown>,
): Promise<boolean> {
  const names: Record<string, string> = {};
  const exprValues: Record<string, unknown> = { ...values };
  const parts: string[] = [];
  let n = 0;
  const add = (attribute: string, value: unknown, ifNotExists: boolean) => {
    const name = `#a${n}`;
    const placeholder = `:v${n}`;
    n++;
    names[name] = attribute;
    exprValues[placeholder] = value;
    parts.push(ifNotExists ? `${name} = if_not_exists(${name}, ${placeholder})` : `${name} = ${placeholder}`);
  };
  for (const [attribute, value] of Object.entries(set)) if (value !== undefined) add(attribute, value, false);
  for (const [attribute, value] of Object.entries(keepIfPresent)) add(attribute, value, true);
  try {
    await db().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: bindingKey(owner.customerId, owner.extensionId, registrationId),
        UpdateExpression: `SET ${parts.join(', ')}`,
        ConditionExpression: condition,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: exprValues,
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

/** The state an event leaves: the binding's details (undefined = keep), when it ends, why, its TTL. */
const stateOf = (owner: BindingOwner, b: BindingFields, expiresAt: number, eventAt: number, endedBy: EndedBy, now: number) => ({
  contact: b.contact,
  received: b.received,
  user_agent: b.user_agent,
  call_id: b.call_id,
  cseq: b.cseq,
  expires_at: expiresAt,
  event_at: eventAt,
  ended_by: endedBy,
  updated_at: now,
  [TTL]: ttlOf(expiresAt, owner.retentionDays),
});

/** Attributes every binding item has; kept as they are when already there. */
const identity = (owner: BindingOwner, b: BindingFields, now: number) => ({
  entity: 'binding',
  ...bindingIndexKeys(owner.customerId, owner.extensionId, b.registration_id),
  customer_id: owner.customerId,
  extension_id: owner.extensionId,
  registration_id: b.registration_id,
  aor: owner.aor,
  created_at: now,
});

/**
 * registered / refreshed / a snapshot entry. Applies when the binding is new, or
 * - same Call-ID with a higher CSeq (a binding ended by unregister or DELETE must also
 *   not be older than that ending: a late refresh cannot resurrect it; an `expired`
 *   ending yields to any higher CSeq, which proves the binding was refreshed), or
 * - another Call-ID with a strictly newer event time.
 */
export function upsertBinding(owner: BindingOwner, b: Required<BindingFields>, eventAt: number, now = Date.now()) {
  return conditionalUpdate(
    owner,
    b.registration_id,
    stateOf(owner, b, b.expires_at, eventAt, '', now),
    identity(owner, b, now),
    'attribute_not_exists(PK)' +
      ' OR (call_id = :cid AND cseq < :cseq AND ((ended_by <> :unreg AND ended_by <> :removed) OR event_at <= :t))' +
      ' OR (call_id <> :cid AND event_at < :t)',
    { ':cid': b.call_id, ':cseq': b.cseq, ':t': eventAt, ':unreg': 'unregistered', ':removed': 'removed' },
  );
}

/**
 * `expired`: applies to a live binding whose stored expiry is not later than the event's
 * (a refresh in the meantime moved it later: then the event is stale) and, within one
 * Call-ID, whose CSeq is not higher. An unknown binding is recorded as history.
 */
export function expireBinding(owner: BindingOwner, b: BindingFields & { expires_at: number }, eventAt: number, now = Date.now()) {
  const sameDialog = b.call_id !== undefined && b.cseq !== undefined;
  return conditionalUpdate(
    owner,
    b.registration_id,
    stateOf(owner, b, b.expires_at, eventAt, 'expired', now),
    { ...identity(owner, b, now), ...missingDetails(b) },
    'attribute_not_exists(PK) OR (ended_by = :none AND expires_at <= :exp' +
      (sameDialog ? ' AND NOT (call_id = :cid AND cseq > :cseq))' : ')'),
    { ':none': '', ':exp': b.expires_at, ...(sameDialog ? { ':cid': b.call_id, ':cseq': b.cseq } : {}) },
  );
}

/** Defaults for details an event may leave out, written only when the item has none. */
const missingDetails = (b: BindingFields) => ({
  ...(b.contact === undefined ? { contact: '' } : {}),
  ...(b.received === undefined ? { received: '' } : {}),
  ...(b.user_agent === undefined ? { user_agent: '' } : {}),
  ...(b.call_id === undefined ? { call_id: '' } : {}),
  ...(b.cseq === undefined ? { cseq: 0 } : {}),
});

/**
 * `unregistered` for one binding: it ends at the event time and stays as history.
 * Applies to a live, not yet lapsed binding that is not newer than the event (same
 * Call-ID: CSeq not higher than the event's; else: event time not later). An unknown
 * binding is recorded as ended, so a late `registered` for it cannot bring it back.
 */
export function unregisterBinding(owner: BindingOwner, b: BindingFields, eventAt: number, now = Date.now()) {
  const sameDialog = b.call_id !== undefined && b.cseq !== undefined;
  const newerCheck = sameDialog
    ? '((call_id = :cid AND cseq <= :cseq) OR (call_id <> :cid AND event_at <= :t))'
    : 'event_at <= :t';
  return conditionalUpdate(
    owner,
    b.registration_id,
    stateOf(owner, b, eventAt, eventAt, 'unregistered', now),
    { ...identity(owner, b, now), ...missingDetails(b) },
    `attribute_not_exists(PK) OR (ended_by = :none AND expires_at > :t AND ${newerCheck})`,
    { ':none': '', ':t': eventAt, ...(sameDialog ? { ':cid': b.call_id, ':cseq': b.cseq } : {}) },
  );
}

/**
 * A stored binding missing from a snapshot taken at `eventAt` ended then, unless an
 * event at or after that time touched it (strictly older only: on a tie we keep it).
 */
export function endMissingBinding(owner: BindingOwner, registrationId: string, eventAt: number, now = Date.now()) {
  return conditionalUpdate(
    owner,
    registrationId,
    {
      expires_at: eventAt,
      event_at: eventAt,
      ended_by: 'unregistered',
      updated_at: now,
      [TTL]: ttlOf(eventAt, owner.retentionDays),
    },
    {},
    'attribute_exists(PK) AND ended_by = :none AND event_at < :t AND expires_at > :t',
    { ':none': '', ':t': eventAt },
  );
}

/**
 * API-side removal (DELETE): the binding becomes a hidden tombstone that ends now, so a
 * webhook older than the removal cannot bring it back; the device's next refresh can.
 */
export function removeBinding(owner: BindingOwner, registrationId: string, now = Date.now()) {
  const seconds = now / 1000;
  return conditionalUpdate(
    owner,
    registrationId,
    {
      expires_at: seconds,
      event_at: seconds,
      ended_by: 'removed',
      updated_at: now,
      [TTL]: ttlOf(seconds, owner.retentionDays),
    },
    {},
    'attribute_exists(PK) AND ended_by <> :removed',
    { ':removed': 'removed' },
  );
}

/** Delete items for a transaction (the extension's own delete carries them). */
export const bindingDeletes = (customerId: string, extensionId: string, bindings: readonly BindingRecord[]) =>
  bindings.map((b) => ({
    Delete: { TableName: tableName(), Key: bindingKey(customerId, extensionId, b.registration_id) },
  }));

/** Deletes every binding item of an extension (the extension is being deleted). */
export async function deleteAllBindings(customerId: string, extensionId: string): Promise<BindingRecord[]> {
  const bindings = await queryBindings(customerId, extensionId);
  for (let i = 0; i < bindings.length; i += 25) {
    let requests: Record<string, unknown>[] | undefined = bindings.slice(i, i + 25).map((b) => ({
      DeleteRequest: { Key: bindingKey(customerId, extensionId, b.registration_id) },
    }));
    for (let attempt = 0; requests?.length; attempt++) {
      const result = await db().send(
        new BatchWriteCommand({ RequestItems: { [tableName()]: requests as never } }),
      );
      requests = result.UnprocessedItems?.[tableName()] as Record<string, unknown>[] | undefined;
      if (requests?.length && attempt >= 8) throw contended();
      if (requests?.length) await new Promise((resolve) => setTimeout(resolve, 20 * (attempt + 1)));
    }
  }
  return bindings;
}

import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { batchDeleteAll, batchGetAll } from './batch.js';
import { db, tableName } from '../table/client.js';
import { tableDefinition } from '../table/definition.js';
import {
  BINDING_PREFIX,
  bindingIndexKeys,
  bindingKey,
  customerBindingsIndex,
  extensionKey,
  extensionPartition,
  type Key,
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
  const { PK: _pk, SK: _sk, entity: _e, GSI3PK: _g, GSI3SK: _s, ...rest } = item;
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
 * with their bindings. GSI3 holds only the binding keys (so refreshes never write it):
 * a Query of it finds the page's bindings (eventually consistent, fine for a listing),
 * then BatchGetItem reads them from the table (100 per call). A page ends on an
 * extension boundary: reading goes on until one extension more than the page holds has
 * been seen (that one only proves there is a next page) or the index ends. `before`
 * continues below the last extension of the previous page.
 */
export async function pageBindingsByExtension(
  customerId: string,
  pageSize: number,
  before: string | undefined,
): Promise<{ groups: ExtensionBindings[]; more: boolean }> {
  const index = customerBindingsIndex(customerId);
  const groups: { extensionId: string; keys: Key[] }[] = [];
  let more = false;
  let startKey: Record<string, unknown> | undefined;
  scan: do {
    const result = await db().send(
      new QueryCommand({
        TableName: tableName(),
        IndexName: index.indexName,
        KeyConditionExpression: before ? 'GSI3PK = :pk AND GSI3SK < :before' : 'GSI3PK = :pk',
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
      const extensionId = String(item.GSI3SK).split('#', 1)[0]!;
      const key = { PK: String(item.PK), SK: String(item.SK) };
      const last = groups[groups.length - 1];
      if (last?.extensionId === extensionId) {
        last.keys.push(key);
        continue;
      }
      if (groups.length === pageSize) {
        more = true;
        break scan;
      }
      groups.push({ extensionId, keys: [key] });
    }
    startKey = result.LastEvaluatedKey;
  } while (startKey);
  const items = await batchGetAll(groups.flatMap((group) => group.keys));
  const byKey = new Map(items.map((item) => [`${String(item.PK)}|${String(item.SK)}`, bindingOf(item)]));
  return {
    groups: groups.map((group) => ({
      extensionId: group.extensionId,
      bindings: group.keys.flatMap((key) => byKey.get(`${key.PK}|${key.SK}`) ?? []),
    })),
    more,
  };
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
 * How a registrar event's write may treat the binding item:
 * - `any`: the owner was proven by a read (credential lookup or the extension's
 *   partition): an unknown binding is created;
 * - `existing`: the owner comes from the registrar's own cache (customer_id and
 *   extension_id in the event), not proven: only an existing item of this AOR is
 *   written, so a stale id can never create an item; anything else is `missing` and the
 *   caller proves the owner and writes again. This is what makes a refresh one write.
 */
export type WriteMode = 'any' | 'existing';

/**
 * What a conditional write did: `applied`; `stale` (the stored state is newer or the
 * same: the event is ignored); `missing` (mode `existing` only: no item of this AOR).
 */
export type WriteOutcome = 'applied' | 'stale' | 'missing';

/** `stored`: the API's own changes to a binding it has read (never creates one). */
type UpdateMode = WriteMode | 'stored';

const conditionFor = (mode: UpdateMode, rule: string) =>
  mode === 'any'
    ? `attribute_not_exists(PK) OR (${rule})`
    : mode === 'existing'
      ? `attribute_exists(PK) AND aor = :aor AND (${rule})`
      : `attribute_exists(PK) AND (${rule})`;

/** A conditional UpdateItem of one binding; `rule` is its ordering condition. */
async function conditionalUpdate(
  owner: BindingOwner,
  registrationId: string,
  mode: UpdateMode,
  set: Record<string, unknown>,
  keepIfPresent: Record<string, unknown>,
  rule: string,
  values: Record<string, unknown>,
): Promise<WriteOutcome> {
  // Identity attributes (keys of GSI3, created_at...) only where the item may be new:
  // rewriting them on a known item would cost nothing but bytes, yet say so explicitly.
  const { expression, names, values: exprValues } = setExpression(set, mode === 'any' ? keepIfPresent : {});
  const condition = conditionFor(mode, rule);
  try {
    await db().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: bindingKey(owner.customerId, owner.extensionId, registrationId),
        UpdateExpression: expression,
        ConditionExpression: condition,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: { ...exprValues, ...values, ...(mode === 'existing' ? { ':aor': owner.aor } : {}) },
        ...(mode === 'existing' ? { ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const } : {}),
      }),
    );
    return 'applied';
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    if (mode !== 'existing') return 'stale';
    // The item as it was: none, or another AOR's (the cached ids were wrong), is `missing`.
    const storedAor = (error.Item as { aor?: { S?: string } } | undefined)?.aor?.S;
    return storedAor === owner.aor ? 'stale' : 'missing';
  }
}

/** `SET a = :v, b = if_not_exists(b, :w)`: attributes with undefined values are left alone. */
function setExpression(set: Record<string, unknown>, keepIfPresent: Record<string, unknown>) {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const parts: string[] = [];
  const add = (attribute: string, value: unknown, ifNotExists: boolean) => {
    const n = parts.length;
    names[`#a${n}`] = attribute;
    values[`:v${n}`] = value;
    parts.push(ifNotExists ? `#a${n} = if_not_exists(#a${n}, :v${n})` : `#a${n} = :v${n}`);
  };
  for (const [attribute, value] of Object.entries(set)) if (value !== undefined) add(attribute, value, false);
  for (const [attribute, value] of Object.entries(keepIfPresent)) add(attribute, value, true);
  return { expression: `SET ${parts.join(', ')}`, names, values };
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
export function upsertBinding(
  owner: BindingOwner,
  b: Required<BindingFields>,
  eventAt: number,
  now = Date.now(),
  mode: WriteMode = 'any',
) {
  return conditionalUpdate(
    owner,
    b.registration_id,
    mode,
    stateOf(owner, b, b.expires_at, eventAt, '', now),
    identity(owner, b, now),
    '(call_id = :cid AND cseq < :cseq AND ((ended_by <> :unreg AND ended_by <> :removed) OR event_at <= :t))' +
      ' OR (call_id <> :cid AND event_at < :t)',
    { ':cid': b.call_id, ':cseq': b.cseq, ':t': eventAt, ':unreg': 'unregistered', ':removed': 'removed' },
  );
}

/**
 * `expired`: applies to a live binding whose stored expiry is not later than the event's
 * (a refresh in the meantime moved it later: then the event is stale) and, within one
 * Call-ID, whose CSeq is not higher. An unknown binding is recorded as history.
 */
export function expireBinding(
  owner: BindingOwner,
  b: BindingFields & { expires_at: number },
  eventAt: number,
  now = Date.now(),
  mode: WriteMode = 'any',
) {
  const sameDialog = b.call_id !== undefined && b.cseq !== undefined;
  return conditionalUpdate(
    owner,
    b.registration_id,
    mode,
    stateOf(owner, b, b.expires_at, eventAt, 'expired', now),
    { ...identity(owner, b, now), ...missingDetails(b) },
    'ended_by = :none AND expires_at <= :exp' + (sameDialog ? ' AND NOT (call_id = :cid AND cseq > :cseq)' : ''),
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
export function unregisterBinding(
  owner: BindingOwner,
  b: BindingFields,
  eventAt: number,
  now = Date.now(),
  mode: WriteMode = 'any',
) {
  const sameDialog = b.call_id !== undefined && b.cseq !== undefined;
  const newerCheck = sameDialog
    ? '((call_id = :cid AND cseq <= :cseq) OR (call_id <> :cid AND event_at <= :t))'
    : 'event_at <= :t';
  return conditionalUpdate(
    owner,
    b.registration_id,
    mode,
    stateOf(owner, b, eventAt, eventAt, 'unregistered', now),
    { ...identity(owner, b, now), ...missingDetails(b) },
    `ended_by = :none AND expires_at > :t AND ${newerCheck}`,
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
    'stored',
    {
      expires_at: eventAt,
      event_at: eventAt,
      ended_by: 'unregistered',
      updated_at: now,
      [TTL]: ttlOf(eventAt, owner.retentionDays),
    },
    {},
    'ended_by = :none AND event_at < :t AND expires_at > :t',
    { ':none': '', ':t': eventAt },
  );
}

/**
 * API-side removal (DELETE): the binding becomes a hidden tombstone that ends now, so a
 * webhook older than the removal cannot bring it back; the device's next refresh can.
 */
export async function removeBinding(owner: BindingOwner, registrationId: string, now = Date.now()) {
  const seconds = now / 1000;
  const outcome = await conditionalUpdate(
    owner,
    registrationId,
    'stored',
    {
      expires_at: seconds,
      event_at: seconds,
      ended_by: 'removed',
      updated_at: now,
      [TTL]: ttlOf(seconds, owner.retentionDays),
    },
    {},
    'ended_by <> :removed',
    { ':removed': 'removed' },
  );
  return outcome === 'applied';
}

/** Delete items for a transaction (the extension's own delete carries them). */
export const bindingDeletes = (customerId: string, extensionId: string, bindings: readonly BindingRecord[]) =>
  bindings.map((b) => ({
    Delete: { TableName: tableName(), Key: bindingKey(customerId, extensionId, b.registration_id) },
  }));

/** Deletes every binding item of an extension (the extension is being deleted). */
export async function deleteAllBindings(customerId: string, extensionId: string): Promise<BindingRecord[]> {
  const bindings = await queryBindings(customerId, extensionId);
  await batchDeleteAll(bindings.map((b) => bindingKey(customerId, extensionId, b.registration_id)));
  return bindings;
}

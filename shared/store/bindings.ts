import { ConditionalCheckFailedException, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { batchDeleteAll, batchGetAll } from './batch.js';
import {
  apply,
  resolve,
  sameResolved,
  sameState,
  type BindingEvent,
  type BindingState,
  type EndedBy,
  type Ending,
} from './bindingTransitions.js';
import { updateExpression } from './expressions.js';
import { queryAll } from './queryAll.js';
import { AGAIN, retrying } from './retry.js';
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

export type { EndedBy } from './bindingTransitions.js';

/**
 * Registration bindings: one item per registrar binding (ruid) in the extension's own
 * partition, so a single Query returns the extension item (ownership) and its bindings.
 *
 * The item stores the binding's state (shared/store/bindingTransitions.ts): the newest
 * report (contact, received, user_agent, call_id, cseq, expires_at, seen_at; absent
 * while only endings are known), the endings (`endings`, a list), `first_at`, and `rev`,
 * which every write moves on (the compare-and-set of `writeState`). Whether it is live,
 * when it ended and why are derived from that state on every read (`BindingRecord`).
 * `ttl` = the report's expiry (else the last ending) + retention, so ended bindings stay
 * readable as history for a while.
 */
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
  /** Absolute unix seconds: when it lapses, or when it ended. */
  expires_at: number;
  ended_by: EndedBy;
  /** Epoch ms, registrar time: the first event seen, the last change that shows. */
  created_at: number;
  updated_at: number;
  ttl: number;
  /** What the derived fields above come from, and its revision. */
  state: BindingState;
  rev: number;
}

export interface BindingOwner {
  customerId: string;
  extensionId: string;
  aor: string;
  retentionDays: number;
}

const TTL = tableDefinition.timeToLiveAttribute;

// ---- The stored item <-> the record ----

interface StoredBinding {
  customer_id: string;
  extension_id: string;
  registration_id: string;
  aor: string;
  contact?: string;
  received?: string;
  user_agent?: string;
  call_id?: string;
  cseq?: number;
  expires_at?: number;
  seen_at?: number;
  endings?: Ending[];
  first_at?: number;
  rev?: number;
  [TTL]: number;
}

/** Items written before the state machine: their event time stands for the report's. */
interface LegacyBinding {
  event_at?: number;
  ended_by?: Ending['kind'] | '';
  created_at?: number;
}

function stateOf(item: StoredBinding & LegacyBinding): BindingState {
  const seenAt = item.seen_at ?? item.event_at;
  const report =
    seenAt === undefined
      ? undefined
      : {
          contact: item.contact ?? '',
          received: item.received ?? '',
          user_agent: item.user_agent ?? '',
          call_id: item.call_id ?? '',
          cseq: Number(item.cseq ?? 0),
          expires_at: Number(item.expires_at ?? 0),
          seen_at: Number(seenAt),
        };
  const legacyEnding: Ending[] =
    item.endings === undefined && item.ended_by ? [{ kind: item.ended_by, at: Number(item.expires_at ?? 0) }] : [];
  const endings = (item.endings ?? legacyEnding).map((e) => ({ ...e, at: Number(e.at), ...(e.cseq === undefined ? {} : { cseq: Number(e.cseq) }) }));
  const firstAt = item.first_at ?? (item.created_at === undefined ? seenAt : item.created_at / 1000);
  return { ...(report ? { report } : {}), endings, ...(firstAt === undefined ? {} : { first_at: Number(firstAt) }) };
}

export function fromItem(raw: Record<string, unknown>): BindingRecord {
  const item = raw as unknown as StoredBinding;
  const state = stateOf(item);
  const shown = resolve(state);
  return {
    customer_id: item.customer_id,
    extension_id: item.extension_id,
    registration_id: item.registration_id,
    aor: item.aor,
    contact: shown.contact,
    received: shown.received,
    user_agent: shown.user_agent,
    call_id: shown.call_id,
    cseq: shown.cseq,
    expires_at: shown.expires_at,
    ended_by: shown.ended_by,
    created_at: Math.round(shown.first_at * 1000),
    updated_at: Math.round(shown.changed_at * 1000),
    ttl: Number(item[TTL]),
    state,
    rev: Number(item.rev ?? 0),
  };
}

const ttlOf = (state: BindingState, retentionDays: number) =>
  Math.ceil(state.report?.expires_at ?? Math.max(...state.endings.map((e) => e.at))) + Math.round(retentionDays * 86400);

/** The state's attributes (identity and `rev` aside). */
function stateAttributes(state: BindingState, retentionDays: number) {
  const { report, endings, first_at } = state;
  return { ...report, endings, first_at, [TTL]: ttlOf(state, retentionDays) };
}

/** Attributes a binding item has from its first write on, never rewritten. */
const identity = (owner: BindingOwner, registrationId: string) => ({
  entity: 'binding',
  ...bindingIndexKeys(owner.customerId, owner.extensionId, registrationId),
  customer_id: owner.customerId,
  extension_id: owner.extensionId,
  registration_id: registrationId,
  aor: owner.aor,
});

// ---- Reads ----

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
  const bindings = items.filter((item) => String(item.SK).startsWith(BINDING_PREFIX)).map(fromItem);
  return { extension, bindings };
}

/** Only the bindings (no ownership proof needed: the caller already has it). */
export async function queryBindings(customerId: string, extensionId: string): Promise<BindingRecord[]> {
  const items = await queryAll({
    TableName: tableName(),
    KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
    ExpressionAttributeValues: { ':pk': extensionPartition(customerId, extensionId), ':prefix': BINDING_PREFIX },
    ConsistentRead: true,
  });
  return items.map(fromItem);
}

async function getBinding(owner: BindingOwner, registrationId: string): Promise<BindingRecord | null> {
  const { Item } = await db().send(
    new GetCommand({
      TableName: tableName(),
      Key: bindingKey(owner.customerId, owner.extensionId, registrationId),
      ConsistentRead: true,
    }),
  );
  return Item ? fromItem(Item) : null;
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
  const byKey = new Map(items.map((item) => [`${String(item.PK)}|${String(item.SK)}`, fromItem(item)]));
  return {
    groups: groups.map((group) => ({
      extensionId: group.extensionId,
      bindings: group.keys.flatMap((key) => byKey.get(`${key.PK}|${key.SK}`) ?? []),
    })),
    more,
  };
}

// ---- Writes: one event joined into one binding ----

/**
 * Who the write may create:
 * - `any`: the owner was proven by a read (credential lookup or the extension's
 *   partition): an unknown binding is created;
 * - `existing`: the owner comes from the registrar's own cache (customer_id and
 *   extension_id in the event), not proven: only an existing item of this AOR is
 *   written, so a stale id can never create an item; anything else is `missing` and the
 *   caller proves the owner and writes again. This is what makes a refresh one write.
 */
export type WriteMode = 'any' | 'existing';

/**
 * What joining the event did: `applied` (the binding shows differently now); `recorded`
 * (stored, but it shows the same: e.g. an expiry the binding had outlived); `stale`
 * (nothing new: a duplicate or an older report); `missing` (mode `existing` only: no
 * item of this AOR).
 */
export type WriteOutcome = 'applied' | 'recorded' | 'stale' | 'missing';

export interface WriteOptions {
  mode?: WriteMode;
  /** The binding as this request read it (null: read, and there is none); saves a read. */
  known?: BindingRecord | null;
}

type Written = { ok: true } | { ok: false; old: BindingRecord | null };

/**
 * Joins `event` into the binding (bindingTransitions.apply) and stores the result. A
 * report of an already reported binding that is newer than the stored one is the common
 * case (a refresh): one conditional UpdateItem that needs no read (`writeNewerReport`).
 * Anything else is computed from the stored state (known, returned by the failed
 * condition, or read) and written back only if the stored revision is still the one it
 * was computed from; a concurrent write makes it start again from the newer state.
 */
export async function applyBindingEvent(
  owner: BindingOwner,
  registrationId: string,
  event: BindingEvent,
  options: WriteOptions = {},
): Promise<WriteOutcome> {
  const mode = options.mode ?? 'any';
  let current: BindingRecord | null | 'unknown' = options.known === undefined ? 'unknown' : options.known;
  return retrying(async () => {
    if (current === 'unknown') {
      if (event.kind === 'reported') {
        const written = await writeNewerReport(owner, registrationId, event, mode);
        if (written.ok) return 'applied';
        current = written.old;
      } else current = await getBinding(owner, registrationId);
    }
    if (mode === 'existing' && (current === null || current.aor !== owner.aor)) return 'missing';
    const next = apply(current?.state, event);
    if (current && sameState(current.state, next)) return 'stale';
    const written = await writeState(owner, registrationId, current, next);
    if (!written.ok) {
      current = written.old;
      return AGAIN;
    }
    return current && sameResolved(current.state, next) ? 'recorded' : 'applied';
  });
}

/**
 * The refresh's single write. Its condition is exactly the case where `apply` replaces
 * the report and changes nothing else (compareReports says newer; a report already
 * stored, so the endings hold no details; first_at not later), or, in mode `any`, a
 * binding not stored yet. Otherwise it fails and returns the stored item.
 */
async function writeNewerReport(
  owner: BindingOwner,
  registrationId: string,
  event: Extract<BindingEvent, { kind: 'reported' }>,
  mode: WriteMode,
): Promise<Written> {
  const state = apply(undefined, event);
  const update = updateExpression(
    {
      set: { ...state.report, [TTL]: ttlOf(state, owner.retentionDays) },
      setIfMissing: { ...(mode === 'any' ? identity(owner, registrationId) : {}), first_at: event.at, endings: [] },
      add: { rev: 1 },
    },
    ['PK', 'aor'],
  );
  const newer =
    'attribute_exists(#seen_at) AND #first_at <= :seen_at AND (' +
    '(#call_id = :call_id AND #cseq < :cseq) OR ' +
    '(#call_id <> :call_id AND (#seen_at < :seen_at OR (#seen_at = :seen_at AND #cseq < :cseq))))';
  const condition =
    mode === 'any' ? `attribute_not_exists(#PK) OR (${newer})` : `attribute_exists(#PK) AND #aor = :aor AND (${newer})`;
  return conditionalUpdate(owner, registrationId, update, condition, mode === 'existing' ? { ':aor': owner.aor } : {});
}

/** Compare-and-set: the whole state, if the item is still at the revision it was computed from. */
async function writeState(
  owner: BindingOwner,
  registrationId: string,
  current: BindingRecord | null,
  next: BindingState,
): Promise<Written> {
  const attributes = stateAttributes(next, owner.retentionDays);
  if (!current) {
    const update = updateExpression({ set: { ...identity(owner, registrationId), ...attributes, rev: 1 } }, ['PK']);
    return conditionalUpdate(owner, registrationId, update, 'attribute_not_exists(#PK)', {});
  }
  const update = updateExpression({ set: { ...attributes, rev: current.rev + 1 } });
  const condition = current.rev ? '#rev = :expected_rev' : 'attribute_not_exists(#rev)';
  return conditionalUpdate(owner, registrationId, update, condition, current.rev ? { ':expected_rev': current.rev } : {});
}

async function conditionalUpdate(
  owner: BindingOwner,
  registrationId: string,
  update: ReturnType<typeof updateExpression>,
  condition: string,
  values: Record<string, unknown>,
): Promise<Written> {
  try {
    await db().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: bindingKey(owner.customerId, owner.extensionId, registrationId),
        ...update,
        ExpressionAttributeValues: { ...update.ExpressionAttributeValues, ...values },
        ConditionExpression: condition,
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
    return { ok: true };
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    const old = error.Item ? fromItem(unmarshall(error.Item as Record<string, AttributeValue>)) : null;
    return { ok: false, old };
  }
}

// ---- Deleting the extension ----

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

import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { batchDeleteAll, batchGetAll } from './batch.js';
import { resolve, type BindingState, type EndedBy, type Ending } from './bindingTransitions.js';
import { queryAll } from './queryAll.js';
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
 * which every write moves on (the compare-and-set in bindingWrites.ts). Whether it is live,
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

export const TTL = tableDefinition.timeToLiveAttribute;

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

export const ttlOf = (state: BindingState, retentionDays: number) =>
  Math.ceil(state.report?.expires_at ?? Math.max(...state.endings.map((e) => e.at))) + Math.round(retentionDays * 86400);

/** The state's attributes (identity and `rev` aside). */
export function stateAttributes(state: BindingState, retentionDays: number) {
  const { report, endings, first_at } = state;
  return { ...report, endings, first_at, [TTL]: ttlOf(state, retentionDays) };
}

/** Attributes a binding item has from its first write on, never rewritten. */
export const identity = (owner: BindingOwner, registrationId: string) => ({
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

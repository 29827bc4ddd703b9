import * as z from 'zod/mini';
import { resolve, type BindingState, type Resolved } from '../store/bindingTransitions.js';
import type { registration } from '../schemas/registrations.js';
import { formatTimestamp } from '../ids.js';
import { tableDefinition } from '../table/definition.js';
import { BINDING_PREFIX, bindingIndexKeys, bindingKey, customerBindingsIndex } from '../table/keys.js';
import * as Extension from './extension.js';
import { ENTITY_ATTRIBUTE, parseItem } from './item.js';
import { deferred } from '../schemas/deferred.js';

/**
 * A registration binding: one item per registrar binding (ruid) in the extension's own
 * partition, so a single Query returns the extension item (ownership) and its bindings.
 *
 * The item stores the binding's state (shared/store/bindingTransitions.ts): the newest
 * report (contact, received, user_agent, call_id, cseq, expires_at, seen_at; absent
 * while only endings are known), the endings (`endings`, a list), `first_at`, and `rev`,
 * which every write moves on (the compare-and-set in shared/store/bindingWrites.ts).
 * Whether it is live, when it ended and why are derived from that state on every read
 * (`BindingRecord`). `ttl` = the report's expiry (else the last ending) + retention, so
 * ended bindings stay readable as history for a while.
 */
const ENTITY = 'binding';

export const TTL = tableDefinition.timeToLiveAttribute;

/** What a report says of the device, and what an ending may say of it (bindingTransitions.ts). */
const details = deferred(() => ({
  contact: z.optional(z.string()),
  received: z.optional(z.string()),
  user_agent: z.optional(z.string()),
  call_id: z.optional(z.string()),
  cseq: z.optional(z.number()),
}));

const ending = deferred(() => z.object({ kind: z.enum(['unregistered', 'expired', 'dropped', 'removed']), at: z.number(), ...details }));

/**
 * The stored binding item, the one definition of its fields. Items written before the
 * state machine have no seen_at, endings, first_at or rev; their `event_at` stands for
 * the report's time, `ended_by` for their one ending (at expires_at), `created_at`
 * (epoch ms) for first_at.
 */
export const record = deferred(() => z.object({
  customer_id: z.string(),
  extension_id: z.string(),
  registration_id: z.string(),
  aor: z.string(),
  ...details,
  expires_at: z.optional(z.number()),
  seen_at: z.optional(z.number()),
  endings: z.optional(z.array(ending)),
  first_at: z.optional(z.number()),
  rev: z.optional(z.number()),
  [TTL]: z.number(),
  event_at: z.optional(z.number()),
  ended_by: z.optional(z.enum(['', 'unregistered', 'expired', 'dropped', 'removed'])),
  created_at: z.optional(z.number()),
}));
type StoredBinding = z.output<typeof record>;

/** A binding as the code reads it: what its state shows (`resolve`), and the state. */
export interface BindingRecord extends Omit<Resolved, 'changed_at' | 'first_at'> {
  customer_id: string;
  extension_id: string;
  registration_id: string;
  aor: string;
  /** Epoch ms, registrar time: the first event seen, the last change that shows. */
  created_at: number;
  updated_at: number;
  ttl: number;
  /** What the derived fields come from, and its revision. */
  state: BindingState;
  rev: number;
}

/** Whose binding it is: the extension, its address of record, and how long history is kept. */
export interface BindingOwner {
  customerId: string;
  extensionId: string;
  aor: string;
  retentionDays: number;
}

// ---- Keys ----

export const key = (customerId: string, extensionId: string, registrationId: string) =>
  bindingKey(customerId, extensionId, registrationId);

/** The extension's partition: the extension item (sort key first) and then its bindings. */
export const extensionPartition = (customerId: string, extensionId: string) => ({
  partitionKey: Extension.key(customerId, extensionId).PK,
});
/** Only the bindings of the extension's partition. */
export const ofExtension = (customerId: string, extensionId: string) => ({
  ...extensionPartition(customerId, extensionId),
  sortKeyPrefix: BINDING_PREFIX,
});
export const isBindingItem = (item: Record<string, unknown>) => String(item.SK).startsWith(BINDING_PREFIX);

/**
 * GSI3 (keys only): a customer's bindings, newest extension first, grouped by extension;
 * `before` continues below the last extension of a previous page.
 */
export function ofCustomer(customerId: string, before: string | undefined) {
  const index = customerBindingsIndex(customerId);
  return {
    indexName: index.indexName,
    partitionKey: index.PK,
    newestFirst: true,
    ...(before ? { sortKeyBelow: index.extensionBound(before) } : {}),
  };
}
/** The extension a GSI3 entry belongs to (its sort key is `<extension id>#<ruid>`). */
export const extensionIdOfIndexEntry = (item: Record<string, unknown>) => String(item.GSI3SK).split('#', 1)[0]!;

// ---- The item ----

/** Attributes a binding item has from its first write on, never rewritten. */
export const identity = (owner: BindingOwner, registrationId: string) => ({
  [ENTITY_ATTRIBUTE]: ENTITY,
  ...bindingIndexKeys(owner.customerId, owner.extensionId, registrationId),
  customer_id: owner.customerId,
  extension_id: owner.extensionId,
  registration_id: registrationId,
  aor: owner.aor,
});

export const ttlOf = (state: BindingState, retentionDays: number) =>
  Math.ceil(state.report?.expires_at ?? Math.max(...state.endings.map((e) => e.at))) + Math.round(retentionDays * 86400);

/** The state's attributes (identity and `rev` aside). */
export function stateAttributes(state: BindingState, retentionDays: number) {
  const { report, endings, first_at } = state;
  return { ...report, endings, first_at, [TTL]: ttlOf(state, retentionDays) };
}

function stateOf(item: StoredBinding): BindingState {
  const seenAt = item.seen_at ?? item.event_at;
  const report =
    seenAt === undefined
      ? undefined
      : {
          contact: item.contact ?? '',
          received: item.received ?? '',
          user_agent: item.user_agent ?? '',
          call_id: item.call_id ?? '',
          cseq: item.cseq ?? 0,
          expires_at: item.expires_at ?? 0,
          seen_at: seenAt,
        };
  const legacyEnding = item.endings === undefined && item.ended_by ? [{ kind: item.ended_by, at: item.expires_at ?? 0 }] : [];
  const endings = item.endings ?? legacyEnding;
  const firstAt = item.first_at ?? (item.created_at === undefined ? seenAt : item.created_at / 1000);
  return { ...(report ? { report } : {}), endings, ...(firstAt === undefined ? {} : { first_at: firstAt }) };
}

export function fromItem(item: Record<string, unknown>): BindingRecord {
  const stored = parseItem(record, ENTITY, item);
  const state = stateOf(stored);
  const { changed_at, first_at, ...shown } = resolve(state);
  return {
    customer_id: stored.customer_id,
    extension_id: stored.extension_id,
    registration_id: stored.registration_id,
    aor: stored.aor,
    ...shown,
    created_at: Math.round(first_at * 1000),
    updated_at: Math.round(changed_at * 1000),
    ttl: stored[TTL],
    state,
    rev: stored.rev ?? 0,
  };
}

// ---- The API view (Telphin's registration, shared/schemas/registrations.ts) ----

export type RegistrationView = z.output<typeof registration>;

/** Live: not ended, and not lapsed by the clock (the registrar's `expired` may come late or never). */
export const isLive = (b: BindingRecord, nowSeconds: number) => b.ended_by === '' && b.expires_at > nowSeconds;
/** Removed bindings (API DELETE) are hidden tombstones; past their TTL an item is gone, swept or not. */
export const isVisible = (b: BindingRecord, nowSeconds: number) => b.ended_by !== 'removed' && b.ttl > nowSeconds;

export function toView(b: BindingRecord, nowSeconds: number): RegistrationView {
  return {
    registration_id: b.registration_id,
    contact_address: b.contact,
    real_address: b.received,
    device: b.user_agent,
    expires: isLive(b, nowSeconds) ? Math.max(1, Math.ceil(b.expires_at - nowSeconds)) : 0,
    tm_expire: formatTimestamp(b.expires_at * 1000),
    tm_create: formatTimestamp(b.created_at),
    tm_update: formatTimestamp(b.updated_at),
  };
}

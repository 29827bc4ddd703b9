import { ConditionalCheckFailedException, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { apply, sameResolved, sameState, withoutDetails, type BindingEvent, type BindingState } from './bindingTransitions.js';
import {
  fromItem,
  identity,
  key,
  stateAttributes,
  TTL,
  ttlOf,
  type BindingOwner,
  type BindingRecord,
} from '../entities/binding.js';
import { updateExpression } from './expressions.js';
import { AGAIN, retrying } from './retry.js';
import { db, tableName } from '../table/client.js';

/**
 * Writes of registration bindings: one registrar event (or API removal) joined into one
 * binding item. The state machine is bindingTransitions.ts; the item, shared/entities/binding.ts.
 */

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

type Written = { ok: true; old?: BindingRecord } | { ok: false; old: BindingRecord | null };

/**
 * Joins `event` into the binding (bindingTransitions.apply) and stores the result. A
 * report of an already reported binding that is newer than the stored one is the common
 * case (a refresh): one conditional UpdateItem that needs no read (`writeNewerReport`);
 * so is the first ending of a reported binding (`writeFirstEnding`). Anything else is computed from the stored state (known, or returned by the failed
 * condition) and written back only if the stored revision is still the one it
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
      const written =
        event.kind === 'reported'
          ? await writeNewerReport(owner, registrationId, event, mode)
          : await writeFirstEnding(owner, registrationId, event, mode);
      if (written.ok) {
        const before = written.old?.state;
        return before && sameResolved(before, apply(before, event)) ? 'recorded' : 'applied';
      }
      current = written.old;
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

/**
 * An unregistration or expiry without a snapshot, in one write: its condition is the
 * usual case where `apply` only adds this ending (a report stored, no ending yet,
 * first_at not later). Otherwise it fails and returns the stored item. The item before
 * the write comes back, to tell whether the ending changed what the binding shows.
 */
async function writeFirstEnding(
  owner: BindingOwner,
  registrationId: string,
  event: Extract<BindingEvent, { kind: 'ended' }>,
  mode: WriteMode,
): Promise<Written> {
  // DynamoDB refuses names the expressions do not use: #aor only where the condition checks it.
  const update = updateExpression(
    { set: { endings: [withoutDetails(event.ending)] }, add: { rev: 1 } },
    ['seen_at', 'first_at', ...(mode === 'existing' ? ['aor'] : [])],
  );
  const condition =
    'attribute_exists(#seen_at) AND #first_at <= :t AND size(#endings) = :zero' + (mode === 'existing' ? ' AND #aor = :aor' : '');
  return conditionalUpdate(
    owner,
    registrationId,
    update,
    condition,
    { ':t': event.at, ':zero': 0, ...(mode === 'existing' ? { ':aor': owner.aor } : {}) },
    true,
  );
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
  returnOld = false,
): Promise<Written> {
  try {
    const { Attributes } = await db().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: key(owner.customerId, owner.extensionId, registrationId),
        ...update,
        ExpressionAttributeValues: { ...update.ExpressionAttributeValues, ...values },
        ConditionExpression: condition,
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        ...(returnOld ? { ReturnValues: 'ALL_OLD' as const } : {}),
      }),
    );
    return { ok: true, ...(Attributes ? { old: fromItem(Attributes) } : {}) };
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    const old = error.Item ? fromItem(unmarshall(error.Item as Record<string, AttributeValue>)) : null;
    return { ok: false, old };
  }
}

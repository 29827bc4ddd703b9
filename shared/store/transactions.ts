import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { TransactWriteCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { db, tableName } from '../table/client.js';
import type { Key } from '../table/keys.js';
import { AGAIN, retrying } from './retry.js';

/** One item of a TransactWriteItems call, as the SDK takes it. */
export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/**
 * One write of a transaction and what it means when its condition fails (the rule it
 * guards: 'extension-taken', 'domain-not-found', ...). A write without an outcome has no
 * condition that can fail unless our own invariants are broken: that failure is an error.
 */
export interface TransactionWrite<Outcome> {
  write: TransactItem;
  onConditionFailed?: Outcome;
}

/**
 * Failed: the outcomes of every write whose condition failed. A set, so the answer does
 * not depend on the order of the writes; a caller with several outcomes that can fail
 * together says which one wins.
 */
export type TransactionResult<Outcome> = { ok: true } | { ok: false; failed: ReadonlySet<Outcome> };

type Values = Record<string, unknown>;
interface Condition {
  condition?: string;
  values?: Values;
  names?: Record<string, string>;
}

const conditionOf = ({ condition, values, names }: Condition) => ({
  ...(condition ? { ConditionExpression: condition } : {}),
  ...(values ? { ExpressionAttributeValues: values } : {}),
  ...(names ? { ExpressionAttributeNames: names } : {}),
});

/** The write shapes of a transaction, in this table. */
export const putItem = (item: Values, condition: Condition = {}): TransactItem => ({
  Put: { TableName: tableName(), Item: item, ...conditionOf(condition) },
});
/** Put only where nothing is: the usual create, and how a lookup item claims its value. */
export const putNew = (item: Values): TransactItem => putItem(item, { condition: 'attribute_not_exists(PK)' });
export const updateItem = (key: Key, update: string, condition: Condition = {}): TransactItem => ({
  Update: { TableName: tableName(), Key: key, UpdateExpression: update, ...conditionOf(condition) },
});
export const deleteItem = (key: Key, condition: Condition = {}): TransactItem => ({
  Delete: { TableName: tableName(), Key: key, ...conditionOf(condition) },
});

/** Attempts of a transaction that keeps conflicting with concurrent ones, the first included. */
const CONFLICT_ATTEMPTS = 9;

/**
 * Runs a transaction. Cancelled because of failed conditions, it answers the outcomes
 * those writes carry. Conflicts with a concurrent transaction are retried (retry.ts;
 * still conflicting after the last attempt: 503 CONTENDED): otherwise two racing creates
 * of one number could both lose, and the rule is that exactly one wins.
 */
export function transactWrite<Outcome>(writes: readonly TransactionWrite<Outcome>[]): Promise<TransactionResult<Outcome>> {
  return retrying(
    async (): Promise<TransactionResult<Outcome> | typeof AGAIN> => {
      try {
        await db().send(new TransactWriteCommand({ TransactItems: writes.map((w) => w.write) }));
        return { ok: true };
      } catch (error) {
        if (!(error instanceof TransactionCanceledException)) throw error;
        const reasons = error.CancellationReasons ?? [];
        const failedWrites = writes.filter((_, i) => reasons[i]?.Code === 'ConditionalCheckFailed');
        if (failedWrites.length) return { ok: false, failed: outcomesOf(failedWrites) };
        if (reasons.some((r) => r.Code === 'TransactionConflict')) return AGAIN;
        throw error;
      }
    },
    { attempts: CONFLICT_ATTEMPTS },
  );
}

function outcomesOf<Outcome>(failedWrites: readonly TransactionWrite<Outcome>[]): ReadonlySet<Outcome> {
  const unexpected = failedWrites.find((w) => w.onConditionFailed === undefined);
  if (unexpected) {
    // Names the operation only, not the item: items hold passwords and hashes of secrets.
    const [operation] = Object.keys(unexpected.write);
    throw new Error(`transaction: the condition of a ${operation} that should not fail failed`);
  }
  return new Set(failedWrites.map((w) => w.onConditionFailed as Outcome));
}

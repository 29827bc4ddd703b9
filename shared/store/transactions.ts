import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { TransactWriteCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { contended } from '../errors.js';
import { db } from '../table/client.js';

type TransactItems = NonNullable<TransactWriteCommandInput['TransactItems']>;

/**
 * Runs a transaction; when it is cancelled because of a failed condition, returns the
 * index of the first failed item so the caller can say which rule was broken (409, 404).
 * Conflicts with a concurrent transaction are retried: otherwise two racing creates of
 * one number could both lose, and the rule is that exactly one wins.
 */
export async function transactWrite(items: TransactItems): Promise<{ ok: true } | { ok: false; failedIndex: number }> {
  for (let attempt = 0; ; attempt++) {
    try {
      await db().send(new TransactWriteCommand({ TransactItems: items }));
      return { ok: true };
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const reasons = error.CancellationReasons ?? [];
      const failedIndex = reasons.findIndex((r) => r.Code === 'ConditionalCheckFailed');
      if (failedIndex >= 0) return { ok: false, failedIndex };
      const conflict = reasons.some((r) => r.Code === 'TransactionConflict');
      if (!conflict) throw error;
      if (attempt >= 8) {
        // Still contended after retries: tell the client to retry rather than fail with a 500.
        throw contended();
      }
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * (attempt + 1)));
    }
  }
}

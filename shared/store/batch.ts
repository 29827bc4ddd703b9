import { BatchGetCommand, BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { db, tableName } from '../table/client.js';
import type { Key } from '../table/keys.js';
import { AGAIN, retrying } from './retry.js';

/**
 * The batch operations' contract: DynamoDB may leave part of a batch unprocessed
 * (throughput); that part is sent again with backoff (shared/store/retry.ts), and still
 * unprocessed after the last attempt is 503 CONTENDED, never a silently partial result.
 */
async function untilProcessed<T>(first: T[], send: (pending: T[]) => Promise<T[]>): Promise<void> {
  let pending = first;
  if (!pending.length) return;
  await retrying(
    async () => {
      pending = await send(pending);
      return pending.length ? AGAIN : undefined;
    },
    { backoff: (attempt) => 20 * attempt },
  );
}

const chunks = <T>(items: readonly T[], size: number) =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));

/** Reads items by key, 100 per BatchGetItem, strongly consistent; missing items are absent. */
export async function batchGetAll(keys: readonly Key[]): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  for (const chunk of chunks(keys, 100)) {
    await untilProcessed(chunk, async (pending) => {
      const result = await db().send(
        new BatchGetCommand({ RequestItems: { [tableName()]: { Keys: pending, ConsistentRead: true } } }),
      );
      items.push(...(result.Responses?.[tableName()] ?? []));
      return (result.UnprocessedKeys?.[tableName()]?.Keys ?? []) as Key[];
    });
  }
  return items;
}

/** Deletes items by key, 25 per BatchWriteItem. */
export async function batchDeleteAll(keys: readonly Key[]): Promise<void> {
  for (const chunk of chunks(keys, 25)) {
    await untilProcessed(
      chunk.map((key) => ({ DeleteRequest: { Key: key } })),
      async (pending) => {
        const result = await db().send(new BatchWriteCommand({ RequestItems: { [tableName()]: pending } }));
        return (result.UnprocessedItems?.[tableName()] ?? []) as typeof pending;
      },
    );
  }
}

import { BatchGetCommand } from '@aws-sdk/lib-dynamodb';
import { contended } from '../errors.js';
import { db, tableName } from '../table/client.js';
import type { Key } from '../table/keys.js';

/** DynamoDB's limit of keys per BatchGetItem. */
const KEYS_PER_CALL = 100;
const MAX_ATTEMPTS = 8;

/**
 * Reads items by key, 100 per BatchGetItem, strongly consistent. Keys DynamoDB leaves
 * unprocessed (throughput) are asked again with backoff; still unprocessed after that is
 * 503 CONTENDED, never a silently short answer. Items that do not exist are simply absent.
 */
export async function batchGetAll(keys: readonly Key[]): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  for (let i = 0; i < keys.length; i += KEYS_PER_CALL) {
    let pending: Key[] = keys.slice(i, i + KEYS_PER_CALL);
    for (let attempt = 0; pending.length; attempt++) {
      if (attempt >= MAX_ATTEMPTS) throw contended();
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 20 * attempt));
      const result = await db().send(
        new BatchGetCommand({ RequestItems: { [tableName()]: { Keys: pending, ConsistentRead: true } } }),
      );
      items.push(...(result.Responses?.[tableName()] ?? []));
      pending = (result.UnprocessedKeys?.[tableName()]?.Keys ?? []) as Key[];
    }
  }
  return items;
}

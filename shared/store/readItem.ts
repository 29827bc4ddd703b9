import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { db, tableName } from '../table/client.js';
import type { Key } from '../table/keys.js';

/**
 * ONE GetItem, as its entity's record, or undefined when there is no such item. Strongly
 * consistent: a read right after a write (a GET after a DELETE, a password change, a
 * regenerate) sees it.
 */
export async function readItem<T>(key: Key, fromItem: (item: Record<string, unknown>) => T): Promise<T | undefined> {
  const { Item } = await db().send(new GetCommand({ TableName: tableName(), Key: key, ConsistentRead: true }));
  return Item ? fromItem(Item) : undefined;
}

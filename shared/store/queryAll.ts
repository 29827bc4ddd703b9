import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { db } from '../table/client.js';
import { queryInput, type KeyQuery } from './query.js';

/**
 * The items of a partition one by one, following LastEvaluatedKey page after page
 * (DynamoDB returns at most 1 MB, or `limit` items, per call). A caller that stops
 * early stops the reading: no page is fetched that is not consumed.
 */
export async function* queryItems(query: KeyQuery, limit?: number): AsyncGenerator<Record<string, unknown>> {
  let startKey: Record<string, unknown> | undefined;
  do {
    const result = await db().send(new QueryCommand({ ...queryInput(query), Limit: limit, ExclusiveStartKey: startKey }));
    yield* result.Items ?? [];
    startKey = result.LastEvaluatedKey;
  } while (startKey);
}

/**
 * Every item a Query matches, as its entity's records (`fromItem`). For reads that must
 * be complete, such as a partition that proves ownership and holds its children;
 * listings page with queryPage instead.
 */
export async function queryAll<T>(query: KeyQuery, fromItem: (item: Record<string, unknown>) => T): Promise<T[]> {
  const items: T[] = [];
  for await (const item of queryItems(query)) items.push(fromItem(item));
  return items;
}

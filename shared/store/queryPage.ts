import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { tableDefinition, type IndexName } from '../table/definition.js';
import { db, tableName } from '../table/client.js';
import { assertListingKey } from './pageKey.js';
import { clampPageSize, decodePageToken, encodePageToken, type PageScope } from './paging.js';

export interface PageRequest {
  pageSize?: number;
  pageToken?: string;
}

export interface Page<T> {
  items: T[];
  nextPageToken: string;
}

interface PartitionQuery {
  scope: PageScope;
  partitionKey: string;
  /** Sort key prefix within the partition (base table only). */
  sortKeyPrefix?: string;
  indexName?: IndexName;
  newestFirst?: boolean;
}

/**
 * One Query per page. It asks for one item more than the page holds so that the last
 * page is known to be last (next_page_token "") without an extra, empty round trip.
 * The cursor is the exact key of the page's last item, so items sharing a timestamp
 * are neither skipped nor repeated. Items come back as their entity's records (`fromItem`).
 */
export async function queryPage<T>(
  query: PartitionQuery,
  page: PageRequest,
  fromItem: (item: Record<string, unknown>) => T,
): Promise<Page<T>> {
  const pageSize = clampPageSize(page.pageSize);
  const index = query.indexName
    ? tableDefinition.globalIndexes.find((i) => i.indexName === query.indexName)!
    : undefined;
  const pkName = index ? index.partitionKey : tableDefinition.partitionKey;
  const skName = index ? index.sortKey : tableDefinition.sortKey;
  const keyNames = [tableDefinition.partitionKey, tableDefinition.sortKey, ...(index ? [pkName, skName] : [])];

  const startKey = await decodePageToken(page.pageToken, query.scope);
  if (startKey) {
    assertListingKey(startKey, {
      keyNames,
      partitionName: pkName,
      partitionKey: query.partitionKey,
      sortName: skName,
      sortKeyPrefix: query.sortKeyPrefix,
    });
  }

  const result = await db().send(
    new QueryCommand({
      TableName: tableName(),
      IndexName: query.indexName,
      KeyConditionExpression: query.sortKeyPrefix ? '#pk = :pk AND begins_with(#sk, :prefix)' : '#pk = :pk',
      ExpressionAttributeNames: query.sortKeyPrefix ? { '#pk': pkName, '#sk': skName } : { '#pk': pkName },
      ExpressionAttributeValues: query.sortKeyPrefix
        ? { ':pk': query.partitionKey, ':prefix': query.sortKeyPrefix }
        : { ':pk': query.partitionKey },
      ScanIndexForward: !(query.newestFirst ?? true),
      // Base-table lists read their own writes; GSIs cannot (documented in docs/data-model.md).
      ConsistentRead: !query.indexName,
      Limit: pageSize + 1,
      ExclusiveStartKey: startKey,
    }),
  );
  const items = result.Items ?? [];
  if (items.length <= pageSize) return { items: items.map(fromItem), nextPageToken: '' };
  const pageItems = items.slice(0, pageSize);
  const last = pageItems[pageItems.length - 1]!;
  const lastKey = Object.fromEntries(keyNames.map((name) => [name, last[name]]));
  return { items: pageItems.map(fromItem), nextPageToken: await encodePageToken(lastKey, query.scope) };
}

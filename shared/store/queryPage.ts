import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { db } from '../table/client.js';
import { assertListingKey } from './pageKey.js';
import { keyNamesOf, queryInput, type KeyQuery } from './query.js';
import { clampPageSize, decodePageToken, encodePageToken, type PageScope } from './paging.js';

export interface PageRequest {
  pageSize?: number;
  pageToken?: string;
}

export interface Page<T> {
  items: T[];
  nextPageToken: string;
}

interface PartitionQuery extends Pick<KeyQuery, 'partitionKey' | 'sortKeyPrefix' | 'indexName'> {
  scope: PageScope;
  /** Default: newest first. */
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
  const keyNames = keyNamesOf(query.indexName);

  const startKey = await decodePageToken(page.pageToken, query.scope);
  if (startKey) {
    assertListingKey(startKey, {
      keyNames: keyNames.all,
      partitionName: keyNames.partition,
      partitionKey: query.partitionKey,
      sortName: keyNames.sort,
      sortKeyPrefix: query.sortKeyPrefix,
    });
  }

  const result = await db().send(
    new QueryCommand({
      ...queryInput({ ...query, newestFirst: query.newestFirst ?? true }),
      Limit: pageSize + 1,
      ExclusiveStartKey: startKey,
    }),
  );
  const items = result.Items ?? [];
  if (items.length <= pageSize) return { items: items.map(fromItem), nextPageToken: '' };
  const pageItems = items.slice(0, pageSize);
  const last = pageItems[pageItems.length - 1]!;
  const lastKey = Object.fromEntries(keyNames.all.map((name) => [name, last[name]]));
  return { items: pageItems.map(fromItem), nextPageToken: await encodePageToken(lastKey, query.scope) };
}

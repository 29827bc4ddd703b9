import type { QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { tableDefinition, type IndexName } from '../table/definition.js';
import { tableName } from '../table/client.js';

/** One partition of the table or of an index, as the entity modules name it (their `listing`s). */
export interface KeyQuery {
  partitionKey: string;
  /** Only sort keys starting with this. */
  sortKeyPrefix?: string;
  /** Only sort keys strictly below this (continuing a descending read after a page). */
  sortKeyBelow?: string;
  indexName?: IndexName;
  /** Descending sort key; the default is ascending. */
  newestFirst?: boolean;
}

/** The attribute names of an item's key in the base table, and in the index when there is one. */
export function keyNamesOf(indexName: IndexName | undefined) {
  const index = indexName ? tableDefinition.globalIndexes.find((i) => i.indexName === indexName)! : undefined;
  const partition = index ? index.partitionKey : tableDefinition.partitionKey;
  const sort = index ? index.sortKey : tableDefinition.sortKey;
  const all = [tableDefinition.partitionKey, tableDefinition.sortKey, ...(index ? [partition, sort] : [])];
  return { partition, sort, all };
}

/**
 * The Query of one partition, the one place its key condition is spelled. Base-table
 * reads are strongly consistent (they read their own writes); GSIs cannot be
 * (docs/data-model.md).
 */
export function queryInput(query: KeyQuery): QueryCommandInput {
  const { partition, sort } = keyNamesOf(query.indexName);
  const sortCondition = query.sortKeyPrefix ? ' AND begins_with(#sk, :prefix)' : query.sortKeyBelow ? ' AND #sk < :below' : '';
  return {
    TableName: tableName(),
    IndexName: query.indexName,
    KeyConditionExpression: `#pk = :pk${sortCondition}`,
    ExpressionAttributeNames: sortCondition ? { '#pk': partition, '#sk': sort } : { '#pk': partition },
    ExpressionAttributeValues: {
      ':pk': query.partitionKey,
      ...(query.sortKeyPrefix ? { ':prefix': query.sortKeyPrefix } : query.sortKeyBelow ? { ':below': query.sortKeyBelow } : {}),
    },
    ScanIndexForward: !query.newestFirst,
    ConsistentRead: !query.indexName,
  };
}

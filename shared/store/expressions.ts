import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { db, tableName } from '../table/client.js';
import type { Key } from '../table/keys.js';

/**
 * SET for exactly the fields given (undefined = leave alone: PUT never blanks what its
 * body omits) plus tm_update. `#pk` is named for the callers' attribute_exists condition.
 */
export function setGivenFields(changes: Record<string, string | undefined>, tmUpdate: string) {
  const names: Record<string, string> = { '#pk': 'PK', '#tm_update': 'tm_update' };
  const values: Record<string, unknown> = { ':tm_update': tmUpdate };
  const sets = ['#tm_update = :tm_update'];
  for (const [field, value] of Object.entries(changes)) {
    if (value === undefined) continue;
    names[`#${field}`] = field;
    values[`:${field}`] = value;
    sets.push(`#${field} = :${field}`);
  }
  return { UpdateExpression: `SET ${sets.join(', ')}`, ExpressionAttributeNames: names, ExpressionAttributeValues: values };
}

/**
 * PUT semantics for one item: sets exactly the given fields (and tm_update) if the item
 * exists, in one UpdateItem; returns the item as it is now, or undefined when there is
 * no such item.
 */
export async function updateGivenFields(
  key: Key,
  changes: Record<string, string | undefined>,
  tmUpdate: string,
): Promise<Record<string, unknown> | undefined> {
  try {
    const { Attributes } = await db().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: key,
        ...setGivenFields(changes, tmUpdate),
        ConditionExpression: 'attribute_exists(#pk)',
        ReturnValues: 'ALL_NEW',
      }),
    );
    return Attributes;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return undefined;
    throw error;
  }
}

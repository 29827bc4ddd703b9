import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { db, tableName } from '../table/client.js';
import type { Key } from '../table/keys.js';

/** What one UpdateItem changes; attributes whose value is undefined are left alone. */
export interface UpdateParts {
  /** `#a = :a` */
  set?: Record<string, unknown>;
  /** `#a = if_not_exists(#a, :a_init)`: written only where the item has none yet. */
  setIfMissing?: Record<string, unknown>;
  /** `ADD #a :a_add` (numbers; a missing attribute counts as 0). */
  add?: Record<string, number>;
  remove?: readonly string[];
}

export interface UpdateExpressionInput {
  UpdateExpression: string;
  ExpressionAttributeNames: Record<string, string>;
  ExpressionAttributeValues: Record<string, unknown>;
}

/**
 * The one update-expression builder of the stores. Every attribute is named `#<name>`
 * (attribute names here are identifiers; some, like `ttl`, are reserved words), its
 * value `:<name>` (`:<name>_init`, `:<name>_add`), so conditions written beside it can
 * use the same `#<name>` and `:<name>` placeholders. `names` adds attributes that only
 * the condition uses.
 */
export function updateExpression(parts: UpdateParts, names: readonly string[] = []): UpdateExpressionInput {
  const attributeNames: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const name = (attribute: string) => {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(attribute)) throw new Error(`not an attribute name: ${attribute}`);
    attributeNames[`#${attribute}`] = attribute;
    return `#${attribute}`;
  };
  const sets: string[] = [];
  for (const [attribute, value] of Object.entries(parts.set ?? {})) {
    if (value === undefined) continue;
    values[`:${attribute}`] = value;
    sets.push(`${name(attribute)} = :${attribute}`);
  }
  for (const [attribute, value] of Object.entries(parts.setIfMissing ?? {})) {
    if (value === undefined) continue;
    values[`:${attribute}_init`] = value;
    sets.push(`${name(attribute)} = if_not_exists(${name(attribute)}, :${attribute}_init)`);
  }
  const adds = Object.entries(parts.add ?? {}).map(([attribute, value]) => {
    values[`:${attribute}_add`] = value;
    return `${name(attribute)} :${attribute}_add`;
  });
  const removes = (parts.remove ?? []).map(name);
  names.forEach(name);
  const clauses = [
    sets.length ? `SET ${sets.join(', ')}` : '',
    adds.length ? `ADD ${adds.join(', ')}` : '',
    removes.length ? `REMOVE ${removes.join(', ')}` : '',
  ].filter(Boolean);
  return { UpdateExpression: clauses.join(' '), ExpressionAttributeNames: attributeNames, ExpressionAttributeValues: values };
}

/**
 * SET for exactly the fields given (undefined = leave alone: PUT never blanks what its
 * body omits) plus tm_update. `#pk` is named for the callers' attribute_exists condition.
 */
export function setGivenFields(changes: Record<string, unknown>, tmUpdate: string) {
  const update = updateExpression({ set: { ...changes, tm_update: tmUpdate } });
  return { ...update, ExpressionAttributeNames: { ...update.ExpressionAttributeNames, '#pk': 'PK' } };
}

/**
 * PUT semantics for one item: sets exactly the given fields (and tm_update) if the item
 * exists, in one UpdateItem; returns the item as it is now, as its entity's record
 * (`fromItem`), or undefined when there is no such item.
 */
export async function updateGivenFields<T>(
  key: Key,
  changes: Record<string, unknown>,
  tmUpdate: string,
  fromItem: (item: Record<string, unknown>) => T,
): Promise<T | undefined> {
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
    return Attributes ? fromItem(Attributes) : undefined;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return undefined;
    throw error;
  }
}

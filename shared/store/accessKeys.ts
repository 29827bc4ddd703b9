import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { db, tableName } from '../table/client.js';
import { accessKeyHashKey, accessKeyKey, accessKeysPrefix } from '../table/keys.js';
import { queryPage, type Page, type PageRequest } from './queryPage.js';
import { updateGivenFields } from './expressions.js';
import { transactWrite } from './transactions.js';

export interface AccessKeyRecord {
  id: string;
  customer_id: string;
  name: string;
  detail: string;
  /** SHA-256 of the secret; the secret itself is never stored. */
  secret_hash: string;
  /** The secret's first characters (shared/domain/secrets.ts, tokenPrefixOf); absent on keys made before it was kept. */
  token_prefix?: string;
  /** Epoch ms, 0 = never expires. */
  expire_at: number;
  tm_create: string;
  tm_update: string;
}

/** What authentication needs, in the global lookup item. */
export interface AccessKeyLookup {
  customer_id: string;
  accesskey_id: string;
  expire_at: number;
}

const recordOf = (item: Record<string, unknown>): AccessKeyRecord => {
  const { PK: _pk, SK: _sk, entity: _e, ...record } = item;
  return record as unknown as AccessKeyRecord;
};

/** Puts the key and its hash lookup together; Put operations for a new customer may ride along. */
export function accessKeyPuts(record: AccessKeyRecord) {
  return [
    {
      Put: {
        TableName: tableName(),
        Item: { ...accessKeyKey(record.customer_id, record.id), entity: 'accesskey', ...record },
        ConditionExpression: 'attribute_not_exists(PK)',
      },
    },
    {
      Put: {
        TableName: tableName(),
        Item: {
          ...accessKeyHashKey(record.secret_hash),
          entity: 'accesskey-lookup',
          customer_id: record.customer_id,
          accesskey_id: record.id,
          expire_at: record.expire_at,
        },
        ConditionExpression: 'attribute_not_exists(PK)',
      },
    },
  ];
}

export async function insertAccessKey(record: AccessKeyRecord): Promise<void> {
  const result = await transactWrite(accessKeyPuts(record));
  if (!result.ok) throw new Error('access key id or secret collided');
}

export async function findAccessKeyBySecretHash(secretHash: string): Promise<AccessKeyLookup | undefined> {
  const { Item } = await db().send(
    new GetCommand({ TableName: tableName(), Key: accessKeyHashKey(secretHash), ConsistentRead: true }),
  );
  return Item as AccessKeyLookup | undefined;
}

export async function getAccessKey(customerId: string, accessKeyId: string): Promise<AccessKeyRecord | undefined> {
  const { Item } = await db().send(new GetCommand({ TableName: tableName(), Key: accessKeyKey(customerId, accessKeyId), ConsistentRead: true }));
  return Item ? recordOf(Item) : undefined;
}

export async function listAccessKeys(customerId: string, page: PageRequest): Promise<Page<AccessKeyRecord>> {
  const prefix = accessKeysPrefix(customerId);
  const result = await queryPage(
    { scope: { customerId, listing: 'accesskeys' }, partitionKey: prefix.PK, sortKeyPrefix: prefix.SKPrefix },
    page,
  );
  return { items: result.items.map(recordOf), nextPageToken: result.nextPageToken };
}

/**
 * Deletes the key and its lookup in one transaction. The read before it is needed
 * because the lookup is keyed by the secret's hash, which only the key item knows.
 */
export async function deleteAccessKey(customerId: string, accessKeyId: string): Promise<AccessKeyRecord | undefined> {
  const existing = await getAccessKey(customerId, accessKeyId);
  if (!existing) return undefined;
  const result = await transactWrite([
    {
      Delete: {
        TableName: tableName(),
        Key: accessKeyKey(customerId, accessKeyId),
        ConditionExpression: 'attribute_exists(PK)',
      },
    },
    { Delete: { TableName: tableName(), Key: accessKeyHashKey(existing.secret_hash) } },
  ]);
  return result.ok ? existing : undefined;
}

/** name/detail only: one UpdateItem of the given fields. undefined = no such key. */
export async function updateAccessKey(
  customerId: string,
  accessKeyId: string,
  changes: { name?: string; detail?: string },
  tmUpdate: string,
): Promise<AccessKeyRecord | undefined> {
  const item = await updateGivenFields(accessKeyKey(customerId, accessKeyId), changes, tmUpdate);
  return item ? recordOf(item) : undefined;
}

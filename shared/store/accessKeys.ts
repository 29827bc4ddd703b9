import * as AccessKey from '../entities/accessKey.js';
import { accessKeyLookupItem, accessKeyLookupKey, accessKeyLookupOf, type AccessKeyLookup } from '../entities/claims.js';
import { updateGivenFields } from './expressions.js';
import { readItem } from './readItem.js';
import { queryPage, type Page, type PageRequest } from './queryPage.js';
import { deleteItem, putNew, transactWrite, type TransactionWrite } from './transactions.js';

/**
 * The key and its hash lookup, both new; the writes of a new customer may ride along.
 * `onTaken`: what it means when either exists already (random ids and secrets: never,
 * unless an operator chose a secret that is in use).
 */
export function accessKeyWrites<Outcome>(
  accessKey: AccessKey.AccessKeyRecord,
  onTaken: Outcome,
): TransactionWrite<Outcome>[] {
  return [
    { write: putNew(AccessKey.toItem(accessKey)), onConditionFailed: onTaken },
    { write: putNew(accessKeyLookupItem(accessKey)), onConditionFailed: onTaken },
  ];
}

export async function insertAccessKey(accessKey: AccessKey.AccessKeyRecord): Promise<void> {
  const result = await transactWrite(accessKeyWrites(accessKey, 'collided'));
  if (!result.ok) throw new Error('access key id or secret collided');
}

export async function findAccessKeyBySecretHash(secretHash: string): Promise<AccessKeyLookup | undefined> {
  return readItem(accessKeyLookupKey(secretHash), accessKeyLookupOf);
}

export async function getAccessKey(customerId: string, accessKeyId: string): Promise<AccessKey.AccessKeyRecord | undefined> {
  return readItem(AccessKey.key(customerId, accessKeyId), AccessKey.fromItem);
}

export function listAccessKeys(customerId: string, page: PageRequest): Promise<Page<AccessKey.AccessKeyRecord>> {
  return queryPage(
    { scope: { customerId, listing: 'accesskeys' }, ...AccessKey.listing(customerId) },
    page,
    AccessKey.fromItem,
  );
}

/**
 * Deletes the key and its lookup in one transaction. The read before it is needed
 * because the lookup is keyed by the secret's hash, which only the key item knows.
 */
export async function deleteAccessKey(customerId: string, accessKeyId: string): Promise<AccessKey.AccessKeyRecord | undefined> {
  const existing = await getAccessKey(customerId, accessKeyId);
  if (!existing) return undefined;
  const result = await transactWrite([
    {
      write: deleteItem(AccessKey.key(customerId, accessKeyId), { condition: 'attribute_exists(PK)' }),
      onConditionFailed: 'gone',
    },
    { write: deleteItem(accessKeyLookupKey(existing.secret_hash)) },
  ]);
  return result.ok ? existing : undefined;
}

/** name/detail only: one UpdateItem of the given fields. undefined = no such key. */
export async function updateAccessKey(
  customerId: string,
  accessKeyId: string,
  changes: { name?: string; detail?: string },
  tmUpdate: string,
): Promise<AccessKey.AccessKeyRecord | undefined> {
  return updateGivenFields(AccessKey.key(customerId, accessKeyId), changes, tmUpdate, AccessKey.fromItem);
}

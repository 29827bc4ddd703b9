import { GetCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { db, tableName } from '../table/client.js';
import {
  customerExtensionsIndex,
  directHashKey,
  domainExtensionsIndex,
  domainKey,
  extensionIndexKeys,
  extensionKey,
  sipCredentialKey,
} from '../table/keys.js';
import { queryPage, type Page, type PageRequest } from './queryPage.js';
import { transactWrite } from './transactions.js';
import { setGivenFields, updateGivenFields } from './expressions.js';

export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

export interface ExtensionRecord {
  id: string;
  customer_id: string;
  name: string;
  detail: string;
  domain_id: string;
  /** The SIP username. */
  extension: string;
  /** Returned by the API, as VoIPbin does; never logged. */
  password: string;
  direct_hash: string;
  /** The domain's realm, copied at create: the credential item's key needs it. */
  realm: string;
  tm_create: string;
  tm_update: string;
}

/** What the registrar needs for digest auth, in ONE item keyed by (realm, username). */
export interface SipCredential {
  customer_id: string;
  extension_id: string;
  domain_id: string;
  username: string;
  realm: string;
  /** md5(username:realm:password), hex */
  ha1: string;
  /** md5(username@realm:realm:password), hex */
  ha1b: string;
}

/** What a direct_hash resolves to: the extension and its AOR (username@realm). */
export interface DirectHashTarget {
  direct_hash: string;
  customer_id: string;
  extension_id: string;
  domain_id: string;
  username: string;
  realm: string;
}

const EXTENSION_FIELDS = [
  'id',
  'customer_id',
  'name',
  'detail',
  'domain_id',
  'extension',
  'password',
  'direct_hash',
  'realm',
  'tm_create',
  'tm_update',
] as const;

/** The extension record of a raw item (also read by the bindings store's partition Query). */
export const extensionRecordOf = (item: Record<string, unknown>): ExtensionRecord =>
  Object.fromEntries(EXTENSION_FIELDS.map((field) => [field, (item[field] as string | undefined) ?? ''])) as unknown as ExtensionRecord;

const credentialItem = (record: ExtensionRecord, ha1: { ha1: string; ha1b: string }) => ({
  ...sipCredentialKey(record.realm, record.extension),
  entity: 'sip-credential',
  customer_id: record.customer_id,
  extension_id: record.id,
  domain_id: record.domain_id,
  username: record.extension,
  realm: record.realm,
  ha1: ha1.ha1,
  ha1b: ha1.ha1b,
});

const directHashItem = (record: ExtensionRecord, directHash: string) => ({
  ...directHashKey(directHash),
  entity: 'direct-hash',
  direct_hash: directHash,
  customer_id: record.customer_id,
  extension_id: record.id,
  domain_id: record.domain_id,
  username: record.extension,
  realm: record.realm,
});

export type InsertOutcome = 'ok' | 'domain-not-found' | 'extension-taken' | 'direct-hash-taken';

/**
 * Creates the extension in one transaction with: the SIP credential item (its
 * attribute_not_exists condition is THE uniqueness guard of the number within the
 * realm), the direct-hash claim, and the domain's extension count (whose condition
 * proves the domain still exists for this customer). Concurrent creates of one number
 * conflict on the domain item and the credential item; transactWrite retries the
 * conflicts, so exactly one wins and the others fail the credential condition.
 */
export async function insertExtension(
  record: ExtensionRecord,
  ha1: { ha1: string; ha1b: string },
): Promise<InsertOutcome> {
  const outcomes: InsertOutcome[] = ['domain-not-found', 'extension-taken', 'direct-hash-taken'];
  const result = await transactWrite([
    {
      Update: {
        TableName: tableName(),
        Key: domainKey(record.customer_id, record.domain_id),
        UpdateExpression: 'ADD extension_count :one',
        ConditionExpression: 'attribute_exists(PK)',
        ExpressionAttributeValues: { ':one': 1 },
      },
    },
    {
      Put: {
        TableName: tableName(),
        Item: credentialItem(record, ha1),
        ConditionExpression: 'attribute_not_exists(PK)',
      },
    },
    {
      Put: {
        TableName: tableName(),
        Item: directHashItem(record, record.direct_hash),
        ConditionExpression: 'attribute_not_exists(PK)',
      },
    },
    {
      Put: {
        TableName: tableName(),
        Item: {
          ...extensionKey(record.customer_id, record.id),
          ...extensionIndexKeys(record.customer_id, record.domain_id, record.id),
          entity: 'extension',
          ...record,
        },
        ConditionExpression: 'attribute_not_exists(PK)',
      },
    },
  ]);
  if (result.ok) return 'ok';
  const outcome = outcomes[result.failedIndex];
  if (!outcome) throw new Error('extension id collided');
  return outcome;
}

export async function getExtension(customerId: string, extensionId: string): Promise<ExtensionRecord | undefined> {
  const { Item } = await db().send(
    new GetCommand({ TableName: tableName(), Key: extensionKey(customerId, extensionId), ConsistentRead: true }),
  );
  return Item ? extensionRecordOf(Item) : undefined;
}

/**
 * Newest first, one Query per page: GSI1 for all the customer's extensions, GSI2 for
 * one domain's. GSIs are eventually consistent (docs/data-model.md).
 */
export async function listExtensions(
  customerId: string,
  domainId: string | undefined,
  page: PageRequest,
): Promise<Page<ExtensionRecord>> {
  const index = domainId ? domainExtensionsIndex(customerId, domainId) : customerExtensionsIndex(customerId);
  const result = await queryPage(
    {
      scope: { customerId, listing: 'extensions', ...(domainId ? { filter: `domain_id=${domainId}` } : {}) },
      partitionKey: index.PK,
      indexName: index.indexName,
    },
    page,
  );
  return { items: result.items.map(extensionRecordOf), nextPageToken: result.nextPageToken };
}

/** name/detail only: one UpdateItem, only the given fields. undefined = no such extension. */
export async function updateExtensionFields(
  customerId: string,
  extensionId: string,
  changes: { name?: string; detail?: string },
  tmUpdate: string,
): Promise<ExtensionRecord | undefined> {
  const item = await updateGivenFields(extensionKey(customerId, extensionId), changes, tmUpdate);
  return item ? extensionRecordOf(item) : undefined;
}

/**
 * Changes the password and the credential item's HA1s in one transaction: the old
 * password stops working for digest auth the moment this commits. false = the
 * extension is gone.
 */
export async function updateExtensionWithPassword(
  existing: ExtensionRecord,
  changes: { name?: string; detail?: string; password: string },
  ha1: { ha1: string; ha1b: string },
  tmUpdate: string,
): Promise<boolean> {
  const update = setGivenFields(changes, tmUpdate);
  const result = await transactWrite([
    {
      Update: {
        TableName: tableName(),
        Key: extensionKey(existing.customer_id, existing.id),
        ...update,
        ConditionExpression: 'attribute_exists(#pk)',
      },
    },
    {
      Update: {
        TableName: tableName(),
        Key: sipCredentialKey(existing.realm, existing.extension),
        UpdateExpression: 'SET ha1 = :ha1, ha1b = :ha1b',
        ConditionExpression: 'extension_id = :id',
        ExpressionAttributeValues: { ':ha1': ha1.ha1, ':ha1b': ha1.ha1b, ':id': existing.id },
      },
    },
  ]);
  return result.ok;
}

/** The extension still has the hash the caller read ('' = none yet). */
const hashIs = (hash: string) => (hash ? 'direct_hash = :hash' : '(attribute_not_exists(direct_hash) OR direct_hash = :hash)');


/**
 * Swaps the direct hash: drops the old claim, claims the new hash, updates the
 * extension, in one transaction. The extension's condition on its current hash makes a
 * concurrent regenerate (or delete) fail instead of leaving an orphan claim.
 */
export async function replaceDirectHash(
  existing: ExtensionRecord,
  newHash: string,
  tmUpdate: string,
): Promise<'ok' | 'changed' | 'direct-hash-taken'> {
  const items: TransactItem[] = [
    {
      Update: {
        TableName: tableName(),
        Key: extensionKey(existing.customer_id, existing.id),
        UpdateExpression: 'SET direct_hash = :new, tm_update = :tm_update',
        ConditionExpression: `attribute_exists(PK) AND ${hashIs(existing.direct_hash)}`,
        ExpressionAttributeValues: { ':new': newHash, ':tm_update': tmUpdate, ':hash': existing.direct_hash },
      },
    },
    {
      Put: {
        TableName: tableName(),
        Item: directHashItem(existing, newHash),
        ConditionExpression: 'attribute_not_exists(PK)',
      },
    },
  ];
  if (existing.direct_hash) {
    items.push({ Delete: { TableName: tableName(), Key: directHashKey(existing.direct_hash) } });
  }
  const result = await transactWrite(items);
  if (result.ok) return 'ok';
  return result.failedIndex === 1 ? 'direct-hash-taken' : 'changed';
}

/**
 * Deletes the extension, its credential item and its direct-hash claim and decrements
 * the domain's count, in one transaction. The extension's condition on its direct hash
 * guards against a regenerate that raced in after the caller's read ('changed': read
 * again and retry). `extra` items ride along in the same transaction (e.g. removal of
 * registration bindings; DynamoDB allows 100 items per transaction, 4 are used here).
 */
export async function deleteExtensionItems(
  existing: ExtensionRecord,
  extra: TransactItem[] = [],
): Promise<'ok' | 'changed'> {
  const items: TransactItem[] = [
    {
      Delete: {
        TableName: tableName(),
        Key: extensionKey(existing.customer_id, existing.id),
        ConditionExpression: `attribute_exists(PK) AND ${hashIs(existing.direct_hash)}`,
        ExpressionAttributeValues: { ':hash': existing.direct_hash },
      },
    },
    { Delete: { TableName: tableName(), Key: sipCredentialKey(existing.realm, existing.extension) } },
    {
      Update: {
        TableName: tableName(),
        Key: domainKey(existing.customer_id, existing.domain_id),
        UpdateExpression: 'ADD extension_count :minus',
        ConditionExpression: 'attribute_exists(PK)',
        ExpressionAttributeValues: { ':minus': -1 },
      },
    },
  ];
  if (existing.direct_hash) items.push({ Delete: { TableName: tableName(), Key: directHashKey(existing.direct_hash) } });
  const result = await transactWrite([...items, ...extra]);
  if (result.ok) return 'ok';
  if (result.failedIndex === 0) return 'changed';
  throw new Error(`extension delete: condition ${result.failedIndex} failed`);
}

/** The registrar's digest lookup: ONE GetItem (strongly consistent: a password change applies at once). */
export async function findSipCredential(realm: string, username: string): Promise<SipCredential | undefined> {
  const { Item } = await db().send(
    new GetCommand({ TableName: tableName(), Key: sipCredentialKey(realm, username), ConsistentRead: true }),
  );
  if (!Item) return undefined;
  return {
    customer_id: Item.customer_id as string,
    extension_id: Item.extension_id as string,
    domain_id: Item.domain_id as string,
    username: Item.username as string,
    realm: Item.realm as string,
    ha1: Item.ha1 as string,
    ha1b: Item.ha1b as string,
  };
}

/** sip:direct.<hash>@… to the extension: ONE GetItem (strongly consistent: a regenerate applies at once). */
export async function findExtensionByDirectHash(directHash: string): Promise<DirectHashTarget | undefined> {
  if (!/^[0-9a-f]{12}$/.test(directHash)) return undefined;
  const { Item } = await db().send(
    new GetCommand({ TableName: tableName(), Key: directHashKey(directHash), ConsistentRead: true }),
  );
  if (!Item) return undefined;
  return {
    direct_hash: Item.direct_hash as string,
    customer_id: Item.customer_id as string,
    extension_id: Item.extension_id as string,
    domain_id: Item.domain_id as string,
    username: Item.username as string,
    realm: Item.realm as string,
  };
}

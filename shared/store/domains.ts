import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { db, tableName } from '../table/client.js';
import { domainKey, domainNameKey, domainsPrefix } from '../table/keys.js';
import { queryPage, type Page, type PageRequest } from './queryPage.js';
import { transactWrite } from './transactions.js';
import { contended } from '../errors.js';
import { updateGivenFields } from './expressions.js';

export interface DomainRecord {
  id: string;
  customer_id: string;
  /** DNS label, unique platform-wide (claimed by the DOMAINNAME# item). */
  domain_name: string;
  /** `${domain_name}.${SIP_DOMAIN_SUFFIX}`, fixed when the domain is created. */
  realm: string;
  name: string;
  detail: string;
  /** Extensions in the domain; changed in the same transaction as extension create/delete. */
  extension_count: number;
  tm_create: string;
  tm_update: string;
}

const recordOf = (item: Record<string, unknown>): DomainRecord => ({
  id: item.id as string,
  customer_id: item.customer_id as string,
  domain_name: item.domain_name as string,
  realm: item.realm as string,
  name: (item.name as string) ?? '',
  detail: (item.detail as string) ?? '',
  extension_count: Number(item.extension_count ?? 0),
  tm_create: item.tm_create as string,
  tm_update: (item.tm_update as string) ?? '',
});

/**
 * The domain and the claim on its name, together or not at all.
 * 'name-taken': another domain (of any customer) holds the name.
 */
export async function insertDomain(record: DomainRecord): Promise<'ok' | 'name-taken'> {
  const result = await transactWrite([
    {
      Put: {
        TableName: tableName(),
        Item: { ...domainKey(record.customer_id, record.id), entity: 'domain', ...record },
        ConditionExpression: 'attribute_not_exists(PK)',
      },
    },
    {
      Put: {
        TableName: tableName(),
        Item: {
          ...domainNameKey(record.domain_name),
          entity: 'domain-name',
          customer_id: record.customer_id,
          domain_id: record.id,
          realm: record.realm,
        },
        ConditionExpression: 'attribute_not_exists(PK)',
      },
    },
  ]);
  if (result.ok) return 'ok';
  if (result.failedIndex === 1) return 'name-taken';
  throw new Error('domain id collided');
}

/** Who holds a domain_name: the DOMAINNAME# claim (realm absent on claims older than it). */
export interface DomainNameClaim {
  customer_id: string;
  domain_id: string;
  realm?: string;
}

/** ONE GetItem, strongly consistent: the claim of a domain_name, or undefined when free. */
export async function getDomainNameClaim(domainName: string): Promise<DomainNameClaim | undefined> {
  const { Item } = await db().send(new GetCommand({ TableName: tableName(), Key: domainNameKey(domainName), ConsistentRead: true }));
  if (!Item) return undefined;
  return {
    customer_id: Item.customer_id as string,
    domain_id: Item.domain_id as string,
    ...(typeof Item.realm === 'string' ? { realm: Item.realm } : {}),
  };
}

export async function getDomain(customerId: string, domainId: string): Promise<DomainRecord | undefined> {
  const { Item } = await db().send(new GetCommand({ TableName: tableName(), Key: domainKey(customerId, domainId), ConsistentRead: true }));
  return Item ? recordOf(Item) : undefined;
}

export async function listDomains(customerId: string, page: PageRequest): Promise<Page<DomainRecord>> {
  const prefix = domainsPrefix(customerId);
  const result = await queryPage(
    { scope: { customerId, listing: 'domains' }, partitionKey: prefix.PK, sortKeyPrefix: prefix.SKPrefix },
    page,
  );
  return { items: result.items.map(recordOf), nextPageToken: result.nextPageToken };
}

/** Sets only the given fields (and tm_update); one UpdateItem. undefined = no such domain. */
export async function updateDomain(
  customerId: string,
  domainId: string,
  changes: { name?: string; detail?: string },
  tmUpdate: string,
): Promise<DomainRecord | undefined> {
  const item = await updateGivenFields(domainKey(customerId, domainId), changes, tmUpdate);
  return item ? recordOf(item) : undefined;
}

/**
 * Deletes the domain and frees its name in one transaction, only while it has no
 * extensions (the condition on extension_count makes this race-free against a
 * concurrent extension create, which increments the count in its own transaction).
 * The read before it is needed because the name claim is keyed by domain_name, which
 * only the domain item knows.
 */
export async function deleteDomain(
  customerId: string,
  domainId: string,
): Promise<{ outcome: 'deleted'; record: DomainRecord } | { outcome: 'not-found' } | { outcome: 'has-extensions' }> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const existing = await getDomain(customerId, domainId);
    if (!existing) return { outcome: 'not-found' };
    if (existing.extension_count > 0) return { outcome: 'has-extensions' };
    const result = await transactWrite([
      {
        Delete: {
          TableName: tableName(),
          Key: domainKey(customerId, domainId),
          ConditionExpression: 'attribute_exists(PK) AND (attribute_not_exists(extension_count) OR extension_count = :zero)',
          ExpressionAttributeValues: { ':zero': 0 },
        },
      },
      {
        Delete: {
          TableName: tableName(),
          Key: domainNameKey(existing.domain_name),
          ConditionExpression: 'customer_id = :customer AND domain_id = :domain',
          ExpressionAttributeValues: { ':customer': customerId, ':domain': domainId },
        },
      },
    ]);
    if (result.ok) return { outcome: 'deleted', record: existing };
    // The domain changed between the read and the write (deleted, or an extension was
    // added): read again and decide on the fresh state.
  }
  throw contended();
}

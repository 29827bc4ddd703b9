import { domainNameClaimOf, domainNameItem, domainNameKey, type DomainNameClaim } from '../entities/claims.js';
import * as Domain from '../entities/domain.js';
import { updateGivenFields } from './expressions.js';
import { readItem } from './readItem.js';
import { queryPage, type Page, type PageRequest } from './queryPage.js';
import { AGAIN, immediately, retrying } from './retry.js';
import { deleteItem, putNew, transactWrite, updateItem } from './transactions.js';

/**
 * The domain and the claim on its name, together or not at all.
 * 'name-taken': another domain (of any customer) holds the name.
 */
export async function insertDomain(domain: Domain.DomainRecord): Promise<'ok' | 'name-taken'> {
  const result = await transactWrite([
    // A random id that exists already is a broken invariant, not an answer.
    { write: putNew(Domain.toItem(domain)) },
    { write: putNew(domainNameItem(domain)), onConditionFailed: 'name-taken' as const },
  ]);
  return result.ok ? 'ok' : 'name-taken';
}

/** ONE GetItem, strongly consistent: the claim of a domain_name, or undefined when free. */
export async function getDomainNameClaim(domainName: string): Promise<DomainNameClaim | undefined> {
  return readItem(domainNameKey(domainName), domainNameClaimOf);
}

export async function getDomain(customerId: string, domainId: string): Promise<Domain.DomainRecord | undefined> {
  return readItem(Domain.key(customerId, domainId), Domain.fromItem);
}

export function listDomains(customerId: string, page: PageRequest): Promise<Page<Domain.DomainRecord>> {
  return queryPage({ scope: { customerId, listing: 'domains' }, ...Domain.listing(customerId) }, page, Domain.fromItem);
}

/** Sets only the given fields (and tm_update); one UpdateItem. undefined = no such domain. */
export async function updateDomain(
  customerId: string,
  domainId: string,
  changes: { name?: string; detail?: string },
  tmUpdate: string,
): Promise<Domain.DomainRecord | undefined> {
  return updateGivenFields(Domain.key(customerId, domainId), changes, tmUpdate, Domain.fromItem);
}

/** The domain's extension count moves with each extension create (+1) and delete (-1), while the domain exists. */
export const extensionCountChange = (customerId: string, domainId: string, change: 1 | -1) =>
  updateItem(Domain.key(customerId, domainId), 'ADD extension_count :change', {
    condition: 'attribute_exists(PK)',
    values: { ':change': change },
  });

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
): Promise<{ outcome: 'deleted'; record: Domain.DomainRecord } | { outcome: 'not-found' } | { outcome: 'has-extensions' }> {
  return retrying(async () => {
    const existing = await getDomain(customerId, domainId);
    if (!existing) return { outcome: 'not-found' as const };
    if (existing.extension_count > 0) return { outcome: 'has-extensions' as const };
    // Either condition failing means the domain changed between the read and the write
    // (deleted, or an extension was added): read again and decide on the fresh state.
    const result = await transactWrite([
      {
        write: deleteItem(Domain.key(customerId, domainId), {
          condition: 'attribute_exists(PK) AND (attribute_not_exists(extension_count) OR extension_count = :zero)',
          values: { ':zero': 0 },
        }),
        onConditionFailed: 'changed',
      },
      {
        write: deleteItem(domainNameKey(existing.domain_name), {
          condition: 'customer_id = :customer AND domain_id = :domain',
          values: { ':customer': customerId, ':domain': domainId },
        }),
        onConditionFailed: 'changed',
      },
    ]);
    return result.ok ? { outcome: 'deleted' as const, record: existing } : AGAIN;
  }, { attempts: 5, backoff: immediately });
}

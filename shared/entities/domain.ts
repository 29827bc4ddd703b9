import * as z from 'zod/mini';
import { timestamp } from '../schemas/common.js';
import { domainKey, domainsPrefix } from '../table/keys.js';
import { ENTITY_ATTRIBUTE, parseItem } from './item.js';
import { deferred } from '../schemas/deferred.js';

/**
 * A SIP domain of a customer: the realm its extensions register to. Its domain_name is
 * claimed platform-wide by a lookup item (claims.ts, domainNameClaim).
 */
const ENTITY = 'domain';

/** The stored domain item, the one definition of its fields. */
export const record = deferred(() => z.object({
  id: z.string(),
  customer_id: z.string(),
  /** DNS label, unique platform-wide (claimed by the DOMAINNAME# item). */
  domain_name: z.string(),
  /** `${domain_name}.${SIP_DOMAIN_SUFFIX}`, fixed when the domain is created. */
  realm: z.string().check(z.describe('the SIP realm (and domain) devices of this domain register to')),
  name: z.string(),
  detail: z.string(),
  /** Extensions in the domain; changed in the same transaction as extension create/delete. */
  extension_count: z.number(),
  tm_create: timestamp,
  tm_update: timestamp,
}));
export type DomainRecord = z.output<typeof record>;

export const key = (customerId: string, domainId: string) => domainKey(customerId, domainId);
/** A customer's domains: one partition, sort keys under this prefix. */
export const listing = (customerId: string) => {
  const prefix = domainsPrefix(customerId);
  return { partitionKey: prefix.PK, sortKeyPrefix: prefix.SKPrefix };
};

export const toItem = (domain: DomainRecord) => ({ ...key(domain.customer_id, domain.id), [ENTITY_ATTRIBUTE]: ENTITY, ...domain });

export const fromItem = (item: Record<string, unknown>): DomainRecord => parseItem(record, ENTITY, item);

/** The API's domain: the record without its extension count, plus tm_delete. */
export const view = deferred(() => z
  .extend(z.omit(record, { extension_count: true }), { tm_delete: timestamp })
  .check(z.meta({ id: 'Domain' })));
export type DomainView = z.output<typeof view>;

export const toView = (domain: DomainRecord, tmDelete = ''): DomainView => view.parse({ ...domain, tm_delete: tmDelete });

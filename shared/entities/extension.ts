import * as z from 'zod/mini';
import { timestamp } from '../schemas/common.js';
import { customerExtensionsIndex, domainExtensionsIndex, extensionIndexKeys, extensionKey } from '../table/keys.js';
import { deferred } from '../schemas/deferred.js';
import { ENTITY_ATTRIBUTE, parseItem } from './item.js';

/**
 * An extension: a SIP user (the number) in one of the customer's domains. Its number and
 * its direct_hash are claimed platform-wide by lookup items (claims.ts), kept exact by
 * the same transactions that write the extension.
 */
const ENTITY = 'extension';

/** The stored extension item, the one definition of its fields. */
export const record = deferred(() =>
  z.object({
    id: z.string(),
    customer_id: z.string(),
    name: z.string(),
    detail: z.string(),
    domain_id: z.string(),
    extension: z.string().check(z.describe('the SIP username')),
    /** Returned by the API, as VoIPbin does; never logged. */
    password: z.string().check(z.describe('the SIP digest password')),
    direct_hash: z.string().check(z.describe('12 hex characters; reach the extension at sip:direct.<hash>@<SIP domain>')),
    /** The domain's realm, copied at create: the credential item's key needs it. */
    realm: z.string(),
    tm_create: timestamp,
    tm_update: timestamp,
  }),
);
export type ExtensionRecord = z.output<typeof record>;

export const key = (customerId: string, extensionId: string) => extensionKey(customerId, extensionId);

/** Newest first by the time-ordered id: GSI1 lists all the customer's extensions, GSI2 one domain's. */
export const listing = (customerId: string, domainId: string | undefined) => {
  const index = domainId ? domainExtensionsIndex(customerId, domainId) : customerExtensionsIndex(customerId);
  return { indexName: index.indexName, partitionKey: index.PK };
};

export const toItem = (extension: ExtensionRecord) => ({
  ...key(extension.customer_id, extension.id),
  ...extensionIndexKeys(extension.customer_id, extension.domain_id, extension.id),
  [ENTITY_ATTRIBUTE]: ENTITY,
  ...extension,
});

export const fromItem = (item: Record<string, unknown>): ExtensionRecord => parseItem(record, ENTITY, item);

/** The address devices register: username@realm (the registrar caches credentials under it). */
export const aorOf = (extension: Pick<ExtensionRecord, 'extension' | 'realm'>) => `${extension.extension}@${extension.realm}`;

/**
 * The seed's extension object (customer_id replaces the seed's older user_id) plus the
 * fields VoIPbin's current clients read: username (= extension) and domain_name (the
 * realm devices register to).
 */
export const view = deferred(() => {
  const field = record.shape;
  return z.object({
    id: field.id,
    customer_id: field.customer_id,
    name: field.name,
    detail: field.detail,
    domain_id: field.domain_id,
    extension: field.extension,
    username: z.string().check(z.describe('the SIP user name devices authenticate with; always equal to extension')),
    domain_name: z.string().check(z.describe("the SIP domain (realm) devices register to: the domain's realm")),
    password: field.password,
    direct_hash: field.direct_hash,
    tm_create: field.tm_create,
    tm_update: field.tm_update,
    tm_delete: timestamp,
  }).check(z.meta({ id: 'Extension' }));
});
export type ExtensionView = z.output<typeof view>;

export const toView = (extension: ExtensionRecord, tmDelete = ''): ExtensionView =>
  view.parse({ ...extension, username: extension.extension, domain_name: extension.realm, tm_delete: tmDelete });

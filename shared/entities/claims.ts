import * as z from 'zod/mini';
import * as keys from '../table/keys.js';
import type { AccessKeyRecord } from './accessKey.js';
import type { DomainRecord } from './domain.js';
import type { ExtensionRecord } from './extension.js';
import { ENTITY_ATTRIBUTE, parseItem } from './item.js';
import { deferred } from '../schemas/deferred.js';

/**
 * The platform-wide lookup items. Each is keyed by a value that must be unique across
 * all customers (written with attribute_not_exists, the item claims the value) and names
 * its owner, so one GetItem resolves the value to the owner. Each is built from its
 * owner's record and written or deleted in the same transaction as the owner.
 */

// ---------------------------------------------------------------------------------------
// The number claim: (realm, username) to the extension and its digest credentials

const SIP_CREDENTIAL = 'sip-credential';

/** What the registrar needs for digest auth, in ONE item; its key is THE uniqueness guard of a number in its realm. */
export const sipCredential = deferred(() => z.object({
  customer_id: z.string(),
  extension_id: z.string(),
  domain_id: z.string(),
  username: z.string(),
  realm: z.string(),
  /** md5(username:realm:password), hex */
  ha1: z.string(),
  /** md5(username@realm:realm:password), hex */
  ha1b: z.string(),
}));
export type SipCredential = z.output<typeof sipCredential>;
export type Ha1s = Pick<SipCredential, 'ha1' | 'ha1b'>;

/** The realm is case-insensitive (lower-cased in the key), the username is not. */
export const sipCredentialKey = (realm: string, username: string) => keys.sipCredentialKey(realm, username);
export const sipCredentialKeyOf = (extension: ExtensionRecord) => sipCredentialKey(extension.realm, extension.extension);

export const sipCredentialItem = (extension: ExtensionRecord, ha1: Ha1s) => ({
  ...sipCredentialKeyOf(extension),
  [ENTITY_ATTRIBUTE]: SIP_CREDENTIAL,
  ...({
    customer_id: extension.customer_id,
    extension_id: extension.id,
    domain_id: extension.domain_id,
    username: extension.extension,
    realm: extension.realm,
    ...ha1,
  } satisfies SipCredential),
});

export const sipCredentialOf = (item: Record<string, unknown>): SipCredential => parseItem(sipCredential, SIP_CREDENTIAL, item);

// ---------------------------------------------------------------------------------------
// The direct-hash claim: sip:direct.<hash>@… to the extension and its AOR

const DIRECT_HASH = 'direct-hash';

export const directHashClaim = deferred(() => z.object({
  direct_hash: z.string(),
  customer_id: z.string(),
  extension_id: z.string(),
  domain_id: z.string(),
  username: z.string(),
  realm: z.string(),
}));
export type DirectHashClaim = z.output<typeof directHashClaim>;

/** A direct_hash: 12 lowercase hex characters; anything else names no extension. */
export const DIRECT_HASH_PATTERN = /^[0-9a-f]{12}$/;

export const directHashKey = (directHash: string) => keys.directHashKey(directHash);

export const directHashItem = (extension: ExtensionRecord, directHash: string) => ({
  ...directHashKey(directHash),
  [ENTITY_ATTRIBUTE]: DIRECT_HASH,
  ...({
    direct_hash: directHash,
    customer_id: extension.customer_id,
    extension_id: extension.id,
    domain_id: extension.domain_id,
    username: extension.extension,
    realm: extension.realm,
  } satisfies DirectHashClaim),
});

export const directHashClaimOf = (item: Record<string, unknown>): DirectHashClaim =>
  parseItem(directHashClaim, DIRECT_HASH, item);

// ---------------------------------------------------------------------------------------
// The domain-name claim: domain_name to the domain that holds it

const DOMAIN_NAME = 'domain-name';

export const domainNameClaim = deferred(() => z.object({
  customer_id: z.string(),
  domain_id: z.string(),
  /** Absent on claims written before it was kept. */
  realm: z.optional(z.string()),
}));
export type DomainNameClaim = z.output<typeof domainNameClaim>;

export const domainNameKey = (domainName: string) => keys.domainNameKey(domainName);

export const domainNameItem = (domain: DomainRecord) => ({
  ...domainNameKey(domain.domain_name),
  [ENTITY_ATTRIBUTE]: DOMAIN_NAME,
  ...({ customer_id: domain.customer_id, domain_id: domain.id, realm: domain.realm } satisfies DomainNameClaim),
});

export const domainNameClaimOf = (item: Record<string, unknown>): DomainNameClaim =>
  parseItem(domainNameClaim, DOMAIN_NAME, item);

// ---------------------------------------------------------------------------------------
// The access key lookup: SHA-256 of a secret to its key (one GetItem authenticates)

const ACCESS_KEY_LOOKUP = 'accesskey-lookup';

/** What authentication needs. */
export const accessKeyLookup = deferred(() => z.object({
  customer_id: z.string(),
  accesskey_id: z.string(),
  /** Epoch ms, 0 = never expires (copied from the key, which never changes it). */
  expire_at: z.number(),
}));
export type AccessKeyLookup = z.output<typeof accessKeyLookup>;

export const accessKeyLookupKey = (secretHash: string) => keys.accessKeyHashKey(secretHash);

export const accessKeyLookupItem = (accessKey: AccessKeyRecord) => ({
  ...accessKeyLookupKey(accessKey.secret_hash),
  [ENTITY_ATTRIBUTE]: ACCESS_KEY_LOOKUP,
  ...({
    customer_id: accessKey.customer_id,
    accesskey_id: accessKey.id,
    expire_at: accessKey.expire_at,
  } satisfies AccessKeyLookup),
});

export const accessKeyLookupOf = (item: Record<string, unknown>): AccessKeyLookup =>
  parseItem(accessKeyLookup, ACCESS_KEY_LOOKUP, item);

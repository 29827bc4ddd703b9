import {
  DIRECT_HASH_PATTERN,
  directHashClaimOf,
  directHashItem,
  directHashKey,
  sipCredentialItem,
  sipCredentialKey,
  sipCredentialKeyOf,
  sipCredentialOf,
  type DirectHashClaim,
  type Ha1s,
  type SipCredential,
} from '../entities/claims.js';
import * as Extension from '../entities/extension.js';
import { extensionCountChange } from './domains.js';
import { setGivenFields, updateGivenFields } from './expressions.js';
import { readItem } from './readItem.js';
import { queryPage, type Page, type PageRequest } from './queryPage.js';
import { deleteItem, putNew, transactWrite, updateItem, type TransactionWrite, type TransactItem } from './transactions.js';

/** Items of other entities that ride along in an extension's transaction (shared/domain/registrations.ts). */
export type { TransactItem };

export type InsertOutcome = 'ok' | 'domain-not-found' | 'extension-taken' | 'direct-hash-taken';

/**
 * Creates the extension in one transaction with: the SIP credential item (its
 * attribute_not_exists condition is THE uniqueness guard of the number within the
 * realm), the direct-hash claim, and the domain's extension count (whose condition
 * proves the domain still exists for this customer). Concurrent creates of one number
 * conflict on the domain item and the credential item; transactWrite retries the
 * conflicts, so exactly one wins and the others fail the credential condition.
 */
export async function insertExtension(extension: Extension.ExtensionRecord, ha1: Ha1s): Promise<InsertOutcome> {
  const result = await transactWrite([
    {
      write: extensionCountChange(extension.customer_id, extension.domain_id, 1),
      onConditionFailed: 'domain-not-found' as const,
    },
    { write: putNew(sipCredentialItem(extension, ha1)), onConditionFailed: 'extension-taken' as const },
    { write: putNew(directHashItem(extension, extension.direct_hash)), onConditionFailed: 'direct-hash-taken' as const },
    // A time-ordered random id that exists already is a broken invariant, not an answer.
    { write: putNew(Extension.toItem(extension)) },
  ]);
  if (result.ok) return 'ok';
  // When several fail at once, the answer the caller can act on first: no domain makes the
  // number moot, and a taken number is the caller's to change before a hash is redrawn.
  if (result.failed.has('domain-not-found')) return 'domain-not-found';
  if (result.failed.has('extension-taken')) return 'extension-taken';
  return 'direct-hash-taken';
}

export async function getExtension(customerId: string, extensionId: string): Promise<Extension.ExtensionRecord | undefined> {
  return readItem(Extension.key(customerId, extensionId), Extension.fromItem);
}

/** Newest first, one Query per page. GSIs are eventually consistent (docs/data-model.md). */
export function listExtensions(
  customerId: string,
  domainId: string | undefined,
  page: PageRequest,
): Promise<Page<Extension.ExtensionRecord>> {
  return queryPage(
    {
      scope: { customerId, listing: 'extensions', ...(domainId ? { filter: `domain_id=${domainId}` } : {}) },
      ...Extension.listing(customerId, domainId),
    },
    page,
    Extension.fromItem,
  );
}

/** name/detail only: one UpdateItem, only the given fields. undefined = no such extension. */
export async function updateExtensionFields(
  customerId: string,
  extensionId: string,
  changes: { name?: string; detail?: string },
  tmUpdate: string,
): Promise<Extension.ExtensionRecord | undefined> {
  return updateGivenFields(Extension.key(customerId, extensionId), changes, tmUpdate, Extension.fromItem);
}

/**
 * Changes the password and the credential item's HA1s in one transaction: the old
 * password stops working for digest auth the moment this commits. false = the
 * extension is gone.
 */
export async function updateExtensionWithPassword(
  existing: Extension.ExtensionRecord,
  changes: { name?: string; detail?: string; password: string },
  ha1: Ha1s,
  tmUpdate: string,
): Promise<boolean> {
  const update = setGivenFields(changes, tmUpdate);
  const result = await transactWrite([
    {
      write: updateItem(Extension.key(existing.customer_id, existing.id), update.UpdateExpression, {
        condition: 'attribute_exists(#pk)',
        names: update.ExpressionAttributeNames,
        values: update.ExpressionAttributeValues,
      }),
      onConditionFailed: 'gone',
    },
    {
      // The credential item goes with the extension: gone with it, or (after a delete and
      // a create of the same number) another extension's.
      write: updateItem(sipCredentialKeyOf(existing), 'SET ha1 = :ha1, ha1b = :ha1b', {
        condition: 'extension_id = :id',
        values: { ':ha1': ha1.ha1, ':ha1b': ha1.ha1b, ':id': existing.id },
      }),
      onConditionFailed: 'gone',
    },
  ]);
  return result.ok;
}

/** The extension still has the hash the caller read ('' = none yet). */
const hashIs = (hash: string) => (hash ? 'direct_hash = :hash' : '(attribute_not_exists(direct_hash) OR direct_hash = :hash)');

/** The write that frees the extension's current direct hash, if it has one. */
const oldHashRelease = (existing: Extension.ExtensionRecord): TransactionWrite<never>[] =>
  existing.direct_hash ? [{ write: deleteItem(directHashKey(existing.direct_hash)) }] : [];

/**
 * Swaps the direct hash: drops the old claim, claims the new hash, updates the
 * extension, in one transaction. The extension's condition on its current hash makes a
 * concurrent regenerate (or delete) fail instead of leaving an orphan claim.
 */
export async function replaceDirectHash(
  existing: Extension.ExtensionRecord,
  newHash: string,
  tmUpdate: string,
): Promise<'ok' | 'changed' | 'direct-hash-taken'> {
  const result = await transactWrite<'changed' | 'direct-hash-taken'>([
    {
      write: updateItem(Extension.key(existing.customer_id, existing.id), 'SET direct_hash = :new, tm_update = :tm_update', {
        condition: `attribute_exists(PK) AND ${hashIs(existing.direct_hash)}`,
        values: { ':new': newHash, ':tm_update': tmUpdate, ':hash': existing.direct_hash },
      }),
      onConditionFailed: 'changed',
    },
    { write: putNew(directHashItem(existing, newHash)), onConditionFailed: 'direct-hash-taken' },
    ...oldHashRelease(existing),
  ]);
  if (result.ok) return 'ok';
  // Both mean "read again and retry" to the caller; a changed extension is the one to report.
  return result.failed.has('changed') ? 'changed' : 'direct-hash-taken';
}

/**
 * Deletes the extension, its credential item and its direct-hash claim and decrements
 * the domain's count, in one transaction. The extension's condition on its direct hash
 * guards against a regenerate that raced in after the caller's read ('changed': read
 * again and retry). `extra` items ride along in the same transaction (e.g. removal of
 * registration bindings; DynamoDB allows 100 items per transaction, 4 are used here).
 */
export async function deleteExtensionItems(
  existing: Extension.ExtensionRecord,
  extra: TransactItem[] = [],
): Promise<'ok' | 'changed'> {
  const result = await transactWrite<'changed'>([
    {
      write: deleteItem(Extension.key(existing.customer_id, existing.id), {
        condition: `attribute_exists(PK) AND ${hashIs(existing.direct_hash)}`,
        values: { ':hash': existing.direct_hash },
      }),
      onConditionFailed: 'changed',
    },
    { write: deleteItem(sipCredentialKeyOf(existing)) },
    // The domain cannot go while it has extensions: its count condition failing is a broken invariant.
    { write: extensionCountChange(existing.customer_id, existing.domain_id, -1) },
    ...oldHashRelease(existing),
    ...extra.map((write) => ({ write })),
  ]);
  return result.ok ? 'ok' : 'changed';
}

/** The registrar's digest lookup: ONE GetItem (strongly consistent: a password change applies at once). */
export async function findSipCredential(realm: string, username: string): Promise<SipCredential | undefined> {
  return readItem(sipCredentialKey(realm, username), sipCredentialOf);
}

/** sip:direct.<hash>@… to the extension: ONE GetItem (strongly consistent: a regenerate applies at once). */
export async function findExtensionByDirectHash(directHash: string): Promise<DirectHashClaim | undefined> {
  if (!DIRECT_HASH_PATTERN.test(directHash)) return undefined;
  return readItem(directHashKey(directHash), directHashClaimOf);
}

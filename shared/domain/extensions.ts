import { alreadyExists, contended, invalidArgument, notFound } from '../errors.js';
import { formatTimestamp, newId, nowTimestamp, UUID_PATTERN } from '../ids.js';
import { invalidateRegistrarCredentials } from '../registrar/control.js';
import { readExtensionBindings } from '../store/bindings.js';
import * as store from '../store/extensions.js';
import { AGAIN, immediately, retrying } from '../store/retry.js';
import type { PageRequest } from '../store/queryPage.js';
import { domainNotFound, requireDomain, resolveDefaultDomain } from './domains.js';
import { bindingRemovalForExtensionDelete } from './registrations.js';
import type * as z from 'zod';
import { aorOf, fromItem, toView as toExtensionView, type ExtensionRecord } from '../entities/extension.js';
import type { extensionCreate, extensionUpdate } from '../schemas/extensions.js';
import { computeHa1, generatePassword, newDirectHash, passwordProblem } from './secrets.js';

export type ExtensionInput = z.output<typeof extensionCreate>;

export type ExtensionChanges = z.output<typeof extensionUpdate>;

export const extensionNotFound = () => notFound('EXTENSION_NOT_FOUND', 'No extension with this id.');

/**
 * After a committed change to what the registrar's credential lookup answers for this
 * extension: the registrar's cache forgets the AOR (a negative entry included) before we
 * reply. Never fails the request (shared/registrar/control.ts).
 */
const invalidateCachedCredential = (record: { extension: string; realm: string }) =>
  invalidateRegistrarCredentials({ aor: aorOf(record) });

// ---------------------------------------------------------------------------------------
// Operations

const DIRECT_HASH_ATTEMPTS = 5;
const RACE_ATTEMPTS = 5;

function checkPassword(password: string, extension: string) {
  const problem = passwordProblem(password, extension);
  if (problem) throw invalidArgument('INVALID_PASSWORD', problem);
}

export interface CreateOptions {
  /** Epoch ms; tests inject a fixed clock to make many extensions share tm_create. */
  clock?: () => number;
}

/**
 * Two round trips: a GetItem of the domain (the credential item's key needs the realm,
 * which only the domain item knows) or, without domain_id, of the default domain's name
 * claim (a third, once, when the default domain is created), then one transaction (see
 * store.insertExtension). The password is returned as given or generated (omitted or
 * ""); the registrar gets only its HA1s. Then the registrar's cache forgets the AOR: it
 * may hold a negative entry from a device that tried the number before it existed.
 */
export async function createExtension(customerId: string, input: ExtensionInput, options: CreateOptions = {}) {
  const given = input.password ? input.password : undefined;
  if (given !== undefined) checkPassword(given, input.extension);
  const clock = options.clock ?? Date.now;
  const password = given ?? generatePassword(input.extension);
  const useDefault = input.domain_id === undefined;

  let domainAttempts = 0;
  let hashAttempts = 0;
  return retrying(async () => {
    const domain = useDefault ? await resolveDefaultDomain(customerId) : await requireDomain(customerId, input.domain_id!);
    const ha1 = computeHa1(input.extension, domain.realm, password);
    const now = clock();
    const record: ExtensionRecord = {
      id: newId(now),
      customer_id: customerId,
      name: input.name ?? '',
      detail: input.detail ?? '',
      domain_id: domain.id,
      extension: input.extension,
      password,
      direct_hash: newDirectHash(),
      realm: domain.realm,
      tm_create: formatTimestamp(now),
      tm_update: '',
    };
    const outcome = await store.insertExtension(record, ha1);
    if (outcome === 'ok') {
      await invalidateCachedCredential(record);
      return toExtensionView(record);
    }
    if (outcome === 'domain-not-found') {
      // The default domain was deleted since it was read: make it again.
      if (useDefault && ++domainAttempts < RACE_ATTEMPTS) return AGAIN;
      throw domainNotFound();
    }
    if (outcome === 'extension-taken') {
      throw alreadyExists(
        'EXTENSION_ALREADY_EXISTS',
        `Extension "${input.extension}" already exists in this domain; choose another number.`,
      );
    }
    // direct-hash-taken: 48 random bits collided with another extension's; draw again.
    if (++hashAttempts >= DIRECT_HASH_ATTEMPTS) throw contended();
    return AGAIN;
  }, { attempts: RACE_ATTEMPTS + DIRECT_HASH_ATTEMPTS, backoff: immediately });
}

/** The stored record or a 404; ids that cannot exist cost no round trip. */
/** Callers pass path ids, which idParams has already checked are UUIDs. */
export async function requireExtension(customerId: string, extensionId: string): Promise<ExtensionRecord> {
  const record = await store.getExtension(customerId, extensionId);
  if (!record) throw extensionNotFound();
  return record;
}

export async function getExtension(customerId: string, extensionId: string) {
  return toExtensionView(await requireExtension(customerId, extensionId));
}

/**
 * All the caller's extensions, or one domain's. A domain_id that is unknown, malformed
 * or another customer's gives an empty list (never revealing whether it exists).
 */
export async function listExtensions(customerId: string, domainId: string | undefined, page: PageRequest) {
  if (domainId !== undefined && !UUID_PATTERN.test(domainId)) return { items: [], nextPageToken: '' };
  const result = await store.listExtensions(customerId, domainId, page);
  return { items: result.items.map((r) => toExtensionView(r)), nextPageToken: result.nextPageToken };
}

/**
 * Only given fields change (VoIPbin blanks an omitted password; we do not), and a
 * password of "" means unchanged too (VoIPbin's SDK sends "" for fields it does not set).
 * Without a password: one UpdateItem. With one: a GetItem (the password rule needs the
 * extension number, the credential item's key needs realm and number) and then one
 * transaction rewriting the password and the HA1s together, and then the registrar's
 * cache forgets the old HA1. Name and detail are not credentials: no registrar request.
 */
export async function updateExtension(customerId: string, extensionId: string, changes: ExtensionChanges) {
  const tmUpdate = nowTimestamp();
  const fields = { name: changes.name, detail: changes.detail };
  const password = changes.password ? changes.password : undefined;
  if (password === undefined) {
    const record = await store.updateExtensionFields(customerId, extensionId, fields, tmUpdate);
    if (!record) throw extensionNotFound();
    return toExtensionView(record);
  }
  const existing = await requireExtension(customerId, extensionId);
  checkPassword(password, existing.extension);
  const ha1 = computeHa1(existing.extension, existing.realm, password);
  const ok = await store.updateExtensionWithPassword(existing, { ...fields, password }, ha1, tmUpdate);
  if (!ok) throw extensionNotFound();
  await invalidateCachedCredential(existing);
  const updated: ExtensionRecord = {
    ...existing,
    ...(changes.name !== undefined ? { name: changes.name } : {}),
    ...(changes.detail !== undefined ? { detail: changes.detail } : {}),
    password,
    tm_update: tmUpdate,
  };
  return toExtensionView(updated);
}

/**
 * Replaces direct_hash; the old one resolves to nothing from the commit on. A GetItem
 * first: the old hash's claim item is keyed by the hash only the extension knows.
 */
export async function regenerateDirectHash(customerId: string, extensionId: string) {
  return retrying(async () => {
    const existing = await requireExtension(customerId, extensionId);
    const newHash = newDirectHash();
    const tmUpdate = nowTimestamp();
    const outcome = await store.replaceDirectHash(existing, newHash, tmUpdate);
    if (outcome === 'ok') return toExtensionView({ ...existing, direct_hash: newHash, tm_update: tmUpdate });
    // 'changed': deleted or regenerated concurrently; 'direct-hash-taken': collision.
    // Either way read again (a deleted extension then answers 404).
    return AGAIN;
  }, { attempts: RACE_ATTEMPTS + DIRECT_HASH_ATTEMPTS, backoff: immediately });
}

/**
 * Deletes the extension with everything that hangs off it, in one transaction: the
 * extension item, its SIP credential item (the registrar refuses it at once), its
 * direct-hash claim, and the domain's extension count. The number is free again right
 * after. One Query of the extension's partition first: the credential and direct-hash
 * items are keyed by values (realm, number, hash) that only the extension item holds,
 * and the same read returns the bindings to delete.
 * Registration bindings (extensionPartition, SK BINDING#…) go in the same transaction.
 * Once it committed, the registrar's cache forgets the AOR's credential (first, so no
 * refresh can still pass on a cached HA1), then the registrar is asked to drop the AOR's
 * bindings; both best effort (shared/domain/registrations.ts,
 * bindingRemovalForExtensionDelete).
 */
export async function deleteExtension(customerId: string, extensionId: string) {
  return retrying(async () => {
    const { extension, bindings } = await readExtensionBindings(customerId, extensionId);
    if (!extension) throw extensionNotFound();
    const existing = fromItem(extension);
    const removal = bindingRemovalForExtensionDelete(customerId, extensionId, aorOf(existing), bindings);
    // 'changed': a regenerate or delete raced in; read again (gone = 404).
    if ((await store.deleteExtensionItems(existing, removal.transactItems)) === 'changed') return AGAIN;
    await invalidateCachedCredential(existing);
    await removal.afterCommit();
    return toExtensionView(existing, nowTimestamp());
  }, { attempts: RACE_ATTEMPTS, backoff: immediately });
}

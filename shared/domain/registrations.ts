import { config } from '../config.js';
import { notFound } from '../errors.js';
import { UUID_PATTERN } from '../ids.js';
import { logger } from '../log.js';
import { mapLimit } from '../mapLimit.js';
import { controlConfigured, dropRegistrarBindings } from '../registrar/control.js';
import * as store from '../store/bindings.js';
import { applyBindingEvent } from '../store/bindingWrites.js';
import { removed } from '../store/bindingTransitions.js';
import type { TransactItem } from '../store/extensions.js';
import { staleOrMalformed } from '../store/pageKey.js';
import { clampPageSize, decodePageToken, encodePageToken } from '../store/paging.js';
import type { PageRequest } from '../store/queryPage.js';
import type * as z from 'zod';
import type { regInfo } from '../schemas/registrations.js';
import { isLive, isVisible, toView } from '../entities/binding.js';

export type { RegistrationView } from '../entities/binding.js';

/** Ended registrations shown when none is live. */
export const HISTORY_LIMIT = 10;
/** Per-extension lookups of one request run this many at a time. */
const LOOKUP_CONCURRENCY = 8;

export type RegInfo = z.output<typeof regInfo>;

/**
 * Telphin's RegInfo: the live bindings (latest expiry first); when there is none, the
 * last ended ones (at most HISTORY_LIMIT, most recently ended first). Expiry is judged
 * here against the clock, not by whether the registrar said `expired` or TTL swept.
 */
export function regInfoOf(extensionId: string, bindings: store.BindingRecord[], now = Date.now()): RegInfo {
  const nowSeconds = now / 1000;
  const shown = bindings.filter((b) => isVisible(b, nowSeconds));
  const current = shown.filter((b) => isLive(b, nowSeconds));
  const byExpiry = (a: store.BindingRecord, b: store.BindingRecord) =>
    b.expires_at - a.expires_at || b.updated_at - a.updated_at;
  if (current.length) {
    return { extension_id: extensionId, registered: true, registrations: current.sort(byExpiry).map((b) => toView(b, nowSeconds)) };
  }
  return {
    extension_id: extensionId,
    registered: false,
    registrations: shown.sort(byExpiry).slice(0, HISTORY_LIMIT).map((b) => toView(b, nowSeconds)),
  };
}

const extensionNotFound = () => notFound('EXTENSION_NOT_FOUND', 'No extension with this id.');

/** ONE Query: the extension item (existence and ownership) and its bindings. */
async function readOwned(customerId: string, extensionId: string) {
  if (!UUID_PATTERN.test(extensionId)) return undefined;
  const { extension, bindings } = await store.readExtensionBindings(customerId, extensionId);
  return extension ? { extension, bindings } : undefined;
}

export async function getRegistrations(customerId: string, extensionId: string): Promise<RegInfo> {
  const owned = await readOwned(customerId, extensionId);
  if (!owned) throw extensionNotFound();
  return regInfoOf(extensionId, owned.bindings);
}

/**
 * RegInfo for each id asked, in the order asked. An id that names no extension of the
 * caller's (unknown, malformed, or another customer's) answers exactly like an own
 * extension that never registered: {extension_id, registered: false, registrations: []},
 * so the reply reveals nothing about other customers. Repeated ids are looked up once.
 */
export async function getRegistrationsOf(customerId: string, extensionIds: readonly string[]): Promise<RegInfo[]> {
  const unique = [...new Set(extensionIds)];
  const infos = await mapLimit(unique, LOOKUP_CONCURRENCY, async (id) => {
    const owned = await readOwned(customerId, id);
    return owned ? regInfoOf(id, owned.bindings) : { extension_id: id, registered: false, registrations: [] };
  });
  const byId = new Map(unique.map((id, i) => [id, infos[i]!]));
  return extensionIds.map((id) => byId.get(id)!);
}

/**
 * Without ids: a page of the caller's extensions that have registration data (live or
 * history), newest extension first, read from the bindings index: one Query for a
 * usual page, and extensions that never registered cost nothing. An extension whose
 * bindings are all hidden (removed, or past retention but not yet swept) is left out,
 * so a page may be shorter than page_size while next_page_token is not "".
 */
export async function listRegistrations(customerId: string, page: PageRequest) {
  const scope = { customerId, listing: 'extension-registrations' };
  const cursor = await decodePageToken(page.pageToken, scope);
  // The cursor is the last extension id of the previous page: anything else is refused (400).
  const before = typeof cursor?.before === 'string' && UUID_PATTERN.test(cursor.before) ? cursor.before : undefined;
  if (cursor && (!before || Object.keys(cursor).length !== 1)) throw staleOrMalformed();
  const { groups, more } = await store.pageBindingsByExtension(customerId, clampPageSize(page.pageSize), before);
  const now = Date.now();
  return {
    result: groups
      .map((group) => regInfoOf(group.extensionId, group.bindings, now))
      .filter((info) => info.registrations.length > 0),
    next_page_token: more ? await encodePageToken({ before: groups[groups.length - 1]!.extensionId }, scope) : '',
  };
}

const aorOf = (extension: Record<string, unknown>, bindings: store.BindingRecord[]) =>
  bindings.find((b) => b.aor)?.aor ??
  (extension.extension && extension.realm ? `${String(extension.extension)}@${String(extension.realm)}` : undefined);

const ownerOf = (customerId: string, extensionId: string, aor: string): store.BindingOwner => ({
  customerId,
  extensionId,
  aor,
  retentionDays: config.registrationRetentionDays,
});

/**
 * Force-unregisters one binding: the registrar drops it first (when a control endpoint
 * is configured; if it fails, 502/503 and nothing changes), then the record becomes a
 * hidden tombstone. Without a control endpoint only the record goes: the device is back
 * at its next refresh. Unknown, or already removed: 404.
 */
export async function deleteRegistration(customerId: string, extensionId: string, registrationId: string) {
  const owned = await readOwned(customerId, extensionId);
  if (!owned) throw extensionNotFound();
  const binding = owned.bindings.find((b) => b.registration_id === registrationId && b.ended_by !== 'removed');
  if (!binding) throw notFound('REGISTRATION_NOT_FOUND', 'No registration with this id on this extension.');
  const aor = binding.aor || aorOf(owned.extension, owned.bindings) || '';
  await dropRegistrarBindings({ aor, registrationId });
  const outcome = await removeBinding(ownerOf(customerId, extensionId, aor), binding);
  if (outcome !== 'applied') throw notFound('REGISTRATION_NOT_FOUND', 'No registration with this id on this extension.');
}

/**
 * The API's own removal: the binding becomes a hidden tombstone as of now (API clock),
 * or as of the report it removes if the registrar's clock stamped that later, so a
 * webhook not newer than what was removed cannot bring it back; the device's next
 * refresh can.
 */
const removeBinding = (owner: store.BindingOwner, binding: store.BindingRecord) =>
  applyBindingEvent(
    owner,
    binding.registration_id,
    removed(Math.max(Date.now() / 1000, binding.state.report?.seen_at ?? 0)),
    { known: binding },
  );

/** Force-unregisters every binding of the extension (204 even when there is none). */
export async function deleteRegistrations(customerId: string, extensionId: string) {
  const owned = await readOwned(customerId, extensionId);
  if (!owned) throw extensionNotFound();
  const aor = aorOf(owned.extension, owned.bindings);
  if (aor) await dropRegistrarBindings({ aor });
  const owner = ownerOf(customerId, extensionId, aor ?? '');
  const pending = owned.bindings.filter((b) => b.ended_by !== 'removed');
  await mapLimit(pending, LOOKUP_CONCURRENCY, (b) => removeBinding(owner, b));
}

/** DynamoDB's transaction limit, less the extension delete's own items. */
const MAX_BINDINGS_IN_DELETE = 90;

/**
 * For deleting an extension (shared/domain/extensions.ts): its bindings' Delete items,
 * which ride in the extension's delete transaction, and a follow-up to run once that
 * committed: bindings beyond the transaction's room are deleted in batches, and the
 * registrar is asked to drop the AOR's bindings (best effort: a failure is logged, the
 * extension stays deleted; its lookups already fail and the caller has already told the
 * registrar's credential cache to forget the AOR, so the device cannot register again,
 * and its binding lapses at its expiry).
 */
export function bindingRemovalForExtensionDelete(
  customerId: string,
  extensionId: string,
  aor: string,
  bindings: readonly store.BindingRecord[],
) {
  const inTransaction = bindings.slice(0, MAX_BINDINGS_IN_DELETE);
  const transactItems: TransactItem[] = store.bindingDeletes(customerId, extensionId, inTransaction);
  const afterCommit = async () => {
    if (bindings.length > inTransaction.length) await store.deleteAllBindings(customerId, extensionId);
    if (!controlConfigured()) return;
    try {
      await dropRegistrarBindings({ aor });
    } catch {
      logger.warn('registrar control failed after extension delete', { extension_id: extensionId });
    }
  };
  return { transactItems, afterCommit };
}

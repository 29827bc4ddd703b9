import type * as z from 'zod';
import { config } from '../config.js';
import { toView as toAccessKeyView, type AccessKeyRecord } from '../entities/accessKey.js';
import { notFound, unauthenticated } from '../errors.js';
import { newId, nowTimestamp } from '../ids.js';
import type { accessKeyCreate, accessKeyUpdate } from '../schemas/accessKeys.js';
import * as store from '../store/accessKeys.js';
import type { PageRequest } from '../store/queryPage.js';
import { hashSecret, newAccessKeySecret, tokenPrefixOf } from './secrets.js';

export type AccessKeyInput = z.output<typeof accessKeyCreate>;

export type AccessKeyChanges = z.output<typeof accessKeyUpdate>;

export function newAccessKey(customerId: string, input: AccessKeyInput, secret = newAccessKeySecret()) {
  const record: AccessKeyRecord = {
    id: newId(),
    customer_id: customerId,
    name: input.name ?? '',
    detail: input.detail ?? '',
    secret_hash: hashSecret(secret),
    token_prefix: tokenPrefixOf(secret),
    expire_at: input.expire ? Date.now() + input.expire * 1000 : 0,
    tm_create: nowTimestamp(),
    tm_update: '',
  };
  return { record, secret };
}

/** Creates a key; the secret is in the result and nowhere else, ever again. */
export async function createAccessKey(customerId: string, input: AccessKeyInput) {
  const { record, secret } = newAccessKey(customerId, input);
  await store.insertAccessKey(record);
  return { accessKey: toAccessKeyView(record), secret };
}

export async function listAccessKeys(customerId: string, page: PageRequest) {
  const result = await store.listAccessKeys(customerId, page);
  return { items: result.items.map((r) => toAccessKeyView(r)), nextPageToken: result.nextPageToken };
}

export async function getAccessKey(customerId: string, accessKeyId: string) {
  const record = await store.getAccessKey(customerId, accessKeyId);
  if (!record) throw accessKeyNotFound();
  return toAccessKeyView(record);
}

/** Only the fields the body gives change; the secret and the expiry never do (and the secret is never shown again). */
export async function updateAccessKey(customerId: string, accessKeyId: string, changes: AccessKeyChanges) {
  const record = await store.updateAccessKey(
    customerId,
    accessKeyId,
    { name: changes.name, detail: changes.detail },
    nowTimestamp(),
  );
  if (!record) throw accessKeyNotFound();
  return toAccessKeyView(record);
}

export async function deleteAccessKey(customerId: string, accessKeyId: string) {
  const record = await store.deleteAccessKey(customerId, accessKeyId);
  if (!record) throw accessKeyNotFound();
  forgetCachedKey(record.secret_hash);
  return toAccessKeyView(record, nowTimestamp());
}

const accessKeyNotFound = () => notFound('ACCESSKEY_NOT_FOUND', 'No access key with this id.');

export interface Caller {
  customerId: string;
  accessKeyId: string;
}

/**
 * Verified keys are cached briefly per instance so most requests pay no extra round trip
 * for authentication. Deleting a key evicts it here at once; other instances (other
 * route functions on AWS) honour the deletion within AUTH_CACHE_SECONDS.
 *
 * A lookup that was in flight while the key was deleted read the key before the delete:
 * it must not put the key back into the cache. Every eviction bumps `evictions`; a lookup
 * caches its answer only if no eviction happened since it started. A deleted key's hash is
 * also remembered (a secret is never reissued), so this instance refuses it without asking.
 */
const verifiedKeys = new Map<string, { caller: Caller; expireAt: number; cachedUntil: number }>();
const deletedKeys = new Set<string>();
const MAX_CACHED = 1000;
let evictions = 0;

function forgetCachedKey(secretHash: string) {
  evictions++;
  verifiedKeys.delete(secretHash);
  // Bounded: past the limit the oldest tombstone goes; the table is the truth anyway.
  if (deletedKeys.size >= MAX_CACHED) deletedKeys.delete(deletedKeys.values().next().value!);
  deletedKeys.add(secretHash);
}

const keyRefused = () => unauthenticated('INVALID_ACCESS_KEY', 'The access key is unknown, deleted or expired.');

export async function authenticate(secret: string): Promise<Caller> {
  const secretHash = hashSecret(secret);
  if (deletedKeys.has(secretHash)) throw keyRefused();
  const now = Date.now();
  const cacheMs = config.authCacheSeconds * 1000;
  const cached = cacheMs > 0 ? verifiedKeys.get(secretHash) : undefined;
  if (cached && cached.cachedUntil > now && (cached.expireAt === 0 || cached.expireAt > now)) return cached.caller;

  const evictionsBefore = evictions;
  const lookup = await store.findAccessKeyBySecretHash(secretHash);
  if (!lookup) {
    verifiedKeys.delete(secretHash);
    throw keyRefused();
  }
  if (lookup.expire_at && lookup.expire_at <= now) {
    throw unauthenticated('ACCESS_KEY_EXPIRED', 'The access key is unknown, deleted or expired.');
  }
  const caller = { customerId: lookup.customer_id, accessKeyId: lookup.accesskey_id };
  if (cacheMs > 0 && evictions === evictionsBefore && !deletedKeys.has(secretHash)) {
    if (verifiedKeys.size > MAX_CACHED) verifiedKeys.clear();
    verifiedKeys.set(secretHash, { caller, expireAt: lookup.expire_at, cachedUntil: now + cacheMs });
  }
  return caller;
}

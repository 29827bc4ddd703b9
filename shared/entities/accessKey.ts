import * as z from 'zod/mini';
import { formatTimestamp } from '../ids.js';
import { timestamp } from '../schemas/common.js';
import { accessKeyKey, accessKeysPrefix } from '../table/keys.js';
import { ENTITY_ATTRIBUTE, parseItem } from './item.js';
import { deferred } from '../schemas/deferred.js';

/**
 * An access key of a customer. The secret itself is never stored: the record keeps its
 * SHA-256 (which the global lookup item in claims.ts is keyed by) and its first
 * characters, to tell keys apart.
 */
const ENTITY = 'accesskey';

/** The stored access key item, the one definition of its fields. */
export const record = deferred(() => z.object({
  id: z.string(),
  customer_id: z.string(),
  name: z.string(),
  detail: z.string(),
  /** SHA-256 of the secret (shared/domain/secrets.ts, hashSecret). */
  secret_hash: z.string(),
  /** The secret's first characters (shared/domain/secrets.ts, tokenPrefixOf); keys made before it was kept lack it. */
  token_prefix: z._default(z.string(), ''),
  /** Epoch ms, 0 = never expires. */
  expire_at: z.number(),
  tm_create: timestamp,
  tm_update: timestamp,
}));
export type AccessKeyRecord = z.output<typeof record>;

export const key = (customerId: string, accessKeyId: string) => accessKeyKey(customerId, accessKeyId);
/** A customer's keys: one partition, sort keys under this prefix. */
export const listing = (customerId: string) => {
  const prefix = accessKeysPrefix(customerId);
  return { partitionKey: prefix.PK, sortKeyPrefix: prefix.SKPrefix };
};

export const toItem = (accessKey: AccessKeyRecord) => ({
  ...key(accessKey.customer_id, accessKey.id),
  [ENTITY_ATTRIBUTE]: ENTITY,
  ...accessKey,
});

export const fromItem = (item: Record<string, unknown>): AccessKeyRecord => parseItem(record, ENTITY, item);

/** The API's access key: the record without the secret's hash, expire_at shown as tm_expire. */
export const view = deferred(() => z.object({
  id: record.shape.id,
  customer_id: record.shape.customer_id,
  name: record.shape.name,
  detail: record.shape.detail,
  token_prefix: z
    .string()
    .check(
      z.describe(
        'the first characters of the secret (at most 6, and at most a quarter of it), to tell keys apart; "" for keys made before it was kept',
      ),
    ),
  tm_expire: timestamp,
  tm_create: timestamp,
  tm_update: timestamp,
  tm_delete: timestamp,
}).check(z.meta({ id: 'AccessKey' })));
export type AccessKeyView = z.output<typeof view>;

/** Parsing drops what the view does not name: the hash of the secret can never reach a reply. */
export const toView = (accessKey: AccessKeyRecord, tmDelete = ''): AccessKeyView =>
  view.parse({
    ...accessKey,
    tm_expire: accessKey.expire_at ? formatTimestamp(accessKey.expire_at) : '',
    tm_delete: tmDelete,
  });

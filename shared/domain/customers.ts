import type * as z from 'zod';
import { unauthenticated } from '../errors.js';
import { formatTimestamp, newId, nowTimestamp } from '../ids.js';
import type { me } from '../schemas/customers.js';
import { getAccessKey, insertAccessKey } from '../store/accessKeys.js';
import * as store from '../store/customers.js';
import { newAccessKey, toAccessKeyView } from './accessKeys.js';

/** Operator-only (npm run admin, local seeding): no route creates customers. */
export async function createCustomer(name: string, options: { customerId?: string; secret?: string } = {}) {
  const customer = { id: options.customerId ?? newId(), name, tm_create: nowTimestamp() };
  const { record, secret } = newAccessKey(customer.id, { name: 'first key' }, options.secret);
  const created = await store.insertCustomerWithKey(customer, record);
  if (!created) throw new Error(`customer ${customer.id} or its key already exists`);
  return { customer, accessKey: { ...toAccessKeyView(record), token: secret } };
}

/** Adds a key with a secret the operator chose (the local LOCAL_ACCESS_KEY). */
export async function addAccessKeyWithSecret(customerId: string, name: string, secret: string) {
  const { record } = newAccessKey(customerId, { name }, secret);
  await insertAccessKey(record);
  return toAccessKeyView(record);
}

export const getCustomer = store.getCustomer;

export type MeView = z.output<typeof me>;

/**
 * GET /v1.0/me: the caller's own customer (built from the authenticated customer id
 * only: no other customer is reachable) and the key the request was made with. Two
 * GetItems, in parallel. A key or customer deleted since the (cached) authentication
 * answers 401, like an unknown key.
 */
export async function getMe(customerId: string, accessKeyId: string, permissions: readonly string[]): Promise<MeView> {
  const [customer, key] = await Promise.all([store.getCustomer(customerId), getAccessKey(customerId, accessKeyId)]);
  if (!customer || !key) throw unauthenticated('INVALID_ACCESS_KEY', 'The access key is unknown, deleted or expired.');
  return {
    id: customer.id,
    name: customer.name,
    tm_create: customer.tm_create,
    tm_update: customer.tm_update ?? '',
    tm_delete: '',
    accesskey: {
      id: key.id,
      name: key.name,
      token_prefix: key.token_prefix ?? '',
      tm_expire: key.expire_at ? formatTimestamp(key.expire_at) : '',
    },
    permissions: [...permissions],
  };
}

import { toView as toAccessKeyView } from '../entities/accessKey.js';
import { toMeView, type CustomerRecord, type MeView } from '../entities/customer.js';
import { unauthenticated } from '../errors.js';
import { newId, nowTimestamp } from '../ids.js';
import { getAccessKey, insertAccessKey } from '../store/accessKeys.js';
import * as store from '../store/customers.js';
import { newAccessKey } from './accessKeys.js';

/** Operator-only (npm run admin, local seeding): no route creates customers. */
export async function createCustomer(name: string, options: { customerId?: string; secret?: string } = {}) {
  const customer: CustomerRecord = { id: options.customerId ?? newId(), name, tm_create: nowTimestamp(), tm_update: '' };
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

/**
 * GET /v1.0/me: the caller's own customer (built from the authenticated customer id
 * only: no other customer is reachable) and the key the request was made with. Two
 * GetItems, in parallel. A key or customer deleted since the (cached) authentication
 * answers 401, like an unknown key.
 */
export async function getMe(customerId: string, accessKeyId: string, permissions: readonly string[]): Promise<MeView> {
  const [customer, key] = await Promise.all([store.getCustomer(customerId), getAccessKey(customerId, accessKeyId)]);
  if (!customer || !key) throw unauthenticated('INVALID_ACCESS_KEY', 'The access key is unknown, deleted or expired.');
  return toMeView(customer, key, permissions);
}

import { newId, nowTimestamp } from '../ids.js';
import { insertAccessKey } from '../store/accessKeys.js';
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

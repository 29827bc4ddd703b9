import * as AccessKey from '../entities/accessKey.js';
import * as Customer from '../entities/customer.js';
import { readItem } from './readItem.js';
import { accessKeyWrites } from './accessKeys.js';
import { putNew, transactWrite } from './transactions.js';

/** The customer and its first access key appear together or not at all. false: one of them exists. */
export async function insertCustomerWithKey(
  customer: Customer.CustomerRecord,
  firstKey: AccessKey.AccessKeyRecord,
): Promise<boolean> {
  const result = await transactWrite([
    { write: putNew(Customer.toItem(customer)), onConditionFailed: 'exists' },
    ...accessKeyWrites(firstKey, 'exists'),
  ]);
  return result.ok;
}

export async function getCustomer(customerId: string): Promise<Customer.CustomerRecord | undefined> {
  return readItem(Customer.key(customerId), Customer.fromItem);
}

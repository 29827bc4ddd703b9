import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { db, tableName } from '../table/client.js';
import { customerKey } from '../table/keys.js';
import { accessKeyPuts, type AccessKeyRecord } from './accessKeys.js';
import { transactWrite } from './transactions.js';

export interface CustomerRecord {
  id: string;
  name: string;
  tm_create: string;
  /** "" until changed (no route changes a customer yet). */
  tm_update?: string;
}

/** The customer and its first access key appear together or not at all. */
export async function insertCustomerWithKey(customer: CustomerRecord, firstKey: AccessKeyRecord): Promise<boolean> {
  const result = await transactWrite([
    {
      Put: {
        TableName: tableName(),
        Item: { ...customerKey(customer.id), entity: 'customer', ...customer },
        ConditionExpression: 'attribute_not_exists(PK)',
      },
    },
    ...accessKeyPuts(firstKey),
  ]);
  return result.ok;
}

export async function getCustomer(customerId: string): Promise<CustomerRecord | undefined> {
  const { Item } = await db().send(new GetCommand({ TableName: tableName(), Key: customerKey(customerId), ConsistentRead: true }));
  if (!Item) return undefined;
  return {
    id: Item.id as string,
    name: Item.name as string,
    tm_create: Item.tm_create as string,
    tm_update: (Item.tm_update as string | undefined) ?? '',
  };
}

import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { db, tableName } from '../table/client.js';
import { healthKey } from '../table/keys.js';

/** One GetItem of a fixed key: proves the table answers, reads no tenant data. */
export async function pingTable(): Promise<void> {
  await db().send(new GetCommand({ TableName: tableName(), Key: healthKey }), { abortSignal: AbortSignal.timeout(3000) });
}

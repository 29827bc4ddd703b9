import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { TestProject } from 'vitest/node';
import { startDynamoDbLocal } from '../../local/dynamodb.js';
import { ensureTable } from '../../shared/table/ensure.js';

export const TEST_TABLE = 'sip-registry-test';

declare module 'vitest' {
  export interface ProvidedContext {
    dynamodbEndpoint: string;
    tableName: string;
  }
}

/** One DynamoDB Local (in memory) for the whole run; tests isolate by customer. */
export default async function setup(project: TestProject) {
  const dynamo = await startDynamoDbLocal();
  const client = new DynamoDBClient({
    endpoint: dynamo.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  await ensureTable(client, TEST_TABLE);
  client.destroy();
  project.provide('dynamodbEndpoint', dynamo.endpoint);
  project.provide('tableName', TEST_TABLE);
  return async () => {
    await dynamo.stop();
  };
}

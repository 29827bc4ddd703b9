import {
  type AttributeDefinition,
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceNotFoundException,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import { createTableInput, tableDefinition } from './definition.js';

/**
 * Creates the table from the shared definition when it is missing (local and tests only;
 * on AWS CloudFormation owns it). Returns what it did.
 */
export async function ensureTable(client: DynamoDBClient, tableName: string): Promise<'created' | 'exists' | 'updated'> {
  try {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    const indexesAdded = await addMissingIndexes(client, tableName, Table?.GlobalSecondaryIndexes?.map((i) => i.IndexName!) ?? []);
    const streamEnabled = await enableStream(client, tableName, Table?.StreamSpecification?.StreamEnabled === true);
    return indexesAdded || streamEnabled ? 'updated' : 'exists';
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
  }
  await client.send(new CreateTableCommand(createTableInput(tableName)));
  await waitUntilTableExists({ client, maxWaitTime: 30 }, { TableName: tableName });
  await client.send(
    new UpdateTimeToLiveCommand({
      TableName: tableName,
      TimeToLiveSpecification: { AttributeName: tableDefinition.timeToLiveAttribute, Enabled: true },
    }),
  );
  return 'created';
}

/**
 * A local table made by an older version lacks indexes added since (GSI3): add them, one
 * UpdateTable each (DynamoDB adds one index per call), as a CloudFormation update would.
 */
async function addMissingIndexes(client: DynamoDBClient, tableName: string, existing: string[]): Promise<boolean> {
  const input = createTableInput(tableName);
  const missing = (input.GlobalSecondaryIndexes ?? []).filter((index) => !existing.includes(index.IndexName!));
  for (const index of missing) {
    const keyNames = index.KeySchema!.map((k) => k.AttributeName!);
    await client.send(
      new UpdateTableCommand({
        TableName: tableName,
        AttributeDefinitions: input.AttributeDefinitions!.filter((a: AttributeDefinition) => keyNames.includes(a.AttributeName!)),
        GlobalSecondaryIndexUpdates: [{ Create: { IndexName: index.IndexName, KeySchema: index.KeySchema, Projection: index.Projection } }],
      }),
    );
  }
  return missing.length > 0;
}

/** A local table made before customer webhooks has no stream: turn it on (webhook events read it). */
async function enableStream(client: DynamoDBClient, tableName: string, enabled: boolean): Promise<boolean> {
  if (enabled) return false;
  await client.send(
    new UpdateTableCommand({
      TableName: tableName,
      StreamSpecification: { StreamEnabled: true, StreamViewType: tableDefinition.stream },
    }),
  );
  return true;
}

import { CreateTableCommand, DescribeTableCommand, DescribeTimeToLiveCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { createTableInput, tableDefinition } from '../shared/table/definition.js';
import { ensureTable } from '../shared/table/ensure.js';

const client = new DynamoDBClient({
  endpoint: process.env.DYNAMODB_ENDPOINT,
  region: 'us-east-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
});
afterAll(() => client.destroy());

describe('the local table', () => {
  it('is created from the shared definition: keys, indexes and TTL, once', async () => {
    const name = `ensure-${Date.now()}`;
    expect(await ensureTable(client, name)).toBe('created');
    expect(await ensureTable(client, name)).toBe('exists');

    const { Table } = await client.send(new DescribeTableCommand({ TableName: name }));
    expect(Table!.KeySchema).toEqual([
      { AttributeName: tableDefinition.partitionKey, KeyType: 'HASH' },
      { AttributeName: tableDefinition.sortKey, KeyType: 'RANGE' },
    ]);
    const indexes = (Table!.GlobalSecondaryIndexes ?? [])
      .map((index) => ({
        indexName: index.IndexName,
        partitionKey: index.KeySchema!.find((k) => k.KeyType === 'HASH')!.AttributeName,
        sortKey: index.KeySchema!.find((k) => k.KeyType === 'RANGE')!.AttributeName,
        projection: index.Projection!.ProjectionType,
      }))
      .sort((a, b) => a.indexName!.localeCompare(b.indexName!));
    expect(indexes).toEqual(tableDefinition.globalIndexes.map((index) => ({ ...index })));
    expect(Table!.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');

    const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: name }));
    expect(ttl.TimeToLiveDescription).toMatchObject({
      AttributeName: tableDefinition.timeToLiveAttribute,
      TimeToLiveStatus: 'ENABLED',
    });
  });

  it('gains the indexes a table made by an older version lacks (GSI3 for bindings)', async () => {
    const name = `ensure-old-${Date.now()}`;
    const current = createTableInput(name);
    const old = {
      ...current,
      GlobalSecondaryIndexes: current.GlobalSecondaryIndexes!.filter((i) => i.IndexName !== 'GSI3'),
      AttributeDefinitions: current.AttributeDefinitions!.filter((a) => !a.AttributeName!.startsWith('GSI3')),
    };
    await client.send(new CreateTableCommand(old));
    expect(await ensureTable(client, name)).toBe('updated');
    const { Table } = await client.send(new DescribeTableCommand({ TableName: name }));
    const gsi3 = Table!.GlobalSecondaryIndexes!.find((i) => i.IndexName === 'GSI3');
    expect(gsi3?.Projection?.ProjectionType).toBe('KEYS_ONLY');
    expect(await ensureTable(client, name)).toBe('exists');
  });
});

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startDynamoDbLocal, type DynamoDbLocal } from '../../local/dynamodb.js';
import { ensureTable } from '../../shared/table/ensure.js';

/**
 * A DynamoDB Local of one test file's own, on disk (so its data survives being killed),
 * that the test can kill (SIGKILL, as a crash) and bring back on the same port and data.
 * Not the run's shared instance: killing that would fail every other file.
 */
export interface KillableDynamoDb {
  endpoint: string;
  port: number;
  tableName: string;
  /** SIGKILL: the JVM dies at once, connections reset, the port closes. */
  kill(): Promise<void>;
  /** SIGSTOP / SIGCONT: a database that accepts connections but never answers. */
  freeze(): void;
  thaw(): void;
  /** Starts it again on the same port and data folder. */
  restart(): Promise<void>;
  /** Every item of the table (test-only: a Scan of a table nothing else uses). */
  scanAll(): Promise<Record<string, any>[]>;
  /** Stops it and removes its data. */
  dispose(): Promise<void>;
}

export async function startKillableDynamoDb(tableName = 'sip-registry-fault'): Promise<KillableDynamoDb> {
  const dbPath = mkdtempSync(join(tmpdir(), 'sip-fault-ddb-'));
  const port = await freePort();
  let running: DynamoDbLocal | undefined = await startDynamoDbLocal({ port, dbPath });
  const endpoint = running.endpoint;
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  await ensureTable(client, tableName);

  return {
    endpoint,
    port,
    tableName,
    async kill() {
      const child = running?.process;
      running = undefined;
      if (!child || child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    },
    freeze() {
      running?.process.kill('SIGSTOP');
    },
    thaw() {
      running?.process.kill('SIGCONT');
    },
    async restart() {
      running = await startDynamoDbLocal({ port, dbPath });
    },
    async scanAll() {
      const items: Record<string, any>[] = [];
      const documents = DynamoDBDocumentClient.from(client);
      let start: Record<string, unknown> | undefined;
      do {
        const page = await documents.send(new ScanCommand({ TableName: tableName, ExclusiveStartKey: start, ConsistentRead: true }));
        items.push(...(page.Items ?? []));
        start = page.LastEvaluatedKey;
      } while (start);
      return items;
    },
    async dispose() {
      client.destroy();
      await running?.stop();
      running = undefined;
      rmSync(dbPath, { recursive: true, force: true });
    },
  };
}

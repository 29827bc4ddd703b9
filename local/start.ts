import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Server } from 'node:http';
import { resolve } from 'node:path';
import { ensureTable } from '../shared/table/ensure.js';
import { newId } from '../shared/ids.js';
import { JavaMissingError, freePort, startDynamoDbLocal, type DynamoDbLocal } from './dynamodb.js';
import { createDocsRoutes } from './docs.js';
import { createGateway } from './gateway.js';
import { seedLocalCustomer } from './seed.js';
import { dataDir, loadLocalSettings, localEnvironment } from './settings.js';

/** npm start: DynamoDB Local (persisted in .data/), the table, the seed, the gateway on :3000. */
async function main() {
  // Node 20 is supported here; the SDK's upgrade notice is noise at every start.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const port = Number(process.env.PORT ?? 3000);
  const host = process.env.HOST ?? '127.0.0.1';
  let dynamo: DynamoDbLocal | undefined;
  let server: Server | undefined;
  let stopping = false;

  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    server?.close();
    server?.closeAllConnections();
    await dynamo?.stop();
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
  process.on('SIGHUP', () => void stop(0));
  // If whoever started us (npm, tsx) dies without passing a signal on, stop too:
  // DynamoDB Local must never outlive the API.
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) void stop(0);
  }, 500).unref();

  try {
    const requestedDynamoPort = Number(process.env.DYNAMODB_LOCAL_PORT ?? 8000);
    // DYNAMODB_LOCAL_IN_MEMORY=1: nothing persisted. DynamoDB Local's SQLite file store
    // manages a few hundred writes/s here (an fsync each); benchmarks measure our code.
    const inMemory = process.env.DYNAMODB_LOCAL_IN_MEMORY === '1';
    dynamo = await startDynamoDbLocal({
      port: (await portFree(requestedDynamoPort)) ? requestedDynamoPort : await freePort(),
      ...(inMemory ? {} : { dbPath: resolve(dataDir, 'dynamodb') }),
    });
    const settings = loadLocalSettings(newId);
    Object.assign(process.env, localEnvironment(settings, dynamo.endpoint));

    const client = new DynamoDBClient({
      endpoint: dynamo.endpoint,
      region: process.env.AWS_REGION,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    const table = await ensureTable(client, process.env.TABLE_NAME!);
    const accessKey = await seedLocalCustomer(settings, process.env.LOCAL_ACCESS_KEY || undefined);

    server = createGateway({ extraRoutes: createDocsRoutes() });
    await new Promise<void>((resolveListen, reject) => {
      server!.once('error', reject);
      server!.listen(port, host, () => resolveListen());
    });
    const base = `http://${host}:${port}`;
    console.log(
      [
        `DynamoDB Local  ${dynamo.endpoint}  (table ${process.env.TABLE_NAME} ${table}, ${inMemory ? 'in memory: nothing is kept' : `data in ${resolve(dataDir, 'dynamodb')}`})`,
        `API             ${base}/v1.0`,
        `Docs            ${base}/docs  (OpenAPI: ${base}/v1.0/openapi.json)`,
        `Customer        ${settings.customerId}`,
        `Access key      ${accessKey}${process.env.LOCAL_ACCESS_KEY ? '  (from LOCAL_ACCESS_KEY)' : ''}`,
        `Try             curl "${base}/v1.0/accesskeys?token=${accessKey}"`,
        'Ctrl-C stops the API and DynamoDB Local.',
      ].join('\n'),
    );
  } catch (error) {
    if (error instanceof JavaMissingError) console.error(error.message);
    else console.error('npm start failed:', error);
    await stop(1);
  }
}

async function portFree(port: number): Promise<boolean> {
  const { createServer } = await import('node:net');
  return new Promise((resolveFree) => {
    const probe = createServer();
    probe.once('error', () => resolveFree(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolveFree(true)));
  });
}

void main();

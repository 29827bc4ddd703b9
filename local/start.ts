import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Server } from 'node:http';
import { resolve } from 'node:path';
import { ensureTable } from '../shared/table/ensure.js';
import { newId } from '../shared/ids.js';
import type { RunningKamailio } from '../registrar/kamailio.js';
import { JavaMissingError, startSupervisedDynamoDbLocal, type SupervisedDynamoDbLocal } from './dynamodb.js';
import { createDocsRoutes } from './docs.js';
import { createGateway } from './gateway.js';
import { onLauncherGone } from './launcher.js';
import { PortBusyError, PortSettingError, freePortFor, portFree, portFromEnv } from './ports.js';
import { KAMAILIO_INSTALL_HINT, checkKamailio, registerHowTo, startLocalRegistrar } from './registrar.js';
import { seedLocalCustomer } from './seed.js';
import { startLocalWebhooks, type LocalWebhooks } from './webhooks.js';
import { claimStack, releaseStack, writeStack, StackAlreadyRunningError, type StackRecord } from './stack.js';
import { dataDir, loadLocalSettings, localConfig, localEnvironment } from './settings.js';
import { configure } from '../shared/config.js';

/** An error whose message is the whole story: printed as one line, no stack trace. */
class StartError extends Error {}

const urlHost = (host: string) => (host.includes(':') ? `[${host}]` : host);
/** Where a client on this machine reaches a server listening on host. */
const reachableHost = (host: string) => (host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host);

/**
 * npm start: the whole local system. DynamoDB Local (data in the data folder), the table,
 * the seed, the API gateway, and, when Kamailio is installed, the registrar wired to the
 * API both ways (credentials and webhooks to the API; the API's DELETEs and cache
 * invalidations to its control channel). Everything listens on loopback; a requested
 * port that is taken stops the start with one line naming the variable. The endpoints go
 * to <data folder>/stack.json for npm run admin and npm run registrar.
 */
async function main() {
  // Node 20 is supported here; the SDK's upgrade notice is noise at every start.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  let dynamo: SupervisedDynamoDbLocal | undefined;
  let server: Server | undefined;
  let registrar: RunningKamailio | undefined;
  let webhooks: LocalWebhooks | undefined;
  let claimed = false;
  let stopping = false;

  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    server?.close();
    server?.closeAllConnections();
    await webhooks?.stop();
    await Promise.all([registrar?.stop(), dynamo?.stop()]);
    if (claimed) releaseStack();
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
  process.on('SIGHUP', () => void stop(0));
  // If whoever started us (npm, tsx, a test) dies without passing a signal on, stop too:
  // nothing local may outlive its launcher.
  onLauncherGone(() => void stop(0));

  try {
    const host = process.env.HOST || '127.0.0.1';
    const sipHost = process.env.REGISTRAR_SIP_HOST || '127.0.0.1';
    let apiPort = portFromEnv('PORT', 3000);
    let dynamoPort = portFromEnv('DYNAMODB_LOCAL_PORT', 8000);
    let sipPort = portFromEnv('REGISTRAR_SIP_PORT', 5060);
    let controlPort = portFromEnv('REGISTRAR_CONTROL_PORT', 5071);

    claimStack();
    claimed = true;

    // The registrar: ours when Kamailio is installed, unless REGISTRAR_CONTROL_URL says
    // where another one listens (or, empty, that there is none: records-only deletes).
    const controlUrlGiven = process.env.REGISTRAR_CONTROL_URL !== undefined;
    const kamailio = controlUrlGiven ? undefined : checkKamailio();

    // Every requested port, before anything starts.
    const wanted: [string, 'tcp' | 'udp', string, number][] = [
      ['PORT', 'tcp', host, apiPort],
      ['DYNAMODB_LOCAL_PORT', 'tcp', '127.0.0.1', dynamoPort],
    ];
    if (kamailio?.ok) {
      wanted.push(['REGISTRAR_SIP_PORT', 'udp', sipHost, sipPort], ['REGISTRAR_CONTROL_PORT', 'tcp', '127.0.0.1', controlPort]);
    }
    for (const [variable, protocol, onHost, port] of wanted) {
      if (!(await portFree(protocol, onHost, port))) throw new PortBusyError(variable, port, protocol, onHost);
    }
    // 0: any free port.
    apiPort ||= await freePortFor('tcp', host);
    dynamoPort ||= await freePortFor('tcp');
    if (kamailio?.ok) {
      sipPort ||= await freePortFor('udp', sipHost);
      controlPort ||= await freePortFor('tcp');
    }

    // DYNAMODB_LOCAL_IN_MEMORY=1: nothing persisted. DynamoDB Local's SQLite file store
    // manages a few hundred writes/s here (an fsync each); benchmarks measure our code.
    const inMemory = process.env.DYNAMODB_LOCAL_IN_MEMORY === '1';
    const settings = loadLocalSettings(newId);
    // The table and the seed: at the start, and again after a restart of DynamoDB Local
    // (needed in memory, harmless on disk).
    const prepareTable = async (endpoint: string) => {
      const client = new DynamoDBClient({
        endpoint,
        region: process.env.AWS_REGION,
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      });
      try {
        const table = await ensureTable(client, process.env.TABLE_NAME!);
        const accessKey = await seedLocalCustomer(settings, process.env.LOCAL_ACCESS_KEY || undefined);
        return { table, accessKey };
      } finally {
        client.destroy();
      }
    };
    // Kept running: if the JVM dies, it comes back on the same port and data, and says so.
    dynamo = await startSupervisedDynamoDbLocal(
      { port: dynamoPort, ...(inMemory ? {} : { dbPath: resolve(dataDir, 'dynamodb') }) },
      {
        say: (line) => console.log(line),
        afterRestart: async (endpoint) => void (await prepareTable(endpoint)),
        giveUp: (reason) => {
          if (stopping) return;
          console.error(`npm start: ${reason} Stopping.`);
          void stop(1);
        },
      },
    );
    Object.assign(process.env, localEnvironment(settings, dynamo.endpoint));
    const controlUrl = kamailio?.ok ? `http://127.0.0.1:${controlPort}/control` : process.env.REGISTRAR_CONTROL_URL || undefined;
    // The API reads these at call time: set before it takes any request.
    if (controlUrl) process.env.REGISTRAR_CONTROL_URL = controlUrl;
    else delete process.env.REGISTRAR_CONTROL_URL;
    // The handlers' configuration, passed explicitly (shared/config.ts).
    configure(localConfig(process.env));

    const { table, accessKey } = await prepareTable(dynamo.endpoint);
    // Customer webhooks: the table's stream, polled, through the same delivery code as on AWS.
    webhooks = await startLocalWebhooks({ endpoint: dynamo.endpoint, tableName: process.env.TABLE_NAME!, region: process.env.AWS_REGION });

    const base = `http://${urlHost(reachableHost(host))}:${apiPort}`;
    let registrarLines: string[];
    let registrarRecord: StackRecord['registrar'] = null;
    if (kamailio?.ok) {
      const started = await startLocalRegistrar({
        kamailioPath: kamailio.path,
        apiUrl: base,
        settings,
        sipHost,
        sipPort,
        controlPort,
        dieWithParent: true,
      }).catch((error: Error) => {
        throw new StartError(
          `The registrar (Kamailio) did not start: ${error.message.split('\n')[0]} ` +
            `(its log: ${resolve(dataDir, 'kamailio', 'kamailio.log')}; npm start with REGISTRAR_CONTROL_URL= runs without it).`,
        );
      });
      registrar = started.kamailio;
      registrarRecord = { sip: `udp:${sipHost}:${sipPort}`, control: registrar.controlUrl, rpc: registrar.rpcUrl, pid: registrar.pid, log: started.logFile };
      registrarLines = [
        `Registrar       sip:${sipHost}:${sipPort} (udp), Kamailio pid ${registrar.pid}, log ${started.logFile}`,
        `                control channel ${registrar.controlUrl}: DELETE .../registrations unregisters the device`,
        ...registerHowTo(sipHost, sipPort),
      ];
      void registrar.exited.then((code) => {
        if (stopping) return;
        console.error(`Kamailio exited (${code}); stopping (its log: ${started.logFile}).`);
        void stop(1);
      });
    } else if (kamailio) {
      registrarLines = [
        `Registrar       not started: ${kamailio.why} (install it: ${KAMAILIO_INSTALL_HINT}); DELETE .../registrations only removes records`,
      ];
    } else {
      registrarLines = [
        controlUrl
          ? `Registrar       not started here: REGISTRAR_CONTROL_URL=${controlUrl} (e.g. npm run registrar) gets the API's DELETEs`
          : 'Registrar       not started (REGISTRAR_CONTROL_URL is empty): DELETE .../registrations only removes records',
      ];
    }

    server = createGateway({ extraRoutes: createDocsRoutes() });
    await new Promise<void>((resolveListen, reject) => {
      server!.once('error', (error: NodeJS.ErrnoException) =>
        reject(error.code === 'EADDRINUSE' ? new PortBusyError('PORT', apiPort, 'tcp', host) : error),
      );
      server!.listen(apiPort, host, () => resolveListen());
    });

    writeStack({
      pid: process.pid,
      state: 'running',
      startedAt: new Date().toISOString(),
      dataDir,
      api: base,
      docs: `${base}/docs`,
      dynamodb: { endpoint: dynamo.endpoint, table: process.env.TABLE_NAME!, region: process.env.AWS_REGION!, inMemory },
      registrar: registrarRecord,
    });
    console.log(
      [
        `DynamoDB Local  ${dynamo.endpoint}  (table ${process.env.TABLE_NAME} ${table}, ${inMemory ? 'in memory: nothing is kept' : `data in ${resolve(dataDir, 'dynamodb')}`})`,
        `API             ${base}/v1.0`,
        `Docs            ${base}/docs  (OpenAPI: ${base}/v1.0/openapi.json)`,
        `Customer        ${settings.customerId}`,
        `Access key      ${accessKey}${process.env.LOCAL_ACCESS_KEY ? '  (from LOCAL_ACCESS_KEY)' : ''}`,
        `Try             curl "${base}/v1.0/accesskeys?token=${accessKey}"`,
        ...registrarLines,
        `Webhooks        POST ${base}/v1.0/webhooks delivers events to your URL (http to 127.0.0.1 allowed here; docs/webhooks.md)`,
        `Endpoints       ${resolve(dataDir, 'stack.json')} (npm run admin and npm run registrar read it)`,
        `Ctrl-C stops ${registrar ? 'the API, Kamailio' : 'the API'} and DynamoDB Local.`,
      ].join('\n'),
    );
  } catch (error) {
    if (error instanceof JavaMissingError) console.error(error.message);
    else if (error instanceof StackAlreadyRunningError) {
      claimed = false;
      console.error(`npm start: ${error.message}`);
    } else if (error instanceof PortBusyError || error instanceof PortSettingError || error instanceof StartError) {
      console.error(`npm start: ${error.message}`);
    } else console.error('npm start failed:', error);
    await stop(1);
  }
}

void main();

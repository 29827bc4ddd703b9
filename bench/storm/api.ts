import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { SetupError } from './errors.js';

const root = resolve(import.meta.dirname, '..', '..');

export interface RunningApi {
  /** http://127.0.0.1:PORT (without /v1.0). */
  base: string;
  accessKey: string;
  registrarSecret: string;
  registrarControlToken: string;
  pid: number;
  /** What DynamoDB Local really did, from the API's start-up lines. */
  dynamodb: 'memory' | 'disk' | 'unknown';
  stop(): Promise<void>;
}

export interface ApiOptions {
  port: number;
  dynamoPort: number;
  /** LOCAL_DATA_DIR: DynamoDB Local's files and local.json (secrets) of this run. */
  dataDir: string;
  /** Where Kamailio's control channel will listen (the API's REGISTRAR_CONTROL_URL). */
  controlPort: number;
  /** The API's stdout and stderr go here (its access log is one JSON line per request). */
  logFile: string;
  /**
   * DynamoDB Local keeps nothing on disk (DYNAMODB_LOCAL_IN_MEMORY=1): its SQLite file
   * store syncs every write and manages a few hundred writes/s on this machine.
   */
  inMemory: boolean;
}

/**
 * `npm start` as an operator runs it (tsx local/start.ts), in its own process, on the
 * given ports and data directory. Resolves once it has printed its access key and
 * /v1.0/health answers 200.
 */
export async function startApi(options: ApiOptions): Promise<RunningApi> {
  const tsx = resolve(root, 'node_modules', '.bin', 'tsx');
  const log = createWriteStream(options.logFile);
  // Whatever the caller's shell has must not leak into the bench's API (local/settings.ts
  // reads these with `??`: an empty string would count, so they are removed, not blanked).
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of ['REGISTRAR_SECRETS', 'REGISTRAR_CONTROL_TOKEN', 'LOCAL_ACCESS_KEY', 'TABLE_NAME', 'DYNAMODB_ENDPOINT', 'DYNAMODB_LOCAL_IN_MEMORY']) {
    delete env[name];
  }
  if (options.inMemory) env.DYNAMODB_LOCAL_IN_MEMORY = '1';
  const child: ChildProcess = spawn(tsx, [resolve(root, 'local', 'start.ts')], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...env,
      PORT: String(options.port),
      HOST: '127.0.0.1',
      DYNAMODB_LOCAL_PORT: String(options.dynamoPort),
      LOCAL_DATA_DIR: options.dataDir,
      REGISTRAR_CONTROL_PORT: String(options.controlPort),
      REGISTRAR_CONTROL_URL: `http://127.0.0.1:${options.controlPort}/control`,
    },
  });
  let output = '';
  const onData = (chunk: Buffer) => {
    log.write(chunk);
    if (output.length < 20_000) output += chunk.toString();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<number | null>((resolveExit) => {
    child.once('exit', (code, signal) => resolveExit(code ?? (signal ? 128 : null)));
    child.once('error', () => resolveExit(127));
  });
  let exitCode: number | null | undefined;
  void exited.then((code) => (exitCode = code));

  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= (async () => {
      if (exitCode === undefined) {
        child.kill('SIGTERM');
        const done = await Promise.race([exited.then(() => true), sleep(10_000).then(() => false)]);
        if (!done) {
          child.kill('SIGKILL');
          await exited;
        }
      }
      log.end();
    })();
    return stopped;
  };
  const onParentExit = () => child.kill('SIGKILL');
  process.once('exit', onParentExit);

  const base = `http://127.0.0.1:${options.port}`;
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (exitCode !== undefined) {
      throw new SetupError('api', `npm start (tsx local/start.ts) exited (${exitCode}) while starting:\n${output.slice(-3000)}`);
    }
    const key = /^Access key\s+(\S+)/m.exec(output)?.[1];
    if (key) {
      const healthy = await fetch(`${base}/v1.0/health`, { signal: AbortSignal.timeout(2_000) })
        .then((r) => r.status === 200)
        .catch(() => false);
      if (healthy) {
        const settings = JSON.parse(readFileSync(join(options.dataDir, 'local.json'), 'utf8')) as {
          registrarSecret: string;
          registrarControlToken: string;
        };
        return {
          base,
          accessKey: key,
          registrarSecret: settings.registrarSecret,
          registrarControlToken: settings.registrarControlToken,
          pid: child.pid!,
          dynamodb: /^DynamoDB Local .*in memory/m.test(output) ? 'memory' : /^DynamoDB Local .*data in /m.test(output) ? 'disk' : 'unknown',
          stop: async () => {
            process.removeListener('exit', onParentExit);
            await stop();
          },
        };
      }
    }
    if (Date.now() > deadline) {
      await stop();
      throw new SetupError('api', `npm start did not become healthy on ${base} within 90 s:\n${output.slice(-3000)}`);
    }
    await sleep(200);
  }
}

export class ApiClient {
  constructor(
    private readonly base: string,
    private readonly accessKey: string,
  ) {}

  async call<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T; text: string }> {
    const url = new URL(path, this.base);
    url.searchParams.set('token', this.accessKey);
    const response = await fetch(url, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: response.status, body: parsed as T, text };
  }

  /** RegInfo of up to 100 extensions in one call (GET /v1.0/extensions/registrations?extension_id=...). */
  async registrations(ids: string[]): Promise<{ extension_id: string; registered: boolean }[]> {
    const query = new URLSearchParams();
    for (const id of ids) query.append('extension_id', id);
    const r = await this.call<{ extension_id: string; registered: boolean }[]>('GET', `/v1.0/extensions/registrations?${query}`);
    if (r.status !== 200 || !Array.isArray(r.body)) throw new Error(`GET /v1.0/extensions/registrations: ${r.status} ${r.text.slice(0, 300)}`);
    return r.body;
  }
}

/** Runs `work` over `items` with at most `concurrency` at a time; the results in order. */
export async function mapLimit<T, R>(items: readonly T[], concurrency: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

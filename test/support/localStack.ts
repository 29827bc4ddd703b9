import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePortFor } from '../../local/ports.js';
import type { StackRecord } from '../../local/stack.js';

export const projectRoot = resolve(import.meta.dirname, '..', '..');

/** What the vitest setup puts in process.env for in-process tests: never for a child stack or a doc command. */
const TEST_ONLY_ENV = [
  'DYNAMODB_ENDPOINT', 'TABLE_NAME', 'STAGE', 'SIP_DOMAIN_SUFFIX', 'PAGE_TOKEN_SECRET', 'REGISTRAR_SECRETS',
  'REGISTRAR_SECRET', 'REGISTRAR_CONTROL_URL', 'REGISTRAR_CONTROL_TOKEN', 'LOCAL_ACCESS_KEY', 'PORT', 'HOST', 'API_URL',
  'DYNAMODB_LOCAL_PORT', 'DYNAMODB_LOCAL_IN_MEMORY', 'LOCAL_DATA_DIR', 'REGISTRAR_SIP_PORT', 'REGISTRAR_SIP_HOST',
  'REGISTRAR_CONTROL_PORT', 'KAMAILIO', 'LOG_LEVEL', 'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED',
];

/** process.env without what the test setup added: what a user's shell would have. */
export function userEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of TEST_ONLY_ENV) delete env[name];
  for (const [name, value] of Object.entries(extra)) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return env;
}

export interface LocalPorts {
  api: number;
  dynamodb: number;
  sip: number;
  control: number;
}

/** Free ports for one local stack (never the defaults: 3000, 5060, 8000 may be taken). */
export async function freeLocalPorts(): Promise<LocalPorts> {
  return {
    api: await freePortFor('tcp'),
    dynamodb: await freePortFor('tcp'),
    sip: await freePortFor('udp'),
    control: await freePortFor('tcp'),
  };
}

export const portEnv = (ports: LocalPorts) => ({
  PORT: String(ports.api),
  DYNAMODB_LOCAL_PORT: String(ports.dynamodb),
  REGISTRAR_SIP_PORT: String(ports.sip),
  REGISTRAR_CONTROL_PORT: String(ports.control),
});

export interface RunningProcess {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
  /** Resolves when the output matches, rejects when the process exits first or after timeoutMs. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** Sends the signal and waits for the exit (SIGKILL after 20 s); resolves with the exit code. */
  stop(name?: NodeJS.Signals): Promise<number | null>;
}

/** Runs a command in the project folder, output collected. */
export function run(command: string, args: string[], env: NodeJS.ProcessEnv, options: { group?: boolean } = {}): RunningProcess {
  // group: its own process group, signalled as a whole, as Ctrl-C in a terminal signals the foreground job.
  const child = spawn(command, args, { cwd: projectRoot, env, stdio: ['ignore', 'pipe', 'pipe'], detached: options.group ?? false });
  const signal = (name: NodeJS.Signals) => {
    try {
      if (options.group && child.pid) process.kill(-child.pid, name);
      else child.kill(name);
    } catch {
      // gone
    }
  };
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | null>((resolveExit) => {
    child.once('exit', (code, signal) => resolveExit(code ?? (signal ? 128 : null)));
    child.once('error', () => resolveExit(127));
  });
  let exitCode: number | null | undefined;
  void exited.then((code) => (exitCode = code));
  return {
    child,
    output: () => output,
    exited,
    async waitFor(pattern, timeoutMs = 90_000) {
      const deadline = Date.now() + timeoutMs;
      while (!pattern.test(output)) {
        if (exitCode !== undefined) throw new Error(`exited (${exitCode}) before printing ${pattern}:\n${output}`);
        if (Date.now() > deadline) throw new Error(`did not print ${pattern} within ${timeoutMs} ms:\n${output}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async stop(name = 'SIGINT') {
      if (exitCode !== undefined) return exitCode;
      signal(name);
      const timer = setTimeout(() => signal('SIGKILL'), 20_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

export interface LocalStack extends RunningProcess {
  dataDir: string;
  ports: LocalPorts;
  record: StackRecord;
}

/**
 * `npm start`'s entry (tsx local/start.ts), on free ports and a fresh data folder, in
 * memory; resolves when its banner is out and stack.json says it runs.
 */
export async function startLocalStack(env: Record<string, string | undefined> = {}): Promise<LocalStack> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sip-stack-'));
  const ports = await freeLocalPorts();
  const proc = run(
    process.execPath,
    ['--import', 'tsx', 'local/start.ts'],
    userEnv({ LOCAL_DATA_DIR: dataDir, DYNAMODB_LOCAL_IN_MEMORY: '1', LOG_LEVEL: 'SILENT', ...portEnv(ports), ...env }),
  );
  await proc.waitFor(/^Ctrl-C stops/m);
  const record = JSON.parse(readFileSync(join(dataDir, 'stack.json'), 'utf8')) as StackRecord;
  return { ...proc, dataDir, ports, record };
}

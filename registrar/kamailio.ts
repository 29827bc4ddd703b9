import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';

/** The registrar's Kamailio configuration (docs/registrar.md). */
export const KAMAILIO_CFG = resolve(import.meta.dirname, 'kamailio', 'kamailio.cfg');
/** The SIPp scenario for one authenticated REGISTER. */
export const SIPP_REGISTER_XML = resolve(import.meta.dirname, 'sipp', 'register.xml');

export const INSTALL_PACKAGES = 'kamailio kamailio-utils-modules kamailio-extra-modules kamailio-tls-modules sip-tester';
export const INSTALL_COMMAND = `sudo apt-get update && sudo apt-get install -y ${INSTALL_PACKAGES}  (or: sudo bash registrar/install.sh)`;

/** Finds an executable on PATH, then in the sbin directories a non-root PATH may lack. */
export function findExecutable(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/local/sbin', '/usr/sbin', '/sbin'];
  for (const dir of dirs.filter(Boolean)) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // next
    }
  }
  return undefined;
}

/** Kamailio with the modules this configuration loads, and SIPp; what is missing, named. */
export function registrarTools(): { kamailio?: string; sipp?: string; missing: string[] } {
  const kamailio = findExecutable('kamailio');
  const sipp = findExecutable('sipp');
  const missing: string[] = [];
  if (!kamailio) missing.push('kamailio');
  else {
    // http_client, jansson and crypto come in separate packages: a syntax check loads them all.
    const check = spawnSync(kamailio, ['-c', '-f', KAMAILIO_CFG], { encoding: 'utf8', timeout: 20_000 });
    if (check.status !== 0) {
      const modules = [...`${check.stdout}${check.stderr}`.matchAll(/could not find module <([a-z_0-9]+)>/g)].map((m) => m[1]);
      missing.push(modules.length ? `kamailio modules ${[...new Set(modules)].join(', ')}` : 'a kamailio that accepts registrar/kamailio/kamailio.cfg');
    }
  }
  if (!sipp) missing.push('sipp');
  return { kamailio, sipp, missing };
}

export interface KamailioOptions {
  /** The API's base URL, without /v1.0 (e.g. http://127.0.0.1:3000). */
  apiUrl: string;
  /** One of the API's registrar secrets. */
  secret: string;
  /** Bearer token of the control channel and /RPC. */
  controlToken: string;
  sipHost?: string;
  sipPort: number;
  /** TCP port of the loopback HTTP listener (control channel, /RPC). */
  controlPort: number;
  /** Runtime directory (pid file); created when missing. */
  runDir: string;
  /** Pre-processor defines: EXPIRES_MIN, EXPIRES_DEFAULT, UL_TIMER_INTERVAL, SIP_WORKERS... */
  defines?: Record<string, string | number>;
  /** Each log line Kamailio writes (stderr). */
  onLog?: (line: string) => void;
  /** Shared / private memory in MB. */
  sharedMemoryMb?: number;
  privateMemoryMb?: number;
  kamailioPath?: string;
  /**
   * Linux: Kamailio gets PR_SET_PDEATHSIG=SIGTERM (via setpriv), so it shuts down (with
   * its workers) when the process that started it dies, even by SIGKILL. npm start uses it.
   */
  dieWithParent?: boolean;
}

export interface RunningKamailio {
  pid: number;
  sipPort: number;
  controlUrl: string;
  rpcUrl: string;
  /** JSON-RPC over the control listener (e.g. ul.dump, ul.lookup). */
  rpc<T = unknown>(method: string, params?: unknown[]): Promise<T>;
  /** Resolves with the exit code when Kamailio ends. */
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

/**
 * Starts Kamailio in the foreground (-DD -E) with the project's configuration, its own
 * pid file and runtime directory, secrets in its environment only. Resolves once the
 * control listener answers an authenticated RPC.
 */
export async function startKamailio(options: KamailioOptions): Promise<RunningKamailio> {
  const kamailio = options.kamailioPath ?? findExecutable('kamailio');
  if (!kamailio) throw new Error(`kamailio is not installed. Install it with: ${INSTALL_COMMAND}`);
  if (!options.secret || !options.controlToken) throw new Error('startKamailio needs a registrar secret and a control token');
  mkdirSync(options.runDir, { recursive: true });
  const sipHost = options.sipHost ?? '127.0.0.1';
  const defines: Record<string, string | number> = {
    SIP_LISTEN: `udp:${sipHost}:${options.sipPort}`,
    CONTROL_PORT: options.controlPort,
    ...options.defines,
  };
  const args = [
    '-DD',
    '-E',
    '-f',
    KAMAILIO_CFG,
    '-P',
    join(options.runDir, 'kamailio.pid'),
    '-Y',
    options.runDir,
    '-m',
    String(options.sharedMemoryMb ?? 64),
    '-M',
    String(options.privateMemoryMb ?? 8),
    ...Object.entries(defines).flatMap(([name, value]) => ['-A', `${name}=${value}`]),
  ];
  const setpriv = options.dieWithParent && existsSync('/usr/bin/setpriv');
  const [command, commandArgs]: [string, string[]] = setpriv
    ? ['/usr/bin/setpriv', ['--pdeathsig', 'SIGTERM', '--', kamailio, ...args]]
    : [kamailio, args];
  const child = spawn(command, commandArgs, {
    cwd: options.runDir,
    // Own process group: stop() signals Kamailio and every worker it forked.
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      REGISTRAR_API_URL: options.apiUrl.replace(/\/+$/, ''),
      REGISTRAR_SECRET: options.secret,
      REGISTRAR_CONTROL_TOKEN: options.controlToken,
    },
  });
  const tail: string[] = [];
  const onLine = (line: string) => {
    tail.push(line);
    if (tail.length > 200) tail.shift();
    options.onLog?.(line);
  };
  for (const stream of [child.stdout!, child.stderr!]) {
    let pending = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) onLine(line);
    });
  }
  const exited = new Promise<number | null>((resolveExit) => {
    child.once('exit', (code, signal) => resolveExit(code ?? (signal ? 128 : null)));
    child.once('error', (error) => {
      onLine(`spawn failed: ${error.message}`);
      resolveExit(127);
    });
  });
  const killGroup = (signal: NodeJS.Signals) => {
    try {
      if (child.pid) process.kill(-child.pid, signal);
    } catch {
      // already gone
    }
  };
  const onParentExit = () => killGroup('SIGKILL');
  process.once('exit', onParentExit);

  const controlBase = `http://127.0.0.1:${options.controlPort}`;
  const rpcUrl = `${controlBase}/RPC`;
  let rpcId = 0;
  const rpc = async <T>(method: string, params: unknown[] = []): Promise<T> => {
    const response = await fetch(rpcUrl, {
      method: 'POST',
      headers: { authorization: `Bearer ${options.controlToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', method, params, id: ++rpcId }),
      signal: AbortSignal.timeout(5_000),
    });
    const text = await response.text();
    if (response.status !== 200) throw new Error(`kamailio rpc ${method}: HTTP ${response.status} ${text}`);
    const reply = JSON.parse(text) as { result?: T; error?: { code: number; message: string } };
    if (reply.error) throw Object.assign(new Error(`kamailio rpc ${method}: ${reply.error.message}`), { code: reply.error.code });
    return reply.result as T;
  };

  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= (async () => {
      process.removeListener('exit', onParentExit);
      killGroup('SIGTERM');
      const done = await Promise.race([exited.then(() => true), sleep(5_000).then(() => false)]);
      if (!done) {
        killGroup('SIGKILL');
        await exited;
      }
      // Workers that outlived the main process.
      killGroup('SIGKILL');
    })();
    return stopped;
  };

  // Ready when the control listener answers (the SIP socket is bound before it).
  const deadline = Date.now() + 15_000;
  let exitCode: number | null | undefined;
  void exited.then((code) => (exitCode = code));
  for (;;) {
    if (exitCode !== undefined) {
      throw new Error(`kamailio exited (${exitCode}) while starting:\n${tail.slice(-30).join('\n')}`);
    }
    try {
      await rpc('core.version');
      break;
    } catch {
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`kamailio did not answer on ${rpcUrl} within 15 s:\n${tail.slice(-30).join('\n')}`);
      }
      await sleep(100);
    }
  }

  return {
    pid: child.pid!,
    sipPort: options.sipPort,
    controlUrl: `${controlBase}/control`,
    rpcUrl,
    rpc,
    exited,
    stop,
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

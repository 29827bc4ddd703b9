import { createSocket, type Socket } from 'node:dgram';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { portFree } from '../local/ports.js';
import { requireRegistrarTools } from './support/registrarTools.js';
import { freeLocalPorts, portEnv, run, startLocalStack, userEnv, type LocalStack } from './support/localStack.js';

/**
 * npm start as a whole system (issue 15): ports, the data-folder lock, stack.json and
 * what reads it, loopback only, the registrar wired or cleanly absent, and nothing left
 * behind however the launcher ends. Real processes, real ports (all free ones).
 */
const { missing } = requireRegistrarTools('npm start with Kamailio tests');

const cleanup: (() => Promise<unknown> | void)[] = [];
afterAll(async () => {
  for (const step of cleanup.reverse()) await step();
});

async function stack(env: Record<string, string | undefined> = {}): Promise<LocalStack> {
  const started = await startLocalStack(env);
  cleanup.push(() => started.stop(), () => rmSync(started.dataDir, { recursive: true, force: true }));
  return started;
}

/** Every process whose command line names the folder (DynamoDB Local's data path, Kamailio's runtime dir). */
function processesUsing(folder: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (/\) Z /.test(stat)) continue;
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(folder)) found.push(Number(entry));
    } catch {
      // ended while we looked
    }
  }
  return found;
}

/** The local addresses a TCP port listens on, from /proc/net/tcp and tcp6 (hex, as the kernel writes them). */
function listenAddresses(port: number): string[] {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const out: string[] = [];
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields.length < 4 || fields[3] !== '0A') continue; // 0A: LISTEN
      const [address, portHex] = fields[1]!.split(':');
      if (portHex === hexPort) out.push(address!);
    }
  }
  return out;
}
const LOOPBACK = new Set(['0100007F', '0000000000000000FFFF00000100007F', '00000000000000000000000001000000']);

const holdTcp = (port: number) =>
  new Promise<Server>((resolve) => {
    const server = createServer();
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
const holdUdp = (port: number) =>
  new Promise<Socket>((resolve) => {
    const socket = createSocket('udp4');
    socket.bind(port, '127.0.0.1', () => resolve(socket));
  });

/** A domain and an extension in it, through the API; returns the extension. */
async function newExtension(api: string, token: string, domainName: string, number: string): Promise<{ id: string }> {
  const post = async (path: string, body: unknown) => {
    const reply = await fetch(`${api}${path}?token=${token}`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    expect(reply.status, path).toBe(200);
    return (await reply.json()) as { id: string };
  };
  const domain = await post('/domains', { domain_name: domainName });
  return post('/extensions', { domain_id: domain.id, extension: number });
}

async function until(check: () => boolean | Promise<boolean>, ms = 15_000) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
  return true;
}

describe('npm start: ports, lock, endpoints', () => {
  it('a busy requested port is one line naming its variable, exit 1, nothing left running', async () => {
    for (const variable of ['PORT', 'DYNAMODB_LOCAL_PORT'] as const) {
      const ports = await freeLocalPorts();
      const port = variable === 'PORT' ? ports.api : ports.dynamodb;
      const holder = await holdTcp(port);
      const dataDir = mkdtempSync(join(tmpdir(), 'sip-busy-'));
      cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }));
      const proc = run(process.execPath, ['--import', 'tsx', 'local/start.ts'], userEnv({ ...portEnv(ports), LOCAL_DATA_DIR: dataDir }));
      const code = await proc.exited;
      holder.close();
      const lines = proc.output().trim().split('\n');
      expect(code, proc.output()).toBe(1);
      expect(lines, proc.output()).toHaveLength(1);
      expect(lines[0]).toContain(`set ${variable} to a free port`);
      expect(lines[0]).toContain(String(port));
      expect(processesUsing(dataDir), 'nothing left running').toEqual([]);
      expect(existsSync(join(dataDir, 'stack.json')), 'the lock is released').toBe(false);
    }
  }, 120_000);

  it('a second npm start on the same data folder is refused in one line; the first keeps serving', async () => {
    const first = await stack({ LOCAL_ACCESS_KEY: 'k1', REGISTRAR_CONTROL_URL: '' });
    const javaBefore = processesUsing(first.dataDir).length;
    const ports = await freeLocalPorts();
    const second = run(process.execPath, ['--import', 'tsx', 'local/start.ts'], userEnv({ ...portEnv(ports), LOCAL_DATA_DIR: first.dataDir }));
    expect(await second.exited, second.output()).toBe(1);
    expect(second.output().trim().split('\n')).toHaveLength(1);
    expect(second.output()).toContain(`npm start already runs on the data folder ${first.dataDir} (pid ${first.child.pid}`);
    expect(await portFree('tcp', '127.0.0.1', ports.dynamodb), 'no second DynamoDB Local').toBe(true);
    expect(processesUsing(first.dataDir).length).toBe(javaBefore);
    expect((await fetch(`${first.record.api}/v1.0/accesskeys?token=k1`)).status).toBe(200);
    expect(JSON.parse(readFileSync(join(first.dataDir, 'stack.json'), 'utf8')).pid).toBe(first.child.pid);
  }, 120_000);

  it('listens on loopback only and records its endpoints; npm run admin writes to that stack, or says none runs', async () => {
    const started = await stack({ LOCAL_ACCESS_KEY: 'k2', REGISTRAR_CONTROL_URL: '' });
    const { record } = started;
    expect(record).toMatchObject({ pid: started.child.pid, state: 'running', api: `http://127.0.0.1:${started.ports.api}` });
    expect(record.dynamodb?.endpoint).toBe(`http://127.0.0.1:${started.ports.dynamodb}`);
    for (const port of [started.ports.api, started.ports.dynamodb]) {
      const addresses = listenAddresses(port);
      expect(addresses.length, `port ${port} listens`).toBeGreaterThan(0);
      expect(addresses.filter((a) => !LOOPBACK.has(a)), `port ${port} listens beyond loopback`).toEqual([]);
    }

    const admin = run('npm', ['run', '-s', 'admin', '--', 'customer', 'create', '--name', 'From admin'], userEnv({ LOCAL_DATA_DIR: started.dataDir }));
    expect(await admin.exited, admin.output()).toBe(0);
    const created = JSON.parse(admin.output()) as { access_key: { token: string } };
    // The key works against this stack's API: the customer went into this stack's table.
    expect((await fetch(`${record.api}/v1.0/accesskeys?token=${created.access_key.token}`)).status).toBe(200);

    const empty = mkdtempSync(join(tmpdir(), 'sip-nostack-'));
    cleanup.push(() => rmSync(empty, { recursive: true, force: true }));
    const none = run('npm', ['run', '-s', 'admin', '--', 'customer', 'create', '--name', 'Nobody'], userEnv({ LOCAL_DATA_DIR: empty }));
    expect(await none.exited).toBe(1);
    expect(none.output()).toContain('no local stack runs');
  }, 120_000);

  it('without Kamailio: one line says how to install it, and DELETE .../registrations only removes records (204)', async () => {
    const started = await stack({ LOCAL_ACCESS_KEY: 'k3', KAMAILIO: '/nonexistent/kamailio' });
    const note = started.output().split('\n').filter((l) => l.startsWith('Registrar'));
    expect(note).toHaveLength(1);
    expect(note[0]).toContain('not started');
    expect(note[0]).toContain('sudo bash registrar/install.sh');
    expect(note[0]).toContain('only removes records');
    expect(started.record.registrar).toBeNull();
    const api = `${started.record.api}/v1.0`;
    const extension = await newExtension(api, 'k3', 'nokam', '7001');
    expect((await fetch(`${api}/extensions/${extension.id}/registrations?token=k3`, { method: 'DELETE' })).status).toBe(204);
  }, 120_000);

  it('REGISTRAR_CONTROL_URL naming a registrar that is not running: the 503 tells a local user what to do', async () => {
    const ports = await freeLocalPorts();
    const started = await stack({ LOCAL_ACCESS_KEY: 'k4', REGISTRAR_CONTROL_URL: `http://127.0.0.1:${ports.control}/control` });
    const api = `${started.record.api}/v1.0`;
    const extension = await newExtension(api, 'k4', 'deadreg', '7002');
    const reply = await fetch(`${api}/extensions/${extension.id}/registrations?token=k4`, { method: 'DELETE' });
    expect(reply.status).toBe(503);
    const body = (await reply.json()) as { error: { message: string } };
    expect(body.error.message).toContain('Locally: npm start runs the registrar itself when Kamailio is installed');
  }, 120_000);
});

describe.skipIf(missing)('npm start with Kamailio', () => {
  it('runs Kamailio on loopback wired to the API (a DELETE reaches its control channel), and a busy SIP or control port is one line', async () => {
    const started = await stack({ LOCAL_ACCESS_KEY: 'k5' });
    const registrar = started.record.registrar!;
    expect(registrar).toMatchObject({ sip: `udp:127.0.0.1:${started.ports.sip}`, control: `http://127.0.0.1:${started.ports.control}/control` });
    expect(started.output()).toMatch(/^Register {8}sipp 127\.0\.0\.1:\d+ -sf registrar\/sipp\/register\.xml/m);
    expect(listenAddresses(started.ports.control).filter((a) => !LOOPBACK.has(a))).toEqual([]);
    expect(await portFree('udp', '127.0.0.1', started.ports.sip), 'Kamailio holds the SIP port').toBe(false);
    const api = `${started.record.api}/v1.0`;
    const extension = await newExtension(api, 'k5', 'wired', '7003');
    // Kamailio answers 404 (no binding): the API removes its records and answers 204. A
    // registrar that did not answer would be a 503.
    expect((await fetch(`${api}/extensions/${extension.id}/registrations?token=k5`, { method: 'DELETE' })).status).toBe(204);
    const log = readFileSync(registrar.log, 'utf8');
    expect(log).toContain('Listening on');

    for (const variable of ['REGISTRAR_SIP_PORT', 'REGISTRAR_CONTROL_PORT'] as const) {
      const ports = await freeLocalPorts();
      const holder = variable === 'REGISTRAR_SIP_PORT' ? await holdUdp(ports.sip) : await holdTcp(ports.control);
      const dataDir = mkdtempSync(join(tmpdir(), 'sip-busy-reg-'));
      cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }));
      const proc = run(process.execPath, ['--import', 'tsx', 'local/start.ts'], userEnv({ ...portEnv(ports), LOCAL_DATA_DIR: dataDir }));
      const code = await proc.exited;
      holder.close();
      expect(code, proc.output()).toBe(1);
      expect(proc.output().trim().split('\n'), proc.output()).toHaveLength(1);
      expect(proc.output()).toContain(`set ${variable} to a free port`);
      expect(processesUsing(dataDir)).toEqual([]);
    }
  }, 180_000);

  it('SIGKILL of the npm process stops the API, Kamailio and DynamoDB Local', async () => {
    const ports = await freeLocalPorts();
    const dataDir = mkdtempSync(join(tmpdir(), 'sip-kill-npm-'));
    cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const npm = run('npm', ['start'], userEnv({ ...portEnv(ports), LOCAL_DATA_DIR: dataDir, LOCAL_ACCESS_KEY: 'k6' }));
    cleanup.push(() => npm.stop('SIGKILL'));
    await npm.waitFor(/^Ctrl-C stops the API, Kamailio and DynamoDB Local/m);
    const running = processesUsing(dataDir);
    expect(running.length, 'DynamoDB Local and Kamailio run on this data folder').toBeGreaterThan(1);
    const record = JSON.parse(readFileSync(join(dataDir, 'stack.json'), 'utf8')) as { pid: number };
    npm.child.kill('SIGKILL');
    await npm.exited;
    const gone = await until(async () => {
      const alive = (pid: number) => {
        try {
          process.kill(pid, 0);
          return !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
        } catch {
          return false;
        }
      };
      return (
        processesUsing(dataDir).length === 0 &&
        !alive(record.pid) &&
        (await portFree('tcp', '127.0.0.1', ports.api)) &&
        (await portFree('udp', '127.0.0.1', ports.sip)) &&
        (await portFree('tcp', '127.0.0.1', ports.dynamodb))
      );
    }, 20_000);
    expect(gone, `left running: ${processesUsing(dataDir).join(', ')}`).toBe(true);
  }, 120_000);
});

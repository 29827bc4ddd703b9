import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../local/dynamodb.js';
import { freePortFor } from '../local/ports.js';

const root = resolve(import.meta.dirname, '..');

interface Started {
  child: ChildProcess;
  output: () => string;
  port: number;
}

/** Runs `npm start`'s entry (or `npm start` itself) as a real process on its own ports and data folder. */
async function startLocal(dataDir: string, env: Record<string, string> = {}, viaNpm = false): Promise<Started> {
  const port = await freePort();
  const dynamoPort = await freePort();
  const [command, args] = viaNpm ? ['npm', ['start']] : [process.execPath, ['--import', 'tsx', 'local/start.ts']];
  const child = spawn(command, args, {
    cwd: root,
    env: {
      ...process.env,
      LOG_LEVEL: 'SILENT',
      PORT: String(port),
      DYNAMODB_LOCAL_PORT: String(dynamoPort),
      // npm start also runs Kamailio when it is installed: never on the default ports.
      REGISTRAR_SIP_PORT: String(await freePortFor('udp')),
      REGISTRAR_CONTROL_PORT: String(await freePortFor('tcp')),
      LOCAL_DATA_DIR: dataDir,
      TABLE_NAME: 'sip-registry-local',
      DYNAMODB_ENDPOINT: '',
      PAGE_TOKEN_SECRET: '',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  const deadline = Date.now() + 60_000;
  while (!output.includes('Ctrl-C stops')) {
    if (child.exitCode !== null) throw new Error(`npm start exited: ${output}`);
    if (Date.now() > deadline) throw new Error(`npm start did not come up: ${output}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return { child, output: () => output, port };
}

async function stopAndCheckNoOrphan(started: Started, signal: NodeJS.Signals) {
  const javaPid = javaChildOf(started.child.pid!);
  expect(javaPid, 'DynamoDB Local runs as a child').toBeGreaterThan(0);
  const exited = new Promise((r) => started.child.once('exit', r));
  started.child.kill(signal);
  await exited;
  const deadline = Date.now() + 10_000;
  while (alive(javaPid!) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  expect(alive(javaPid!), 'no orphan java process').toBe(false);
}

/** The DynamoDB Local JVM that stores its data in dataDir, wherever it sits in the process tree. */
function javaUsing(dataDir: string): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (cmdline.includes('DynamoDBLocal.jar') && cmdline.includes(dataDir)) return Number(entry);
    } catch {
      // the process ended while we looked
    }
  }
  return undefined;
}

function javaChildOf(pid: number): number | undefined {
  // setpriv execs java in place, so the java process is a direct child.
  const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
  for (const child of children.map(Number)) {
    const cmdline = readFileSync(`/proc/${child}/cmdline`, 'utf8');
    if (cmdline.includes('DynamoDBLocal.jar')) {
      expect(cmdline).toContain('-disableTelemetry');
      return child;
    }
  }
  return undefined;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').split(' ')[2]!.startsWith('Z');
  } catch {
    return false;
  }
}

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('npm start', () => {
  it('seeds LOCAL_ACCESS_KEY, keeps data across restarts, generated keys persist, and leaves no java behind', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sip-local-'));
    dirs.push(dataDir);

    // 1. LOCAL_ACCESS_KEY=k: that secret lists the seeded key.
    const first = await startLocal(dataDir, { LOCAL_ACCESS_KEY: 'k-local-test' });
    const listed = await fetch(`http://127.0.0.1:${first.port}/v1.0/accesskeys?token=k-local-test`);
    expect(listed.status).toBe(200);
    const keys = ((await listed.json()) as { result: { id: string }[] }).result;
    expect(keys).toHaveLength(1);
    const created = await fetch(`http://127.0.0.1:${first.port}/v1.0/accesskeys?token=k-local-test`, {
      method: 'POST',
    });
    expect(created.status).toBe(200);
    await stopAndCheckNoOrphan(first, 'SIGTERM');

    // 2. Restart without LOCAL_ACCESS_KEY: data persisted, a generated key is printed and works.
    const second = await startLocal(dataDir);
    const generated = /Access key\s+(\S+)/.exec(second.output())![1]!;
    const afterRestart = await fetch(`http://127.0.0.1:${second.port}/v1.0/accesskeys?token=${generated}`);
    expect(afterRestart.status).toBe(200);
    expect(((await afterRestart.json()) as { result: unknown[] }).result).toHaveLength(3);
    await stopAndCheckNoOrphan(second, 'SIGINT');

    // 3. The generated key is kept: the next start prints the same one. A SIGKILLed
    //    launcher still takes DynamoDB Local with it.
    const third = await startLocal(dataDir);
    expect(/Access key\s+(\S+)/.exec(third.output())![1]).toBe(generated);
    const again = await fetch(`http://127.0.0.1:${third.port}/v1.0/accesskeys?token=k-local-test`);
    expect(again.status).toBe(200);
    await stopAndCheckNoOrphan(third, 'SIGKILL');
  }, 180_000);

  it('SIGTERM to the npm process itself stops the API and DynamoDB Local', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sip-local-npm-'));
    dirs.push(dataDir);
    const started = await startLocal(dataDir, { LOCAL_ACCESS_KEY: 'k-npm' }, true);
    const javaPid = javaUsing(dataDir);
    expect(javaPid, 'DynamoDB Local runs').toBeGreaterThan(0);
    expect((await fetch(`http://127.0.0.1:${started.port}/v1.0/health`)).status).toBe(200);
    const exited = new Promise((r) => started.child.once('exit', r));
    started.child.kill('SIGTERM');
    await exited;
    const deadline = Date.now() + 10_000;
    while ((alive(javaPid!) || javaUsing(dataDir)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(alive(javaPid!), 'no orphan java process').toBe(false);
    await expect(fetch(`http://127.0.0.1:${started.port}/v1.0/health`)).rejects.toThrow();
  }, 120_000);

  // Issue 12.2: npm start never recovered when DynamoDB Local died.
  it('restarts DynamoDB Local when it dies, on the same port and data, says so, and answers 503 + Retry-After meanwhile', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sip-local-crash-'));
    dirs.push(dataDir);
    const started = await startLocal(dataDir, { LOCAL_ACCESS_KEY: 'k-crash' });
    const api = `http://127.0.0.1:${started.port}/v1.0`;
    const created = await fetch(`${api}/domains?token=k-crash`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ domain_name: 'crash-test' }),
    });
    expect(created.status).toBe(200);
    const endpoint = /DynamoDB Local\s+(http:\/\/\S+)/.exec(started.output())![1]!;
    // DynamoDB Local acknowledges a transaction up to about a second before its file has it:
    // let the write reach the disk, so the crash below tests the restart, not that gap.
    await new Promise((r) => setTimeout(r, 2500));

    const firstJava = javaUsing(dataDir)!;
    process.kill(firstJava, 'SIGKILL');
    const during = await fetch(`${api}/domains?token=k-crash`);
    expect(during.status).toBe(503);
    expect(Number(during.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await during.json()) as { error: { reason: string } }).error.reason).toBe('DATABASE_UNAVAILABLE');

    const deadline = Date.now() + 60_000;
    while (!started.output().includes('DynamoDB Local restarted') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(started.output()).toContain(`DynamoDB Local exited (SIGKILL); restarting it on ${endpoint}`);
    expect(started.output()).toContain(`DynamoDB Local restarted on ${endpoint}`);
    const secondJava = javaUsing(dataDir);
    expect(secondJava).toBeGreaterThan(0);
    expect(secondJava).not.toBe(firstJava);
    // Same data: the domain made before the crash is still listed.
    const after = await fetch(`${api}/domains?token=k-crash`);
    expect(after.status).toBe(200);
    expect(((await after.json()) as { result: { domain_name: string }[] }).result.map((d) => d.domain_name)).toContain('crash-test');
    await stopAndCheckNoOrphan(started, 'SIGTERM');
  }, 180_000);

  it('with DYNAMODB_LOCAL_IN_MEMORY=1 keeps nothing on disk and says so', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sip-local-memory-'));
    dirs.push(dataDir);
    const started = await startLocal(dataDir, { LOCAL_ACCESS_KEY: 'k-memory', DYNAMODB_LOCAL_IN_MEMORY: '1' });
    expect(started.output()).toContain('in memory: nothing is kept');
    expect((await fetch(`http://127.0.0.1:${started.port}/v1.0/accesskeys?token=k-memory`)).status).toBe(200);
    expect(readdirSync(dataDir)).not.toContain('dynamodb');
    await stopAndCheckNoOrphan(started, 'SIGTERM');
  }, 120_000);

  it('without java on PATH says exactly what to install and exits non-zero', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sip-local-nojava-'));
    dirs.push(dataDir);
    const child = spawn(process.execPath, ['--import', 'tsx', 'local/start.ts'], {
      cwd: root,
      env: { ...process.env, PATH: '/nonexistent', LOCAL_DATA_DIR: dataDir, PORT: String(await freePort()) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
    const code = await new Promise((resolveExit) => child.once('exit', resolveExit));
    expect(code).toBe(1);
    expect(output).toContain('apt-get install -y openjdk-17-jre-headless');
  }, 60_000);
});

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePortFor } from '../../local/ports.js';
import { requireRegistrarTools } from '../support/registrarTools.js';
import { waitFor } from '../support/waitFor.js';

/** npm run registrar (registrar/start.ts): Kamailio with the local settings, stopped cleanly. */
const { missing } = requireRegistrarTools('registrar launcher tests');
const projectRoot = join(import.meta.dirname, '..', '..');

describe.skipIf(missing)('npm run registrar', () => {
  it('starts Kamailio with the local settings and stops it, workers included, on SIGTERM', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'registrar-start-'));
    const sipPort = await freePortFor('udp');
    const controlPort = await freePortFor('tcp');
    const child = spawn(join(projectRoot, 'node_modules', '.bin', 'tsx'), ['registrar/start.ts'], {
      cwd: projectRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        LOCAL_DATA_DIR: dataDir,
        API_URL: `http://127.0.0.1:${await freePortFor('tcp')}`,
        REGISTRAR_SIP_PORT: String(sipPort),
        REGISTRAR_CONTROL_PORT: String(controlPort),
        REGISTRAR_SECRETS: '',
        REGISTRAR_SECRET: '',
        REGISTRAR_CONTROL_TOKEN: '',
      },
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await waitFor(async () => output, (o) => o.includes('Ctrl-C stops Kamailio'), 20_000);
      expect(output).toContain(`sip:127.0.0.1:${sipPort} (udp)`);
      expect(output).toContain('npm start'); // the API is not up: it says how to start it
      const settings = JSON.parse(readFileSync(join(dataDir, 'local.json'), 'utf8'));
      expect(settings.registrarControlToken).toMatch(/^[\w-]{40,}$/);
      expect(output).not.toContain(settings.registrarControlToken);
      expect(output).not.toContain(settings.registrarSecret);
      const pid = Number(readFileSync(join(dataDir, 'kamailio', 'kamailio.pid'), 'utf8'));
      expect(processAlive(pid)).toBe(true);
      // The control channel answers with the token from .data/local.json.
      const rpc = await fetch(`http://127.0.0.1:${controlPort}/RPC`, {
        method: 'POST',
        headers: { authorization: `Bearer ${settings.registrarControlToken}` },
        body: JSON.stringify({ jsonrpc: '2.0', method: 'core.version', id: 1 }),
      });
      expect(rpc.status).toBe(200);

      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(processAlive(pid)).toBe(false);
      expect(await waitFor(async () => processGroupAlive(pid), (alive) => !alive, 5_000)).toBe(false);
    } finally {
      child.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Kamailio's workers share its process group (its pid). */
function processGroupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

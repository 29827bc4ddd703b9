import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, inject, it } from 'vitest';
import { projectRoot } from '../../infra/routeFunction.js';
import { useApi } from '../support/api.js';

const execFileAsync = promisify(execFile);

/** npm run admin -- ARGS, as a separate process; resolves with its exit code and output. */
async function admin(args: string[], env: NodeJS.ProcessEnv = {}) {
  try {
    const { stdout, stderr } = await execFileAsync('npx', ['tsx', 'scripts/admin.ts', ...args], {
      cwd: projectRoot,
      env: { ...process.env, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const local = () => ({ DYNAMODB_ENDPOINT: inject('dynamodbEndpoint'), TABLE_NAME: inject('tableName') });

describe('npm run admin -- customer create', () => {
  const api = useApi();

  it('creates a customer whose first access key works at once', async () => {
    const result = await admin(['customer', 'create', '--name', 'Admin Test Ltd'], local());
    expect(result.code, result.stderr).toBe(0);
    const created = JSON.parse(result.stdout);
    expect(created).toMatchObject({ stage: 'local', table: inject('tableName'), customer: { name: 'Admin Test Ltd' } });
    expect(created.access_key.token).toEqual(expect.any(String));
    const keys = await api.call('GET', '/v1.0/accesskeys', { token: created.access_key.token });
    expect(keys.status).toBe(200);
    expect(keys.body.result.map((k: { id: string }) => k.id)).toEqual([created.access_key.id]);
  });

  it('prints help with exit code 0', async () => {
    const result = await admin(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('customer create --name NAME [--stage STAGE] [--region REGION]');
  });

  it('fails with exit code 2 and the usage on bad input', async () => {
    for (const args of [[], ['customer', 'create'], ['customer', 'remove'], ['customer', 'create', '--name', 'x', '--bogus']]) {
      const result = await admin(args, local());
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr, args.join(' ')).toContain('Usage: npm run admin');
    }
  });

  it('rejects an unknown stage before touching AWS', async () => {
    const result = await admin(['customer', 'create', '--name', 'x', '--stage', 'nowhere']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Unknown stage "nowhere"');
  });

  it('exits 1 with a clear message when the local table is unreachable', async () => {
    const result = await admin(['customer', 'create', '--name', 'x'], { DYNAMODB_ENDPOINT: 'http://127.0.0.1:9', TABLE_NAME: 'nope' });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^admin: /m);
  });
});

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { clearSecretCacheForTests } from '../shared/secrets/read.js';
import { expectEnvelope, newCustomer, useApi } from './support/api.js';
import { newExtension } from './support/registrar.js';
import { updateConfig } from '../shared/config.js';

/**
 * On AWS every secret is read at run time through the AWS Parameters and Secrets Lambda
 * Extension (shared/secrets/read.ts). A stand-in on 127.0.0.1 speaks its protocol
 * (GET /secretsmanager/get?secretId=&versionStage=, X-Aws-Parameters-Secrets-Token), holds
 * AWSCURRENT and AWSPREVIOUS per secret and rotates like Secrets Manager does.
 */
const api = useApi();
const REGISTRAR_ARN = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:registrar-test-AbCdEf';
const PAGE_TOKEN_ARN = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:page-token-test-GhIjKl';
const SESSION_TOKEN = 'session-token-of-this-function';
let server: Server;
const versions = new Map<string, { AWSCURRENT: string; AWSPREVIOUS?: string }>();
let reads = 0;
let failing = false;

/** What put-secret-value does: the new value becomes AWSCURRENT, the old one AWSPREVIOUS. */
const rotate = (arn: string, value: string) => versions.set(arn, { AWSCURRENT: value, AWSPREVIOUS: versions.get(arn)?.AWSCURRENT });

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://extension');
    const secret = versions.get(url.searchParams.get('secretId') ?? '');
    const stage = (url.searchParams.get('versionStage') ?? 'AWSCURRENT') as 'AWSCURRENT' | 'AWSPREVIOUS';
    if (req.headers['x-aws-parameters-secrets-token'] !== SESSION_TOKEN) {
      res.writeHead(401).end('not authorized');
      return;
    }
    if (failing || url.pathname !== '/secretsmanager/get' || !secret?.[stage]) {
      res.writeHead(400).end(JSON.stringify({ __type: 'ResourceNotFoundException', message: 'no such secret or version' }));
      return;
    }
    reads++;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ ARN: url.searchParams.get('secretId'), SecretString: secret[stage], VersionStages: [stage] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  process.env.PARAMETERS_SECRETS_EXTENSION_HTTP_PORT = String((server.address() as AddressInfo).port);
  process.env.AWS_SESSION_TOKEN = SESSION_TOKEN;
  updateConfig({
    registrarSecrets: ['env-secret-ignored-when-an-arn-is-set'],
    registrarSecretsArn: REGISTRAR_ARN,
    pageTokenSecretArn: PAGE_TOKEN_ARN,
  });
});
afterAll(async () => {
  updateConfig({ registrarSecretsArn: undefined, pageTokenSecretArn: undefined });
  delete process.env.PARAMETERS_SECRETS_EXTENSION_HTTP_PORT;
  delete process.env.AWS_SESSION_TOKEN;
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(() => {
  clearSecretCacheForTests();
  versions.clear();
  versions.set(REGISTRAR_ARN, { AWSCURRENT: 'first-secret' });
  versions.set(PAGE_TOKEN_ARN, { AWSCURRENT: 'page-key-1' });
});

describe('registrar secrets from Secrets Manager', () => {
  it('uses the secret list, caches it, and re-reads after a rejection to pick up a rotation', async () => {
    const { token } = await newCustomer();
    const ext = await newExtension(api, token);
    const lookup = (secret: string) =>
      api.call('GET', `/v1.0/registrar/credentials?username=${ext.username}&realm=${ext.realm}`, {
        headers: { authorization: `Bearer ${secret}` },
      });
    expect((await lookup('first-secret')).status).toBe(200);
    expectEnvelope(await lookup('env-secret-ignored-when-an-arn-is-set'), 401, 'UNAUTHENTICATED');
    const readsAfterWarmup = reads;
    expect((await lookup('first-secret')).status).toBe(200);
    expect(reads).toBe(readsAfterWarmup); // served from the instance's cache

    // Rotation: a secret added to the list is refused while the cached copy is fresh
    // (under a minute old), then accepted: the refusal triggers one re-read.
    rotate(REGISTRAR_ARN, 'first-secret, second-secret');
    expectEnvelope(await lookup('second-secret'), 401, 'UNAUTHENTICATED');
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(Date.now() + 61_000);
      expect((await lookup('second-secret')).status).toBe(200);
      expect(reads).toBe(readsAfterWarmup + 1);
      expect((await lookup('first-secret')).status).toBe(200);
      // Removing the old secret ends it once the cache expires (5 minutes).
      rotate(REGISTRAR_ARN, 'second-secret');
      vi.setSystemTime(Date.now() + 5 * 60_000);
      expectEnvelope(await lookup('first-secret'), 401, 'UNAUTHENTICATED');
      expect((await lookup('second-secret')).status).toBe(200);
    } finally {
      vi.useRealTimers();
    }
  });

  it('answers 503, not 500, when the secret cannot be read and nothing is cached', async () => {
    failing = true;
    try {
      const response = await api.call('GET', '/v1.0/registrar/credentials?username=a&realm=b', {
        headers: { authorization: 'Bearer first-secret' },
      });
      expectEnvelope(response, 503, 'UNAVAILABLE', 'SECRET_UNAVAILABLE');
    } finally {
      failing = false;
    }
  });
});

describe('page-token key from Secrets Manager', () => {
  /** A customer with two access keys: their list has a second page. */
  async function twoPages() {
    const { token } = await newCustomer('paging');
    expect((await api.call('POST', '/v1.0/accesskeys', { token, body: { name: 'second' } })).status).toBe(200);
    const page = (pageToken?: string) =>
      api.call('GET', `/v1.0/accesskeys?page_size=1${pageToken ? `&page_token=${pageToken}` : ''}`, { token });
    return page;
  }

  it('a rotation needs no deploy and breaks no token in flight: the previous key is still accepted', async () => {
    const page = await twoPages();
    const issued = (await page()).body.next_page_token as string;
    expect(issued).not.toBe('');
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      rotate(PAGE_TOKEN_ARN, 'page-key-2');
      vi.setSystemTime(Date.now() + 5 * 60_000 + 1000); // the cached keys expire
      const second = await page(issued);
      expect(second.status, second.text).toBe(200);
      const reissued = (await page()).body.next_page_token as string;
      expect(reissued).not.toBe(issued); // signed with the new key
      expect((await page(reissued)).status).toBe(200);

      // Two rotations later the first key is gone.
      rotate(PAGE_TOKEN_ARN, 'page-key-3');
      vi.setSystemTime(Date.now() + 5 * 60_000 + 1000);
      expectEnvelope(await page(issued), 400, 'INVALID_ARGUMENT', 'INVALID_PAGE_TOKEN');
      expect((await page(reissued)).status).toBe(200);
    } finally {
      vi.useRealTimers();
    }
  });

  it('accepts a token signed with a key this instance has not seen yet, by reading the keys again', async () => {
    const page = await twoPages();
    expect((await page()).status).toBe(200); // caches page-key-1
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      // Another instance already signs with the new key; this one's cache is a minute old.
      rotate(PAGE_TOKEN_ARN, 'page-key-2');
      clearSecretCacheForTests();
      const fromOtherInstance = (await page()).body.next_page_token as string;
      versions.set(PAGE_TOKEN_ARN, { AWSCURRENT: 'page-key-1' });
      clearSecretCacheForTests();
      expect((await page()).status).toBe(200); // this instance caches page-key-1 again
      rotate(PAGE_TOKEN_ARN, 'page-key-2');
      vi.setSystemTime(Date.now() + 61_000);
      const response = await page(fromOtherInstance);
      expect(response.status, response.text).toBe(200);
    } finally {
      vi.useRealTimers();
    }
  });

  it('answers 503 when the page-token key cannot be read', async () => {
    const page = await twoPages();
    failing = true;
    try {
      expectEnvelope(await page(), 503, 'UNAVAILABLE', 'SECRET_UNAVAILABLE');
    } finally {
      failing = false;
    }
  });
});

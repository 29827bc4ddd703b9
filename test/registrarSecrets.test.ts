import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { expectEnvelope, newCustomer, useApi } from './support/api.js';
import { newExtension } from './support/registrar.js';

/**
 * On AWS the registrar secrets come from Secrets Manager. A stand-in on 127.0.0.1 speaks
 * its JSON protocol (GetSecretValue), so the real SDK path runs without leaving loopback.
 */
const api = useApi();
const ARN = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:registrar-test';
let server: Server;
let secretString = 'first-secret';
let reads = 0;
let failing = false;

beforeAll(async () => {
  server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
    const target = req.headers['x-amz-target'];
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
    if (failing || target !== 'secretsmanager.GetSecretValue' || body.SecretId !== ARN) {
      res.writeHead(400, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(JSON.stringify({ __type: 'ResourceNotFoundException', message: 'no such secret' }));
      return;
    }
    reads++;
    res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
    res.end(JSON.stringify({ ARN, Name: 'registrar-test', SecretString: secretString, VersionId: 'v1' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  process.env.AWS_ACCESS_KEY_ID = 'test';
  process.env.AWS_SECRET_ACCESS_KEY = 'test';
  process.env.REGISTRAR_SECRETS = 'env-secret-ignored-when-an-arn-is-set';
  process.env.REGISTRAR_SECRETS_ARN = ARN;
});
afterAll(async () => {
  delete process.env.REGISTRAR_SECRETS_ARN;
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('registrar secrets from Secrets Manager', () => {
  it('uses the secret list, caches it, and answers 503 when it cannot be read', async () => {
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
    secretString = 'first-secret, second-secret';
    expectEnvelope(await lookup('second-secret'), 401, 'UNAUTHENTICATED');
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(Date.now() + 61_000);
      expect((await lookup('second-secret')).status).toBe(200);
      expect(reads).toBe(readsAfterWarmup + 1);
      expect((await lookup('first-secret')).status).toBe(200);
      // Removing the old secret ends it once the cache expires (5 minutes).
      secretString = 'second-secret';
      vi.setSystemTime(Date.now() + 5 * 60_000);
      expectEnvelope(await lookup('first-secret'), 401, 'UNAUTHENTICATED');
      expect((await lookup('second-secret')).status).toBe(200);
    } finally {
      vi.useRealTimers();
    }
  });

  it('answers 503, not 500, when Secrets Manager fails and nothing is cached', async () => {
    const { clearSecretCacheForTests } = await import('../shared/registrar/secrets.js');
    clearSecretCacheForTests();
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

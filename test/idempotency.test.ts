import { createHash, randomUUID } from 'node:crypto';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { IDEMPOTENCY_TTL_SECONDS, takesIdempotencyKey } from '../shared/http/idempotencyKey.js';
import { buildOpenApiDocument } from '../shared/openapi/document.js';
import { routes } from '../shared/routes/index.js';
import { db, tableName } from '../shared/table/client.js';
import { idempotencyKeyItem } from '../shared/table/keys.js';
import { expectEnvelope, newCustomer, useApi } from './support/api.js';
import { holdIdempotencyKey } from './support/idempotency.js';

const api = useApi();

const keyed = (key: string) => ({ 'idempotency-key': key });
const itemOf = (customerId: string, key: string) =>
  idempotencyKeyItem(customerId, createHash('sha256').update(key).digest('base64url'));

async function newDomain(token: string) {
  const response = await api.call('POST', '/v1.0/domains', { token, body: { domain_name: `idem-${randomUUID().slice(0, 8)}` } });
  expect(response.status, response.text).toBe(200);
  return response.body as { id: string };
}

async function extensionIds(token: string, domainId: string): Promise<string[]> {
  const response = await api.call('GET', `/v1.0/extensions?domain_id=${domainId}`, { token });
  expect(response.status).toBe(200);
  return response.body.result.map((e: { id: string }) => e.id);
}

describe('a repeated request answers the first reply and does the work once', () => {
  it('replays a create: same status and body, Idempotent-Replayed, one extension', async () => {
    const { token } = await newCustomer();
    const domain = await newDomain(token);
    const key = randomUUID();
    // No password: the first reply carries a generated one, so only a true replay repeats it.
    const body = { domain_id: domain.id, extension: '2001' };
    const first = await api.call('POST', '/v1.0/extensions', { token, body, headers: keyed(key) });
    expect(first.status, first.text).toBe(200);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const again = await api.call('POST', '/v1.0/extensions', { token, body, headers: keyed(key), auth: 'bearer' });
    expect(again.status).toBe(200);
    expect(again.text).toBe(first.text);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await extensionIds(token, domain.id)).toEqual([first.body.id]);
  });

  it('10 racing duplicates create one extension and all get its reply', async () => {
    const { token } = await newCustomer();
    const domain = await newDomain(token);
    const key = randomUUID();
    const body = { domain_id: domain.id, extension: '2002' };
    const replies = await Promise.all(
      Array.from({ length: 10 }, () => api.call('POST', '/v1.0/extensions', { token, body, headers: keyed(key) })),
    );
    expect(replies.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(new Set(replies.map((r) => r.text)).size).toBe(1);
    expect(replies.filter((r) => r.headers.get('idempotent-replayed') === 'true')).toHaveLength(9);
    expect(await extensionIds(token, domain.id)).toEqual([replies[0]!.body.id]);
  });

  it('replays a direct-hash regeneration (a POST without a body): the hash changes once', async () => {
    const { token } = await newCustomer();
    const created = await api.call('POST', '/v1.0/extensions', { token, body: { extension: '2003' } });
    const path = `/v1.0/extensions/${created.body.id}/direct-hash-regenerate`;
    const key = randomUUID();
    const first = await api.call('POST', path, { token, headers: keyed(key) });
    expect(first.status).toBe(200);
    expect(first.body.direct_hash).not.toBe(created.body.direct_hash);
    const again = await api.call('POST', path, { token, headers: keyed(key) });
    expect(again.text).toBe(first.text);
    const now = await api.call('GET', `/v1.0/extensions/${created.body.id}`, { token });
    expect(now.body.direct_hash).toBe(first.body.direct_hash);
  });

  it("replays the route's own 4xx (409 number taken) even once the number is free again", async () => {
    const { token } = await newCustomer();
    const taken = await api.call('POST', '/v1.0/extensions', { token, body: { extension: '2004' } });
    const key = randomUUID();
    const body = { extension: '2004' };
    const refused = await api.call('POST', '/v1.0/extensions', { token, body, headers: keyed(key) });
    expectEnvelope(refused, 409, 'ALREADY_EXISTS');
    expect((await api.call('DELETE', `/v1.0/extensions/${taken.body.id}`, { token })).status).toBe(200);
    const again = await api.call('POST', '/v1.0/extensions', { token, body, headers: keyed(key) });
    expect(again.status).toBe(409);
    expect(again.text).toBe(refused.text);
    expect(again.headers.get('x-request-id')).toBe(refused.headers.get('x-request-id'));
  });

  it('keeps nothing for a request the pipeline refuses (400 body): the key then serves the corrected request', async () => {
    const { token } = await newCustomer();
    const key = randomUUID();
    const bad = await api.call('POST', '/v1.0/domains', { token, body: { domain_name: 7 }, headers: keyed(key) });
    expectEnvelope(bad, 400, 'INVALID_ARGUMENT');
    const good = await api.call('POST', '/v1.0/domains', {
      token,
      body: { domain_name: `idem-${randomUUID().slice(0, 8)}` },
      headers: keyed(key),
    });
    expect(good.status, good.text).toBe(200);
  });
});

describe('a key reused for another request is refused', () => {
  it('another body is 422 IDEMPOTENCY_KEY_REUSED and does nothing', async () => {
    const { token } = await newCustomer();
    const domain = await newDomain(token);
    const key = randomUUID();
    await api.call('POST', '/v1.0/extensions', { token, body: { domain_id: domain.id, extension: '2005' }, headers: keyed(key) });
    const other = await api.call('POST', '/v1.0/extensions', {
      token,
      body: { domain_id: domain.id, extension: '2006' },
      headers: keyed(key),
    });
    expectEnvelope(other, 422, 'UNPROCESSABLE_ENTITY', 'IDEMPOTENCY_KEY_REUSED');
    expect(await extensionIds(token, domain.id)).toHaveLength(1);
  });

  it('another path is 422 too', async () => {
    const { token } = await newCustomer();
    const a = await api.call('POST', '/v1.0/extensions', { token, body: { extension: '2007' } });
    const b = await api.call('POST', '/v1.0/extensions', { token, body: { extension: '2008' } });
    const key = randomUUID();
    const regenerate = (id: string) => api.call('POST', `/v1.0/extensions/${id}/direct-hash-regenerate`, { token, headers: keyed(key) });
    expect((await regenerate(a.body.id)).status).toBe(200);
    expectEnvelope(await regenerate(b.body.id), 422, 'UNPROCESSABLE_ENTITY', 'IDEMPOTENCY_KEY_REUSED');
    expect((await api.call('GET', `/v1.0/extensions/${b.body.id}`, { token })).body.direct_hash).toBe(b.body.direct_hash);
  });

  it('a malformed key is 400 INVALID_IDEMPOTENCY_KEY and does nothing', async () => {
    const { token } = await newCustomer();
    for (const key of ['short', 'with spaces in the key ok', 'x'.repeat(256), 'caf\u00e9-0123456789abcdef']) {
      const response = await api.call('POST', '/v1.0/accesskeys', { token, body: { name: 'k' }, headers: keyed(key) });
      expectEnvelope(response, 400, 'INVALID_ARGUMENT', 'INVALID_IDEMPOTENCY_KEY');
    }
    expect((await api.call('GET', '/v1.0/accesskeys', { token })).body.result).toHaveLength(1);
  });
});

describe('keys belong to a customer', () => {
  it("another customer's identical key and body is an independent request", async () => {
    const alice = await newCustomer();
    const bob = await newCustomer();
    const key = randomUUID();
    const body = { name: 'shared key' };
    const forAlice = await api.call('POST', '/v1.0/accesskeys', { token: alice.token, body, headers: keyed(key) });
    const forBob = await api.call('POST', '/v1.0/accesskeys', { token: bob.token, body, headers: keyed(key) });
    expect([forAlice.status, forBob.status]).toEqual([200, 200]);
    expect(forBob.headers.get('idempotent-replayed')).toBeNull();
    expect(forBob.body.id).not.toBe(forAlice.body.id);
    expect((await api.call('GET', '/v1.0/accesskeys', { token: bob.token })).body.result).toHaveLength(2);
  });
});

describe('storage', () => {
  it('keeps the item under the customer with a 24 h TTL, and neither the key nor the reply in clear', async () => {
    const { token, customerId } = await newCustomer();
    const key = randomUUID();
    const before = Math.floor(Date.now() / 1000);
    const created = await api.call('POST', '/v1.0/accesskeys', { token, body: { name: 'stored' }, headers: keyed(key) });
    const { Item } = await db().send(new GetCommand({ TableName: tableName(), Key: itemOf(customerId, key), ConsistentRead: true }));
    expect(Item?.PK).toMatch(new RegExp(`^CUSTOMER#${customerId}#IDEMPOTENCY#`));
    expect(Item?.state).toBe('completed');
    expect(Item?.ttl).toBeGreaterThanOrEqual(before + IDEMPOTENCY_TTL_SECONDS);
    expect(Item?.ttl).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + IDEMPOTENCY_TTL_SECONDS);
    const stored = JSON.stringify(Item);
    expect(stored).not.toContain(key);
    expect(stored).not.toContain(created.body.token);
  });

  it('a key past its TTL (not yet swept by DynamoDB) is free again: the work is done anew', async () => {
    const { token, customerId } = await newCustomer();
    const key = randomUUID();
    const body = { name: 'expiring' };
    const first = await api.call('POST', '/v1.0/accesskeys', { token, body, headers: keyed(key) });
    await db().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: itemOf(customerId, key),
        UpdateExpression: 'SET #ttl = :past',
        ExpressionAttributeNames: { '#ttl': 'ttl' },
        ExpressionAttributeValues: { ':past': Math.floor(Date.now() / 1000) - 1 },
      }),
    );
    const later = await api.call('POST', '/v1.0/accesskeys', { token, body, headers: keyed(key) });
    expect(later.status).toBe(200);
    expect(later.headers.get('idempotent-replayed')).toBeNull();
    expect(later.body.id).not.toBe(first.body.id);
  });
});

describe('a duplicate of a request still running', () => {
  // The first request is played by a claim made directly in the store: it never finishes.
  const holdKey = (customerId: string, body: unknown, leaseSeconds: number) =>
    holdIdempotencyKey(customerId, { method: 'POST', path: '/v1.0/accesskeys', body: JSON.stringify(body) }, leaseSeconds);

  it('waits a bounded time, then answers 409 IDEMPOTENCY_KEY_IN_USE with Retry-After', async () => {
    const { token, customerId } = await newCustomer();
    const body = { name: 'held' };
    const key = await holdKey(customerId, body, 60);
    const started = Date.now();
    const response = await api.call('POST', '/v1.0/accesskeys', { token, body, headers: keyed(key) });
    expectEnvelope(response, 409, 'FAILED_PRECONDITION', 'IDEMPOTENCY_KEY_IN_USE');
    expect(response.headers.get('retry-after')).toBe('1');
    expect(Date.now() - started).toBeLessThan(15_000);
    expect((await api.call('GET', '/v1.0/accesskeys', { token })).body.result).toHaveLength(1);
  });

  it('takes over a key whose holder died (lease over) and does the work', async () => {
    const { token, customerId } = await newCustomer();
    const body = { name: 'abandoned' };
    const key = await holdKey(customerId, body, -1);
    const response = await api.call('POST', '/v1.0/accesskeys', { token, body, headers: keyed(key) });
    expect(response.status, response.text).toBe(200);
    expect((await api.call('GET', '/v1.0/accesskeys', { token })).body.result).toHaveLength(2);
  });
});

describe('the contract is documented', () => {
  it('every customer POST, and nothing else, takes Idempotency-Key and documents 409 and 422', () => {
    const document = buildOpenApiDocument(routes) as any;
    for (const route of routes) {
      const operation = document.paths[route.path][route.method.toLowerCase()];
      const header = (operation.parameters ?? []).find((p: { in: string; name: string }) => p.in === 'header' && p.name === 'Idempotency-Key');
      expect(Boolean(header), route.operationId).toBe(takesIdempotencyKey(route));
      if (!takesIdempotencyKey(route)) continue;
      expect(header.required ?? false).toBe(false);
      for (const status of ['400', '409', '422']) expect(operation.responses[status], `${route.operationId} ${status}`).toBeDefined();
    }
    expect(routes.filter(takesIdempotencyKey).map((r) => r.operationId).sort()).toEqual(
      [
        'createAccessKey',
        'createDomain',
        'createExtension',
        'regenerateExtensionDirectHash',
        'createWebhook',
        'regenerateWebhookSecret',
        'redeliverWebhookDelivery',
      ].sort(),
    );
  });
});

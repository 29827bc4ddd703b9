import { describe, expect, it, vi } from 'vitest';
import { expectEnvelope, newCustomer, useApi, type ApiResponse } from './support/api.js';
import { hashSecret } from '../shared/domain/secrets.js';
import { holdDynamoDbAnswers } from './support/dynamoGate.js';

const api = useApi();

describe('authentication', () => {
  it('accepts the key as ?token=, ?accesskey= and Bearer', async () => {
    const { token, accessKeyId } = await newCustomer();
    for (const auth of ['query-token', 'query-accesskey', 'bearer'] as const) {
      const response = await api.call('GET', '/v1.0/accesskeys', { token, auth });
      expect(response.status, auth).toBe(200);
      expect(response.body.result.map((k: { id: string }) => k.id)).toEqual([accessKeyId]);
    }
  });

  it('rejects a missing, unknown or malformed key with 401', async () => {
    expectEnvelope(await api.call('GET', '/v1.0/accesskeys'), 401, 'UNAUTHENTICATED', 'MISSING_ACCESS_KEY');
    expectEnvelope(await api.call('GET', '/v1.0/accesskeys', { token: 'nope' }), 401, 'UNAUTHENTICATED');
    expectEnvelope(
      await api.call('GET', '/v1.0/accesskeys', { headers: { authorization: 'Basic abc' } }),
      401,
      'UNAUTHENTICATED',
      'MALFORMED_AUTHORIZATION',
    );
  });

  it('refuses two different keys in one request, and ignores a non-Bearer header beside a query key', async () => {
    const alice = await newCustomer();
    const bob = await newCustomer();
    const both = await api.call('GET', '/v1.0/accesskeys', {
      token: alice.token,
      headers: { authorization: `Bearer ${bob.token}` },
    });
    expectEnvelope(both, 401, 'UNAUTHENTICATED', 'AMBIGUOUS_ACCESS_KEY');
    const same = await api.call('GET', '/v1.0/accesskeys', {
      token: alice.token,
      headers: { authorization: `Bearer ${alice.token}` },
    });
    expect(same.status).toBe(200);
    const proxied = await api.call('GET', '/v1.0/accesskeys', {
      token: alice.token,
      headers: { authorization: 'Basic dXNlcjpwYXNz' },
    });
    expect(proxied.status).toBe(200);
    expect(proxied.body.result[0].customer_id).toBe(alice.customerId);
  });

  it('stops accepting a deleted key at once', async () => {
    const { token } = await newCustomer();
    const created = await api.call('POST', '/v1.0/accesskeys', { token, body: { name: 'temp' } });
    const second = created.body.token as string;
    expect((await api.call('GET', '/v1.0/accesskeys', { token: second })).status).toBe(200);
    const deleted = await api.call('DELETE', `/v1.0/accesskeys/${created.body.id}`, { token });
    expect(deleted.status).toBe(200);
    expect(deleted.body.tm_delete).not.toBe('');
    expectEnvelope(await api.call('GET', '/v1.0/accesskeys', { token: second }), 401, 'UNAUTHENTICATED');
  });

  it('refuses a key once it has expired, even while it is cached', async () => {
    const { token } = await newCustomer();
    const created = await api.call('POST', '/v1.0/accesskeys', { token, body: { expire: 60 } });
    const shortLived = created.body.token as string;
    expect((await api.call('GET', '/v1.0/accesskeys', { token: shortLived })).status).toBe(200);
    const now = Date.now();
    const clock = vi.spyOn(Date, 'now').mockReturnValue(now + 61_000);
    try {
      expectEnvelope(await api.call('GET', '/v1.0/accesskeys', { token: shortLived }), 401, 'UNAUTHENTICATED');
      expect((await api.call('GET', '/v1.0/accesskeys', { token })).status).toBe(200);
    } finally {
      clock.mockRestore();
    }
  });

  // Issue 12.1: lookups in flight while the key was deleted put it back into the cache.
  it('stays refused after a DELETE that raced 30 requests authenticating with the key', async () => {
    const { token } = await newCustomer();
    const created = await api.call('POST', '/v1.0/accesskeys', { token, body: { name: 'raced' } });
    const key = created.body.token as string;
    // The 30 lookups of K read it from the table before the DELETE and answer after it.
    const lookupOfK = `ACCESSKEYHASH#${hashSecret(key)}`;
    const gate = holdDynamoDbAnswers((operation, input) => operation === 'GetItem' && input.Key?.PK === lookupOfK);
    let gets: Promise<ApiResponse>[] = [];
    try {
      gets = Array.from({ length: 30 }, () => api.call('GET', '/v1.0/accesskeys', { token: key }));
      await gate.waitForHeld(30);
      expect((await api.call('DELETE', `/v1.0/accesskeys/${created.body.id}`, { token })).status).toBe(200);
    } finally {
      gate.release();
    }
    for (const reply of await Promise.all(gets)) expect(reply.status).toBe(200);
    expectEnvelope(await api.call('GET', '/v1.0/accesskeys', { token: key }), 401, 'UNAUTHENTICATED');
  });

  it('a key can delete itself and is refused right after', async () => {
    const { token, accessKeyId } = await newCustomer();
    expect((await api.call('DELETE', `/v1.0/accesskeys/${accessKeyId}`, { token })).status).toBe(200);
    expectEnvelope(await api.call('GET', '/v1.0/accesskeys', { token }), 401, 'UNAUTHENTICATED');
  });
});

describe('access keys API', () => {
  it('creates a key whose secret is shown once and works', async () => {
    const { token, customerId } = await newCustomer();
    const created = await api.call('POST', '/v1.0/accesskeys', {
      token,
      body: { name: 'ci', detail: 'for CI', expire: 3600 },
    });
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({ customer_id: customerId, name: 'ci', detail: 'for CI', tm_delete: '' });
    expect(created.body.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(created.body.tm_expire).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$/);

    const fetched = await api.call('GET', `/v1.0/accesskeys/${created.body.id}`, { token: created.body.token });
    expect(fetched.status).toBe(200);
    expect(fetched.body.token).toBeUndefined();
    expect(fetched.text).not.toContain(created.body.token);
    const listed = await api.call('GET', '/v1.0/accesskeys', { token });
    expect(listed.text).not.toContain(created.body.token);
    expect(listed.body.result[0].id).toBe(created.body.id); // newest first
  });

  it('creates a key without a body', async () => {
    const { token } = await newCustomer();
    const created = await api.call('POST', '/v1.0/accesskeys', { token });
    expect(created.status).toBe(200);
    expect(created.body.tm_expire).toBe('');
  });

  it('validates the body', async () => {
    const { token } = await newCustomer();
    const bad = await api.call('POST', '/v1.0/accesskeys', { token, body: { expire: -5 } });
    expect(expectEnvelope(bad, 400, 'INVALID_ARGUMENT', 'INVALID_BODY').message).toContain('expire');
  });

  it("answers 404 for another customer's key id, unknown and malformed ids", async () => {
    const alice = await newCustomer();
    const bob = await newCustomer();
    for (const method of ['GET', 'DELETE']) {
      expectEnvelope(await api.call(method, `/v1.0/accesskeys/${bob.accessKeyId}`, { token: alice.token }), 404, 'NOT_FOUND');
      expectEnvelope(await api.call(method, '/v1.0/accesskeys/not-a-uuid', { token: alice.token }), 404, 'NOT_FOUND');
    }
    // Bob's key still works: Alice's DELETE touched nothing.
    expect((await api.call('GET', '/v1.0/accesskeys', { token: bob.token })).status).toBe(200);
  });

  it('pages with a tamper-proof token bound to the customer', async () => {
    const alice = await newCustomer();
    const bob = await newCustomer();
    for (let i = 0; i < 4; i++) await api.call('POST', '/v1.0/accesskeys', { token: alice.token, body: { name: `k${i}` } });
    const seen: string[] = [];
    let pageToken = '';
    let pages = 0;
    do {
      const page = await api.call('GET', `/v1.0/accesskeys?page_size=2${pageToken ? `&page_token=${pageToken}` : ''}`, {
        token: alice.token,
      });
      expect(page.status).toBe(200);
      seen.push(...page.body.result.map((k: { id: string }) => k.id));
      pageToken = page.body.next_page_token;
      pages++;
      if (pages === 1) {
        expectEnvelope(
          await api.call('GET', `/v1.0/accesskeys?page_token=${pageToken}`, { token: bob.token }),
          400,
          'INVALID_ARGUMENT',
          'INVALID_PAGE_TOKEN',
        );
        const tampered = `${pageToken.slice(0, 5)}${pageToken[5] === 'A' ? 'B' : 'A'}${pageToken.slice(6)}`;
        expectEnvelope(
          await api.call('GET', `/v1.0/accesskeys?page_token=${tampered}`, { token: alice.token }),
          400,
          'INVALID_ARGUMENT',
          'INVALID_PAGE_TOKEN',
        );
      }
    } while (pageToken);
    expect(pages).toBe(3);
    expect(new Set(seen).size).toBe(5);
  });
});

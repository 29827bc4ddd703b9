import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { expectEnvelope, newCustomer, useApi } from './support/api.js';

const api = useApi();

/** Unique per run: domain names are unique across all customers. */
const uniqueName = (prefix = 'd') => `${prefix}-${randomBytes(5).toString('hex')}`;
const TIMESTAMP = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$/;
const DOMAIN_FIELDS = ['id', 'customer_id', 'domain_name', 'realm', 'name', 'detail', 'tm_create', 'tm_update', 'tm_delete'];

describe('domains API', () => {
  it('creates a domain with its realm and reads it back', async () => {
    const { token, customerId } = await newCustomer();
    const domainName = uniqueName('acme');
    const created = await api.call('POST', '/v1.0/domains', {
      token,
      body: { domain_name: domainName, name: 'Acme', detail: 'main office' },
    });
    expect(created.status).toBe(200);
    expect(Object.keys(created.body).sort()).toEqual([...DOMAIN_FIELDS].sort());
    expect(created.body).toMatchObject({
      customer_id: customerId,
      domain_name: domainName,
      realm: `${domainName}.sip.test`,
      name: 'Acme',
      detail: 'main office',
      tm_update: '',
      tm_delete: '',
    });
    expect(created.body.tm_create).toMatch(TIMESTAMP);

    const fetched = await api.call('GET', `/v1.0/domains/${created.body.id}`, { token });
    expect(fetched.status).toBe(200);
    expect(fetched.body).toEqual(created.body);
  });

  it('defaults name and detail to ""', async () => {
    const { token } = await newCustomer();
    const created = await api.call('POST', '/v1.0/domains', { token, body: { domain_name: uniqueName() } });
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({ name: '', detail: '' });
  });

  it('validates domain_name as a DNS label', async () => {
    const { token } = await newCustomer();
    const bad = ['', 'UPPER', '-lead', 'trail-', 'dot.ted', 'under_score', 'a'.repeat(64), 'sp ace'];
    for (const domainName of bad) {
      const response = await api.call('POST', '/v1.0/domains', { token, body: { domain_name: domainName } });
      const error = expectEnvelope(response, 400, 'INVALID_ARGUMENT', 'INVALID_BODY');
      expect(error.message, domainName).toContain('domain_name');
    }
    const missing = await api.call('POST', '/v1.0/domains', { token, body: { name: 'x' } });
    expect(expectEnvelope(missing, 400, 'INVALID_ARGUMENT').message).toContain('domain_name');
    // Edge cases that are valid labels.
    const longest = `a${'b'.repeat(51)}${randomBytes(5).toString('hex')}`; // 63 characters
    for (const domainName of [longest, `0-9--${randomBytes(4).toString('hex')}`]) {
      const ok = await api.call('POST', '/v1.0/domains', { token, body: { domain_name: domainName } });
      expect(ok.status, domainName).toBe(200);
    }
  });

  it('refuses a domain_name taken by any customer with 409', async () => {
    const alice = await newCustomer();
    const bob = await newCustomer();
    const domainName = uniqueName();
    expect((await api.call('POST', '/v1.0/domains', { token: alice.token, body: { domain_name: domainName } })).status).toBe(200);
    for (const token of [alice.token, bob.token]) {
      const again = await api.call('POST', '/v1.0/domains', { token, body: { domain_name: domainName } });
      expect(expectEnvelope(again, 409, 'ALREADY_EXISTS', 'DOMAIN_NAME_TAKEN').message).toContain(domainName);
    }
    const bobs = await api.call('GET', '/v1.0/domains', { token: bob.token });
    expect(bobs.body.result).toEqual([]);
  });

  it('updates only the given fields', async () => {
    const { token } = await newCustomer();
    const created = await api.call('POST', '/v1.0/domains', {
      token,
      body: { domain_name: uniqueName(), name: 'before', detail: 'kept' },
    });
    const renamed = await api.call('PUT', `/v1.0/domains/${created.body.id}`, { token, body: { name: 'after' } });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ name: 'after', detail: 'kept', domain_name: created.body.domain_name });
    expect(renamed.body.tm_update).toMatch(TIMESTAMP);
    // domain_name cannot be changed: a 400 that says so, and nothing changes.
    const refused = await api.call('PUT', `/v1.0/domains/${created.body.id}`, {
      token,
      body: { detail: 'new detail', domain_name: 'other' },
    });
    expect(expectEnvelope(refused, 400, 'INVALID_ARGUMENT', 'INVALID_BODY').message).toContain('domain_name cannot be changed');
    const ignored = await api.call('PUT', `/v1.0/domains/${created.body.id}`, { token, body: { detail: 'new detail' } });
    expect(ignored.body).toMatchObject({ name: 'after', detail: 'new detail', domain_name: created.body.domain_name });
    expect((await api.call('GET', `/v1.0/domains/${created.body.id}`, { token })).body).toEqual(ignored.body);

    const invalid = await api.call('PUT', `/v1.0/domains/${created.body.id}`, { token, body: { name: 42 } });
    expect(expectEnvelope(invalid, 400, 'INVALID_ARGUMENT', 'INVALID_BODY').message).toContain('name');
  });

  it('lists newest first with signed page tokens', async () => {
    const alice = await newCustomer();
    const bob = await newCustomer();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const created = await api.call('POST', '/v1.0/domains', { token: alice.token, body: { domain_name: uniqueName() } });
      ids.push(created.body.id);
    }
    const seen: string[] = [];
    let pageToken = '';
    do {
      const page = await api.call('GET', `/v1.0/domains?page_size=2${pageToken ? `&page_token=${pageToken}` : ''}`, {
        token: alice.token,
      });
      expect(page.status).toBe(200);
      expect(page.body.result.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.result.map((d: { id: string }) => d.id));
      pageToken = page.body.next_page_token;
      if (pageToken) {
        expectEnvelope(
          await api.call('GET', `/v1.0/domains?page_token=${pageToken}`, { token: bob.token }),
          400,
          'INVALID_ARGUMENT',
          'INVALID_PAGE_TOKEN',
        );
      }
    } while (pageToken);
    expect(seen).toEqual([...ids].reverse());
  });

  it('deletes a domain: returns it with tm_delete, then 404, and frees the domain_name', async () => {
    const alice = await newCustomer();
    const bob = await newCustomer();
    const domainName = uniqueName();
    const created = await api.call('POST', '/v1.0/domains', { token: alice.token, body: { domain_name: domainName } });
    const deleted = await api.call('DELETE', `/v1.0/domains/${created.body.id}`, { token: alice.token });
    expect(deleted.status).toBe(200);
    expect(deleted.body).toMatchObject({ id: created.body.id, domain_name: domainName });
    expect(deleted.body.tm_delete).toMatch(TIMESTAMP);
    expectEnvelope(await api.call('GET', `/v1.0/domains/${created.body.id}`, { token: alice.token }), 404, 'NOT_FOUND', 'DOMAIN_NOT_FOUND');
    expectEnvelope(await api.call('DELETE', `/v1.0/domains/${created.body.id}`, { token: alice.token }), 404, 'NOT_FOUND');
    // Another customer can now take the name.
    const reused = await api.call('POST', '/v1.0/domains', { token: bob.token, body: { domain_name: domainName } });
    expect(reused.status).toBe(200);
    expect(reused.body.realm).toBe(`${domainName}.sip.test`);
  });

  it('refuses to delete a domain that still has extensions (FAILED_PRECONDITION)', async () => {
    const { token } = await newCustomer();
    const created = await api.call('POST', '/v1.0/domains', { token, body: { domain_name: uniqueName() } });
    const ext = await api.call('POST', '/v1.0/extensions', { token, body: { domain_id: created.body.id, extension: '100' } });
    expect(ext.status).toBe(200);
    const refused = await api.call('DELETE', `/v1.0/domains/${created.body.id}`, { token });
    expect(expectEnvelope(refused, 409, 'FAILED_PRECONDITION', 'DOMAIN_HAS_EXTENSIONS').message).toContain('extensions');
    expect((await api.call('GET', `/v1.0/domains/${created.body.id}`, { token })).status).toBe(200);

    expect((await api.call('DELETE', `/v1.0/extensions/${ext.body.id}`, { token })).status).toBe(200);
    expect((await api.call('DELETE', `/v1.0/domains/${created.body.id}`, { token })).status).toBe(200);
  });

  it("answers 404 for another customer's, unknown and malformed domain ids, and changes nothing", async () => {
    const alice = await newCustomer();
    const bob = await newCustomer();
    const bobs = await api.call('POST', '/v1.0/domains', {
      token: bob.token,
      body: { domain_name: uniqueName(), name: 'bob', detail: 'bob detail' },
    });
    const unknown = '01890000-0000-7000-8000-000000000000';
    for (const id of [bobs.body.id, unknown, 'not-a-uuid']) {
      expectEnvelope(await api.call('GET', `/v1.0/domains/${id}`, { token: alice.token }), 404, 'NOT_FOUND');
      expectEnvelope(
        await api.call('PUT', `/v1.0/domains/${id}`, { token: alice.token, body: { name: 'hijacked' } }),
        404,
        'NOT_FOUND',
      );
      expectEnvelope(await api.call('DELETE', `/v1.0/domains/${id}`, { token: alice.token }), 404, 'NOT_FOUND');
    }
    const still = await api.call('GET', `/v1.0/domains/${bobs.body.id}`, { token: bob.token });
    expect(still.body).toEqual(bobs.body);
  });
});

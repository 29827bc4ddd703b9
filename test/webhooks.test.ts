import { describe, expect, it } from 'vitest';
import { WEBHOOK_EVENT_TYPES } from '../shared/schemas/webhooks.js';
import { isRefusedAddress, urlProblem } from '../shared/webhooks/urlPolicy.js';
import { newCustomer, useApi } from './support/api.js';

/** The subscriptions API: /v1.0/webhooks (the customer's own webhooks, not the registrar's). */
const api = useApi();
const hook = (extra: Record<string, unknown> = {}) => ({
  url: 'http://127.0.0.1:9/hooks',
  event_types: ['registration.registered'],
  ...extra,
});

describe('creating a webhook', () => {
  it('returns the webhook with a whsec_ secret once; GET and the list never show it', async () => {
    const { token, customerId } = await newCustomer();
    const created = await api.call('POST', '/v1.0/webhooks', { token, body: hook({ name: 'pbx', detail: 'ops' }) });
    expect(created.status, created.text).toBe(200);
    expect(created.body).toMatchObject({
      customer_id: customerId,
      url: 'http://127.0.0.1:9/hooks',
      event_types: ['registration.registered'],
      name: 'pbx',
      detail: 'ops',
      enabled: true,
      disabled_reason: '',
    });
    expect(created.body.secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    const got = await api.call('GET', `/v1.0/webhooks/${created.body.id}`, { token });
    expect(got.status).toBe(200);
    expect(got.body.secret).toBeUndefined();
    expect(got.text).not.toContain(created.body.secret);
    const list = await api.call('GET', '/v1.0/webhooks', { token });
    expect(list.body.result.map((w: any) => w.id)).toEqual([created.body.id]);
    expect(list.text).not.toContain(created.body.secret);
  });

  it.each([
    ['no url', { event_types: ['extension.created'] }, 'url'],
    ['an unknown event type', hook({ event_types: ['registration.refreshed'] }), 'event_types'],
    ['no event type', hook({ event_types: [] }), 'event_types'],
    ['a repeated event type', hook({ event_types: ['extension.created', 'extension.created'] }), 'must not repeat'],
    ['an unknown field', hook({ secret: 'whsec_x' }), 'unknown field secret'],
    ['plain http to another host', hook({ url: 'http://example.com/hooks' }), 'https'],
    ['credentials in the url', hook({ url: 'https://user:pw@example.com/hooks' }), 'credentials'],
    ['not a url', hook({ url: 'hooks' }), 'absolute URL'],
  ])('refuses %s with a 400 naming the problem, and stores nothing', async (_what, body, message) => {
    const { token } = await newCustomer();
    const refused = await api.call('POST', '/v1.0/webhooks', { token, body });
    expect(refused.status, refused.text).toBe(400);
    expect(refused.body.error.message).toContain(message);
    const list = await api.call('GET', '/v1.0/webhooks', { token });
    expect(list.body.result).toEqual([]);
  });

  it('accepts every documented event type', async () => {
    const { token } = await newCustomer();
    const created = await api.call('POST', '/v1.0/webhooks', { token, body: hook({ event_types: [...WEBHOOK_EVENT_TYPES] }) });
    expect(created.status, created.text).toBe(200);
    expect(created.body.event_types).toEqual([...WEBHOOK_EVENT_TYPES]);
  });

  it('allows 10 per customer: the 11th is 409, and a delete frees a place', async () => {
    const { token } = await newCustomer();
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) {
      const created = await api.call('POST', '/v1.0/webhooks', { token, body: hook() });
      expect(created.status, created.text).toBe(200);
      ids.push(created.body.id);
    }
    const eleventh = await api.call('POST', '/v1.0/webhooks', { token, body: hook() });
    expect(eleventh.status).toBe(409);
    expect(eleventh.body.error.reason).toBe('WEBHOOK_LIMIT_REACHED');
    expect((await api.call('DELETE', `/v1.0/webhooks/${ids[0]}`, { token })).status).toBe(200);
    expect((await api.call('POST', '/v1.0/webhooks', { token, body: hook() })).status).toBe(200);
    expect((await api.call('POST', '/v1.0/webhooks', { token, body: hook() })).status).toBe(409);
  });

  it('holds the limit under concurrent creates', async () => {
    const { token } = await newCustomer();
    const replies = await Promise.all(Array.from({ length: 14 }, () => api.call('POST', '/v1.0/webhooks', { token, body: hook() })));
    expect(replies.filter((r) => r.status === 200)).toHaveLength(10);
    expect(replies.filter((r) => r.status === 409)).toHaveLength(4);
  });
});

describe('changing a webhook', () => {
  it('PUT changes only the given fields; enabled false says why', async () => {
    const { token } = await newCustomer();
    const created = await api.call('POST', '/v1.0/webhooks', { token, body: hook({ name: 'a' }) });
    const updated = await api.call('PUT', `/v1.0/webhooks/${created.body.id}`, {
      token,
      body: { event_types: ['extension.created', 'extension.deleted'], enabled: false },
    });
    expect(updated.status, updated.text).toBe(200);
    expect(updated.body).toMatchObject({
      name: 'a',
      url: created.body.url,
      event_types: ['extension.created', 'extension.deleted'],
      enabled: false,
      disabled_reason: 'disabled',
    });
    expect(updated.body.tm_update).not.toBe('');
    const again = await api.call('PUT', `/v1.0/webhooks/${created.body.id}`, { token, body: { enabled: true } });
    expect(again.body).toMatchObject({ enabled: true, disabled_reason: '' });
  });

  it('PUT refuses a bad url and the secret field', async () => {
    const { token } = await newCustomer();
    const created = await api.call('POST', '/v1.0/webhooks', { token, body: hook() });
    const badUrl = await api.call('PUT', `/v1.0/webhooks/${created.body.id}`, { token, body: { url: 'ftp://127.0.0.1/x' } });
    expect(badUrl.status).toBe(400);
    const secret = await api.call('PUT', `/v1.0/webhooks/${created.body.id}`, { token, body: { secret: 'whsec_AAAA' } });
    expect(secret.status).toBe(400);
    expect(secret.body.error.message).toContain('secret cannot be changed');
  });

  it('regenerating the secret returns a new one, once', async () => {
    const { token } = await newCustomer();
    const created = await api.call('POST', '/v1.0/webhooks', { token, body: hook() });
    const renewed = await api.call('POST', `/v1.0/webhooks/${created.body.id}/secret-regenerate`, { token });
    expect(renewed.status, renewed.text).toBe(200);
    expect(renewed.body.secret).toMatch(/^whsec_/);
    expect(renewed.body.secret).not.toBe(created.body.secret);
  });

  it('DELETE answers the deleted webhook; then it is 404', async () => {
    const { token } = await newCustomer();
    const created = await api.call('POST', '/v1.0/webhooks', { token, body: hook() });
    const deleted = await api.call('DELETE', `/v1.0/webhooks/${created.body.id}`, { token });
    expect(deleted.status).toBe(200);
    expect(deleted.body.id).toBe(created.body.id);
    expect((await api.call('GET', `/v1.0/webhooks/${created.body.id}`, { token })).status).toBe(404);
    expect((await api.call('DELETE', `/v1.0/webhooks/${created.body.id}`, { token })).status).toBe(404);
  });
});

describe('tenant isolation', () => {
  it("answers 404 for another customer's webhook on every route, and changes nothing", async () => {
    const owner = await newCustomer();
    const other = await newCustomer();
    const created = await api.call('POST', '/v1.0/webhooks', { token: owner.token, body: hook() });
    const id = created.body.id;
    const token = other.token;
    const deliveryId = '01900000-0000-7000-8000-000000000000';
    for (const [method, path, body] of [
      ['GET', `/v1.0/webhooks/${id}`, undefined],
      ['PUT', `/v1.0/webhooks/${id}`, { enabled: false }],
      ['DELETE', `/v1.0/webhooks/${id}`, undefined],
      ['POST', `/v1.0/webhooks/${id}/secret-regenerate`, undefined],
      ['GET', `/v1.0/webhooks/${id}/deliveries`, undefined],
      ['POST', `/v1.0/webhooks/${id}/deliveries/${deliveryId}/redeliver`, undefined],
    ] as const) {
      const reply = await api.call(method, path, { token, body });
      expect(reply.status, `${method} ${path}: ${reply.text}`).toBe(404);
    }
    expect((await api.call('GET', '/v1.0/webhooks', { token })).body.result).toEqual([]);
    const still = await api.call('GET', `/v1.0/webhooks/${id}`, { token: owner.token });
    expect(still.body.enabled).toBe(true);
  });

  it('answers 404 for malformed ids', async () => {
    const { token } = await newCustomer();
    expect((await api.call('GET', '/v1.0/webhooks/not-an-id', { token })).status).toBe(404);
  });
});

describe('URL safety on AWS stages (checked without the network)', () => {
  const resolveTo = (...addresses: string[]) => async () => addresses;

  it('refuses http, and names resolving to private, loopback, link-local or metadata addresses', async () => {
    expect(await urlProblem('http://example.com/x', 'prod', resolveTo('93.184.216.34'))).toContain('https');
    for (const address of ['10.1.2.3', '127.0.0.1', '169.254.169.254', '172.20.0.1', '192.168.1.1', '::1', 'fe80::1', 'fd00:ec2::254', '::ffff:10.0.0.1', '100.64.0.1', '0.0.0.0']) {
      expect(await urlProblem('https://hooks.example.com/x', 'prod', resolveTo(address)), address).toContain('private');
    }
    // One bad address among good ones is enough to refuse (DNS could hand out either).
    expect(await urlProblem('https://hooks.example.com/x', 'prod', resolveTo('93.184.216.34', '10.0.0.1'))).toContain('private');
    expect(await urlProblem('https://169.254.169.254/latest', 'prod', resolveTo())).toContain('private');
    expect(await urlProblem('https://[::1]/x', 'prod', resolveTo())).toContain('private');
  });

  it('accepts https to a public address, and refuses a name that does not resolve', async () => {
    expect(await urlProblem('https://hooks.example.com/x', 'prod', resolveTo('93.184.216.34'))).toBeUndefined();
    const failing = async () => {
      throw new Error('ENOTFOUND');
    };
    expect(await urlProblem('https://nowhere.invalid/x', 'prod', failing)).toContain('does not resolve');
  });

  it('resolves names with the system resolver by default: localhost (from /etc/hosts, no network) is refused', async () => {
    expect(await urlProblem('https://localhost/x', 'prod')).toContain('private');
  });

  it('allows http to loopback only on local stages', async () => {
    expect(await urlProblem('http://127.0.0.1:8080/x', 'local')).toBeUndefined();
    expect(await urlProblem('http://localhost:8080/x', 'test')).toBeUndefined();
    expect(await urlProblem('http://10.0.0.1/x', 'local')).toContain('http to 127.0.0.1');
    expect(await urlProblem('http://127.0.0.1:8080/x', 'prod', resolveTo())).toContain('https');
  });

  it('classifies addresses', () => {
    expect(isRefusedAddress('8.8.8.8')).toBe(false);
    expect(isRefusedAddress('2606:4700::1111')).toBe(false);
    expect(isRefusedAddress('169.254.170.2')).toBe(true);
    expect(isRefusedAddress('not-an-address')).toBe(true);
  });
});

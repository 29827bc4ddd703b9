import { describe, expect, it } from 'vitest';
import { routes } from '../shared/routes/index.js';
import { expectEnvelope, newCustomer, useApi } from './support/api.js';

const api = useApi();

describe('hostile inputs get a clear 4xx, never a 500', () => {
  it('a 2 KB id on every {id} route is 404', async () => {
    const { token } = await newCustomer();
    const longId = 'a'.repeat(2048);
    const withId = routes.filter((r) => r.path.includes('{id}') && r.auth === 'customer');
    expect(withId.length).toBeGreaterThan(5);
    for (const route of withId) {
      const path = route.path.replace('{id}', longId).replace('{registration_id}', 'uloc-1');
      const response = await api.call(route.method, path, { token, body: route.body ? {} : undefined });
      expectEnvelope(response, 404, 'NOT_FOUND');
    }
  });

  it('page_size: integers are clamped, empty is the default, anything else is 400', async () => {
    const { token } = await newCustomer();
    for (const value of ['0', '-5', '100000', '']) {
      const response = await api.call('GET', `/v1.0/accesskeys?page_size=${value}`, { token });
      expect(response.status, value).toBe(200);
      expect(response.body.result).toHaveLength(1);
    }
    for (const value of ['1.5', '0x10', '1e23', 'ten', '1&page_size=2']) {
      expectEnvelope(
        await api.call('GET', `/v1.0/accesskeys?page_size=${value}`, { token }),
        400,
        'INVALID_ARGUMENT',
        'INVALID_QUERY_PARAMETER',
      );
    }
  });

  it('bodies of the wrong JSON type are 400', async () => {
    const { token } = await newCustomer();
    for (const rawBody of ['[]', 'null', '"x"', '42', '{"name": 5}']) {
      const response = await api.call('POST', '/v1.0/accesskeys', {
        token,
        rawBody,
        headers: { 'content-type': 'application/json' },
      });
      expectEnvelope(response, 400, 'INVALID_ARGUMENT', 'INVALID_BODY');
    }
  });

  it('names and details refuse control characters and broken Unicode, keep tabs, newlines and emoji', async () => {
    const { token } = await newCustomer();
    for (const name of ['a\u0000b', 'bell\u0007', '\ud800x', 'x\udc00']) {
      const response = await api.call('POST', '/v1.0/domains', {
        token,
        body: { domain_name: `t-${Date.now()}`, name },
      });
      expectEnvelope(response, 400, 'INVALID_ARGUMENT', 'INVALID_BODY');
    }
    const ok = await api.call('POST', '/v1.0/domains', {
      token,
      body: { domain_name: `t-${Date.now()}`, name: 'Büro 📞', detail: 'line one\n\tline two' },
    });
    expect(ok.status, ok.text).toBe(200);
    expect(ok.body).toMatchObject({ name: 'Büro 📞', detail: 'line one\n\tline two' });
  });
});

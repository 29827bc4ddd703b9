import { describe, expect, it } from 'vitest';
import { buildOpenApiDocument } from '../shared/openapi/document.js';
import { routes } from '../shared/routes/index.js';
import { expectEnvelope, useApi } from './support/api.js';

/** The generated document as the API serves it. */
const api = useApi();
const document = buildOpenApiDocument(routes);

describe('GET /v1.0/openapi.json', () => {
  it('serves the generated document without credentials', async () => {
    const response = await api.call('GET', '/v1.0/openapi.json');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(response.body).toEqual(JSON.parse(JSON.stringify(document)));
  });

  it('ignores credentials and still refuses other methods', async () => {
    expect((await api.call('GET', '/v1.0/openapi.json', { token: 'not-a-key' })).status).toBe(200);
    const refused = await api.call('POST', '/v1.0/openapi.json');
    expectEnvelope(refused, 405, 'METHOD_NOT_ALLOWED');
    expect(refused.headers.get('allow')).toBe('GET');
  });

  it('is not served as docs by the test gateway', async () => {
    expectEnvelope(await api.call('GET', '/docs'), 404, 'NOT_FOUND', 'ROUTE_NOT_FOUND');
  });
});


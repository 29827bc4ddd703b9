import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { handler as healthHandler } from '../functions/health/get.js';
import { configure, runtimeConfig, updateConfig } from '../shared/config.js';
import { httpHandler } from '../shared/http/handler.js';
import { logger } from '../shared/log.js';
import { defineRoute } from '../shared/routes/route.js';
import { expectEnvelope, newCustomer, useApi } from './support/api.js';

const api = useApi();

function event(overrides: Partial<APIGatewayProxyEventV2> = {}): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: 'GET /test',
    rawPath: '/test',
    rawQueryString: '',
    headers: {},
    requestContext: {
      accountId: 'test',
      apiId: 'test',
      domainName: 'test',
      domainPrefix: 'test',
      http: { method: 'GET', path: '/test', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'vitest' },
      requestId: 'req-123',
      routeKey: 'GET /test',
      stage: '$default',
      time: '',
      timeEpoch: 0,
    },
    isBase64Encoded: false,
    ...overrides,
  };
}
const context = {} as Context;

describe('error envelope', () => {
  it('unknown route: 404 ROUTE_NOT_FOUND', async () => {
    expectEnvelope(await api.call('GET', '/v1.0/nothing-here'), 404, 'NOT_FOUND', 'ROUTE_NOT_FOUND');
    expectEnvelope(await api.call('GET', '/'), 404, 'NOT_FOUND', 'ROUTE_NOT_FOUND');
  });

  it('wrong method: 405 with an Allow header', async () => {
    const response = await api.call('PATCH', '/v1.0/accesskeys');
    expectEnvelope(response, 405, 'METHOD_NOT_ALLOWED');
    expect(response.headers.get('allow')).toBe('GET, POST');
  });

  it('malformed JSON: 400 MALFORMED_JSON, nothing written', async () => {
    const { token } = await newCustomer();
    const response = await api.call('POST', '/v1.0/accesskeys', {
      token,
      rawBody: '{"name": "x",',
      headers: { 'content-type': 'application/json' },
    });
    expectEnvelope(response, 400, 'INVALID_ARGUMENT', 'MALFORMED_JSON');
    const list = await api.call('GET', '/v1.0/accesskeys', { token });
    expect(list.body.result).toHaveLength(1);
  });

  it('wrong content type: 415', async () => {
    const { token } = await newCustomer();
    const response = await api.call('POST', '/v1.0/accesskeys', {
      token,
      rawBody: 'name=x',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expectEnvelope(response, 415, 'UNSUPPORTED_MEDIA_TYPE');
  });

  it('body over the limit: 413, even before authentication', async () => {
    const big = JSON.stringify({ name: 'x'.repeat(70 * 1024) });
    const response = await api.call('POST', '/v1.0/accesskeys', {
      token: 'irrelevant',
      rawBody: big,
      headers: { 'content-type': 'application/json' },
    });
    expectEnvelope(response, 413, 'PAYLOAD_TOO_LARGE');
  });

  it('unexpected exception: 500 INTERNAL without internals', async () => {
    const route = defineRoute({
      operationId: 'boom',
      method: 'GET',
      path: '/test',
      handler: 'none',
      auth: 'none',
      table: 'none',
      summary: 'throws',
      tag: 'test',
      responses: {},
    });
    const handler = httpHandler(route, async () => {
      throw new Error('ConditionalCheckFailed on PK=CUSTOMER#secret-internal');
    });
    const result = await handler(event(), context);
    expect(result.statusCode).toBe(500);
    const body = JSON.parse(result.body!);
    expect(body.error).toMatchObject({ status: 'INTERNAL', request_id: 'req-123' });
    expect(result.body).not.toContain('secret-internal');
    expect(result.body).not.toContain('ConditionalCheckFailed');
  });
});

describe('health', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('answers ok without auth when the table answers', async () => {
    const response = await api.call('GET', '/v1.0/health');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ status: 'ok' });
  });

  it('answers 503 in the envelope when the table does not', async () => {
    const saved = runtimeConfig();
    updateConfig({ dynamodbEndpoint: 'http://127.0.0.1:9' }); // discard port: connection refused
    const result = await healthHandler(event({ routeKey: 'GET /v1.0/health', rawPath: '/v1.0/health' }), context).finally(() =>
      configure(saved),
    );
    expect(result.statusCode).toBe(503);
    expect(JSON.parse(result.body!).error).toMatchObject({ status: 'UNAVAILABLE', reason: 'TABLE_UNAVAILABLE' });
  });
});

describe('logs', () => {
  it('carry request id, route, status and duration, and never a secret', async () => {
    const { token } = await newCustomer();
    const lines: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    logger.setLogLevel('INFO');
    try {
      const created = await api.call('POST', '/v1.0/accesskeys', { token, body: { name: 'logged' } });
      await api.call('GET', '/v1.0/accesskeys', { token: created.body.token, auth: 'bearer' });
      await api.call('GET', '/v1.0/accesskeys', { token: 'wrong-secret-value' });
      const output = lines.join('');
      expect(output).not.toContain(token);
      expect(output).not.toContain(created.body.token);
      expect(output).not.toContain('wrong-secret-value');
      const entries = output
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l))
        .filter((e) => e.message === 'request');
      expect(entries.length).toBeGreaterThanOrEqual(3);
      for (const entry of entries) {
        expect(entry).toMatchObject({ route: expect.stringMatching(/^(GET|POST) \/v1\.0\/accesskeys$/) });
        expect(entry.request_id).toEqual(expect.any(String));
        expect(entry.duration_ms).toEqual(expect.any(Number));
      }
      expect(entries.map((e) => e.status)).toEqual(expect.arrayContaining([200, 401]));
    } finally {
      logger.setLogLevel('SILENT');
      spy.mockRestore();
    }
  });
});

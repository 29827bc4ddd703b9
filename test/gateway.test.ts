import { createServer, request, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { toEvent } from '../local/gateway.js';
import { accessKeyRoutes } from '../shared/routes/accessKeys.js';
import { routes } from '../shared/routes/index.js';
import { createMatcher } from '../shared/routes/match.js';
import { defineRoute, isRegistrarAuth } from '../shared/routes/route.js';

/** Sends one real HTTP request and maps it as the gateway does. */
async function mapRequest(
  method: string,
  path: string,
  headers: Record<string, string>,
  body: Buffer,
  mapper: (req: IncomingMessage, url: URL, body: Buffer) => APIGatewayProxyEventV2,
): Promise<APIGatewayProxyEventV2> {
  let captured: APIGatewayProxyEventV2 | undefined;
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    captured = mapper(req, new URL(req.url!, 'http://local'), Buffer.concat(chunks));
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve());
    });
    req.on('error', reject);
    req.end(body);
  });
  await new Promise((resolve) => server.close(resolve));
  return captured!;
}

describe('local gateway: API Gateway HTTP API payload v2 mapping', () => {
  it('maps method, path, route key, path parameters, query and headers', async () => {
    const route = accessKeyRoutes.get;
    const event = await mapRequest(
      'GET',
      '/v1.0/accesskeys/abc%20d?token=t&x=1&x=2',
      { 'X-Custom': 'Yes', Authorization: 'Bearer z' },
      Buffer.alloc(0),
      (req, url, body) => toEvent(req, url, body, route, { id: 'abc d' }),
    );
    expect(event.version).toBe('2.0');
    expect(event.routeKey).toBe('GET /v1.0/accesskeys/{id}');
    expect(event.requestContext.routeKey).toBe(event.routeKey);
    expect(event.rawPath).toBe('/v1.0/accesskeys/abc%20d');
    expect(event.rawQueryString).toBe('token=t&x=1&x=2');
    // API Gateway joins repeated query parameters with commas.
    expect(event.queryStringParameters).toEqual({ token: 't', x: '1,2' });
    expect(event.pathParameters).toEqual({ id: 'abc d' });
    expect(event.headers['x-custom']).toBe('Yes');
    expect(event.headers.authorization).toBe('Bearer z');
    expect(event.requestContext.http).toMatchObject({ method: 'GET', path: '/v1.0/accesskeys/abc%20d' });
    expect(event.requestContext.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(event.requestContext.stage).toBe('$default');
    expect(event.body).toBeUndefined();
    expect(event.isBase64Encoded).toBe(false);
  });

  it('passes JSON bodies as text and binary bodies as base64', async () => {
    const json = await mapRequest(
      'POST',
      '/v1.0/accesskeys',
      { 'content-type': 'application/json' },
      Buffer.from('{"name":"ü"}'),
      (req, url, body) => toEvent(req, url, body, accessKeyRoutes.create, undefined),
    );
    expect(json.body).toBe('{"name":"ü"}');
    expect(json.isBase64Encoded).toBe(false);
    expect(json.pathParameters).toBeUndefined();
    expect(json.queryStringParameters).toBeUndefined();

    const bytes = Buffer.from([0, 255, 1, 2]);
    const binary = await mapRequest(
      'POST',
      '/v1.0/accesskeys',
      { 'content-type': 'application/octet-stream' },
      bytes,
      (req, url, body) => toEvent(req, url, body, accessKeyRoutes.create, undefined),
    );
    expect(binary.isBase64Encoded).toBe(true);
    expect(Buffer.from(binary.body!, 'base64')).toEqual(bytes);
  });

  it('an unmatched request becomes a $default event', async () => {
    const event = await mapRequest('GET', '/nope', {}, Buffer.alloc(0), (req, url, body) =>
      toEvent(req, url, body, undefined, undefined),
    );
    expect(event.routeKey).toBe('$default');
  });
});

describe('route matching', () => {
  it('prefers literal segments over parameters, as API Gateway does', () => {
    const literal = defineRoute({
      operationId: 'literal',
      method: 'GET',
      path: '/v1.0/things/special',
      handler: 'x',
      auth: 'none',
      table: 'none',
      summary: '',
      tag: '',
      responses: {},
    });
    const param = { ...literal, operationId: 'param', path: '/v1.0/things/{id}' };
    const match = createMatcher([param, literal]);
    expect(match('GET', '/v1.0/things/special')).toMatchObject({ kind: 'found', route: { operationId: 'literal' } });
    expect(match('GET', '/v1.0/things/other')).toMatchObject({ kind: 'found', params: { id: 'other' } });
    expect(match('DELETE', '/v1.0/things/other')).toEqual({ kind: 'method-not-allowed', allowed: ['GET'] });
    expect(match('GET', '/v1.0/things/')).toEqual({ kind: 'not-found' });
    expect(match('GET', '/v1.0/things/a/b')).toEqual({ kind: 'not-found' });
  });

  it('the route table has unique operation ids and method+path pairs', () => {
    const ids = routes.map((r) => r.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    const keys = routes.map((r) => `${r.method} ${r.path}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const route of routes) expect(route.handler).toMatch(/^functions\/.+\.ts$/);
  });

  it('customer routes can read the table (authentication is a read), registrar routes get the secrets', () => {
    for (const route of routes) {
      if (route.auth === 'customer') expect(route.table, route.operationId).not.toBe('none');
      if (isRegistrarAuth(route.auth)) expect(route.needs ?? [], route.operationId).toContain('registrarSecrets');
    }
  });
});

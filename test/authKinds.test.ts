import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { ApiRequest } from '../shared/http/handler.js';
import { registrarHandler } from '../shared/http/registrarHandler.js';
import { customerRoutes } from '../shared/routes/customers.js';
import { healthRoutes } from '../shared/routes/health.js';
import { registrarRoutes } from '../shared/routes/registrar.js';
import { defineRoute, type AuthKind, type HttpMethod } from '../shared/routes/route.js';
import { lambdaContext } from '../local/gateway.js';
import { nowSeconds, sign, SECRET_A, useRegistrarSecrets } from './support/registrar.js';

/** A registrar route of any method and auth kind, answering what authentication established. */
const probe = (method: HttpMethod, auth: Extract<AuthKind, `registrar-${string}`>) =>
  registrarHandler(
    defineRoute({ operationId: 'probe', method, path: '/probe', handler: 'x', auth, table: 'none', summary: '', tag: '', responses: {} }),
    async ({ auth: established }) => established,
  );

const call = async (handler: ReturnType<typeof probe>, method: HttpMethod, headers: Record<string, string>, body = '') => {
  const event = {
    version: '2.0',
    routeKey: `${method} /probe`,
    rawPath: '/probe',
    rawQueryString: '',
    headers: { ...headers, ...(body ? { 'content-type': 'application/json' } : {}) },
    body,
    isBase64Encoded: false,
    requestContext: { requestId: 'r-1', http: { method, path: '/probe' } },
  } as unknown as APIGatewayProxyEventV2;
  const result = await handler(event, lambdaContext('authKinds', 'r-1'));
  return { status: result.statusCode, body: JSON.parse(result.body ?? 'null') as unknown };
};

describe('registrar auth follows the route table, not the HTTP method', () => {
  it('a POST route declared registrar-bearer takes the Bearer secret and refuses a signature', async () => {
    useRegistrarSecrets(SECRET_A);
    const handler = probe('POST', 'registrar-bearer');
    expect(await call(handler, 'POST', { authorization: `Bearer ${SECRET_A}` }, '{}')).toEqual({ status: 200, body: { kind: 'registrar-bearer' } });
    const timestamp = String(nowSeconds());
    const signed = { 'x-registrar-timestamp': timestamp, 'x-registrar-signature': sign(SECRET_A, timestamp, '{}') };
    expect((await call(handler, 'POST', signed, '{}')).status).toBe(401);
  });

  it('a GET route declared registrar-signed takes a signature (with its timestamp) and refuses the Bearer secret', async () => {
    useRegistrarSecrets(SECRET_A);
    const handler = probe('GET', 'registrar-signed');
    const timestamp = String(nowSeconds());
    const signed = { 'x-registrar-timestamp': timestamp, 'x-registrar-signature': sign(SECRET_A, timestamp, '') };
    expect(await call(handler, 'GET', signed)).toEqual({ status: 200, body: { kind: 'registrar-signed', timestamp: Number(timestamp) } });
    expect((await call(handler, 'GET', { authorization: `Bearer ${SECRET_A}` })).status).toBe(401);
  });

  it('the table declares each registrar route explicitly', () => {
    expect(registrarRoutes.credentials.auth).toBe('registrar-bearer');
    expect(registrarRoutes.webhook.auth).toBe('registrar-signed');
  });
});

describe("a handler's request is narrowed by its route's auth kind (checked by npm run typecheck)", () => {
  it('customer routes carry the caller; other routes have no caller fields', () => {
    type Me = ApiRequest<typeof customerRoutes.me>;
    expectTypeOf<Me['customerId']>().toEqualTypeOf<string>();
    expectTypeOf<Me['accessKeyId']>().toEqualTypeOf<string>();
    expectTypeOf<Me['auth']>().toEqualTypeOf<{ kind: 'customer'; customerId: string; accessKeyId: string }>();
    expectTypeOf<ApiRequest<typeof registrarRoutes.credentials>>().not.toHaveProperty('customerId');
    expectTypeOf<ApiRequest<typeof registrarRoutes.webhook>>().not.toHaveProperty('customerId');
    expectTypeOf<ApiRequest<typeof healthRoutes.health>>().not.toHaveProperty('accessKeyId');
    expectTypeOf<ApiRequest<typeof registrarRoutes.webhook>['auth']>().toEqualTypeOf<{ kind: 'registrar-signed'; timestamp: number }>();
  });
});

import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { buildOpenApiDocument } from '../shared/openapi/document.js';
import { operationExamples } from '../shared/openapi/examples.js';
import { routes } from '../shared/routes/index.js';
import { assertContract, createDocumentValidator } from './support/contract.js';
import type { Operation } from './support/openapi.js';

/** The contract checks every API test's replies go through (test/support/contract.ts). */
const document = buildOpenApiDocument(routes);

describe('contract check of api.call()', () => {
  const ok = (status: number, body: unknown, headers: Record<string, string> = {}) => ({
    status,
    headers: new Headers({ 'content-type': 'application/json; charset=utf-8', ...headers }),
    body,
    text: body === undefined ? '' : JSON.stringify(body),
  });
  const envelope = (status: string, requestId = 'req-1') => ({
    error: { status, reason: 'R', message: 'm', request_id: requestId },
  });
  const health = routes.find((r) => r.operationId === 'getHealth')!;
  const accessKey = routes.find((r) => r.operationId === 'getAccessKey')!;
  const key = {
    id: 'k',
    customer_id: 'c',
    name: '',
    detail: '',
    token_prefix: '',
    tm_expire: '',
    tm_create: '2024-01-01 00:00:00.000000',
    tm_update: '',
    tm_delete: '',
  };

  it('accepts replies that match the route', () => {
    expect(health.path).toBe('/v1.0/health');
    assertContract('GET', '/v1.0/health', ok(200, { status: 'ok' }));
    assertContract('GET', '/v1.0/accesskeys/k', ok(200, key));
    assertContract('GET', '/v1.0/accesskeys/k', ok(404, envelope('NOT_FOUND'), { 'x-request-id': 'req-1' }));
    assertContract('GET', '/v1.0/nowhere', ok(404, envelope('NOT_FOUND'), { 'x-request-id': 'req-1' }));
  });

  it('throws on a body that does not match, an undocumented field or status, or a bad envelope', () => {
    expect(() => assertContract('GET', '/v1.0/health', ok(200, { status: 'degraded' }))).toThrow(/documented schema/);
    expect(() => assertContract('GET', '/v1.0/accesskeys/k', ok(200, { ...key, token: 'secret' }))).toThrow(/token/);
    expect(() => assertContract('GET', '/v1.0/health', ok(201, { status: 'ok' }))).toThrow(/undocumented status/);
    expect(() => assertContract('GET', '/v1.0/health', ok(200, { status: 'ok' }, { 'content-type': 'text/plain' }))).toThrow(
      /not JSON/,
    );
    expect(() => assertContract('GET', '/v1.0/accesskeys/k', ok(404, { message: 'nope' }))).toThrow(/envelope/);
    expect(() =>
      assertContract('GET', '/v1.0/accesskeys/k', ok(404, envelope('INVALID_ARGUMENT'), { 'x-request-id': 'req-1' })),
    ).toThrow(/does not belong/);
    expect(() => assertContract('GET', '/v1.0/accesskeys/k', ok(404, envelope('NOT_FOUND'), { 'x-request-id': 'other' }))).toThrow(
      /x-request-id/,
    );
    // getHealth takes no credentials, so a 401 from it is not in its contract.
    expect(() => assertContract('GET', '/v1.0/health', ok(401, envelope('UNAUTHENTICATED'), { 'x-request-id': 'req-1' }))).toThrow(
      /not among the documented errors/,
    );
    expect(accessKey.auth).toBe('customer');
  });
});

describe('contract check against the generated document', () => {
  const validate = createDocumentValidator(document);
  const getExtension = routes.find((r) => r.operationId === 'getExtension')!;
  const extension = operationExamples.getExtension!.response;
  const envelope = { error: { status: 'NOT_FOUND', reason: 'EXTENSION_NOT_FOUND', message: 'm', request_id: 'r' } };

  it('accepts documented replies and refuses undocumented statuses and bodies', () => {
    expect(validate(getExtension, 'GET', 200, extension)).toBeUndefined();
    expect(validate(getExtension, 'GET', 404, envelope)).toBeUndefined();
    expect(validate(undefined, 'GET', 404, { error: { ...envelope.error, reason: 'ROUTE_NOT_FOUND' } })).toBeUndefined();
    expect(validate(getExtension, 'GET', 409, { error: { ...envelope.error, status: 'ALREADY_EXISTS' } })).toMatch(
      /409 is not documented/,
    );
    expect(validate(getExtension, 'GET', 200, { ...(extension as object), direct_hash: 7 })).toMatch(/direct_hash/);
    expect(validate(getExtension, 'GET', 404, { error: { ...envelope.error, status: 'LOST' } })).toMatch(/allowed values/);
    const deleteAll = routes.find((r) => r.operationId === 'deleteExtensionRegistrations')!;
    expect(validate(deleteAll, 'DELETE', 204, undefined)).toBeUndefined();
    expect(validate(deleteAll, 'DELETE', 204, {})).toMatch(/no JSON content/);
  });

  it('fails a reply the zod schemas accept when the document is wrong', () => {
    // A generator bug: the documented Extension demands a field the API does not send.
    const broken = structuredClone(document);
    const schema = broken.components!.schemas!.Extension as { required: string[]; properties: Record<string, unknown> };
    schema.properties.sip_uri = { type: 'string' };
    schema.required = [...schema.required, 'sip_uri'];
    expect(z.safeParse(getExtension.responses[200]!.schema!, extension).success).toBe(true);
    expect(createDocumentValidator(broken)(getExtension, 'GET', 200, extension)).toMatch(/sip_uri/);
    // A generator bug: the operation loses its documented 404.
    const without404 = structuredClone(document);
    delete (without404.paths!['/v1.0/extensions/{id}'] as Record<string, Operation>).get!.responses['404'];
    expect(createDocumentValidator(without404)(getExtension, 'GET', 404, envelope)).toMatch(/404 is not documented/);
  });
});

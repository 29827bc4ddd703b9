import { readFileSync, readdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { createDocsRoutes } from '../local/docs.js';
import { createGateway } from '../local/gateway.js';
import { httpStatusOf } from '../shared/errors.js';
import {
  bodyIsRequired,
  buildOpenApiDocument,
  documentedErrorStatuses,
  isSignedRegistrarRoute,
  securitySchemeNames,
  type OpenApiDocument,
} from '../shared/openapi/document.js';
import { errorExamples, operationExamples } from '../shared/openapi/examples.js';
import { routes } from '../shared/routes/index.js';
import { defineRoute, type AnyRoute } from '../shared/routes/route.js';
import { errorEnvelope } from '../shared/schemas/common.js';
import { expectEnvelope, useApi } from './support/api.js';
import { assertContract, createDocumentValidator, droppedFields } from './support/contract.js';

const api = useApi();
const document = buildOpenApiDocument(routes);

type Operation = {
  operationId?: string;
  summary?: string;
  tags?: string[];
  security?: Record<string, string[]>[];
  parameters?: { name: string; in: string; required?: boolean; style?: string; explode?: boolean; example?: unknown }[];
  requestBody?: { required?: boolean; content: Record<string, { schema?: unknown; example?: unknown }> };
  responses: Record<string, { $ref?: string; content?: Record<string, { schema?: unknown; example?: unknown }> }>;
};

const operationOf = (doc: OpenApiDocument, route: AnyRoute) =>
  (doc.paths?.[route.path] as Record<string, Operation> | undefined)?.[route.method.toLowerCase()];

/** A response of an operation, following a $ref into components.responses. */
const resolveResponse = (response: Operation['responses'][string] | undefined) =>
  response?.$ref
    ? (document.components?.responses?.[response.$ref.split('/').pop()!] as Operation['responses'][string] | undefined)
    : response;

/** The .ts files under these folders, as paths relative to the project root. */
const sourceFiles = (folders: string[]): string[] =>
  folders.flatMap((folder) =>
    readdirSync(folder, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
      .map((entry) => join(entry.parentPath, entry.name)),
  );

describe('route table', () => {
  it('gives every route a unique operationId and a documented success with a schema', () => {
    const problems: string[] = [];
    const ids = new Set<string>();
    for (const route of routes) {
      if (ids.has(route.operationId)) problems.push(`${route.operationId}: duplicate operationId`);
      ids.add(route.operationId);
      const successes = Object.entries(route.responses).filter(([status]) => Number(status) >= 200 && Number(status) < 300);
      if (successes.length === 0) problems.push(`${route.operationId}: no success response`);
      for (const [status, response] of successes) {
        // 204 is the one success without a body; everything else must say what it returns.
        if (status !== '204' && !response.schema) problems.push(`${route.operationId}: ${status} has no response schema`);
      }
    }
    expect(problems).toEqual([]);
  });
});

describe('OpenAPI document', () => {
  it('validates against the OpenAPI 3.1 schema', async () => {
    const result = await new Validator().validate(structuredClone(document) as unknown as Record<string, unknown>);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(document.openapi).toBe('3.1.0');
  });

  it('has every route of the table, with its operationId, summary and tag, and nothing else', () => {
    for (const route of routes) {
      const operation = operationOf(document, route);
      expect(operation, `${route.method} ${route.path}`).toBeDefined();
      expect(operation!.operationId).toBe(route.operationId);
      expect(operation!.summary).toBe(route.summary);
      expect(operation!.tags).toEqual([route.tag]);
    }
    const documented = Object.entries(document.paths ?? {}).flatMap(([path, item]) =>
      Object.keys(item as object).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(documented.sort()).toEqual(routes.map((r) => `${r.method} ${r.path}`).sort());
  });

  it('documents path and query parameters, bodies and success schemas from the zod schemas', () => {
    for (const route of routes) {
      const operation = operationOf(document, route)!;
      const parameters = operation.parameters ?? [];
      for (const name of [...route.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!)) {
        expect(parameters.find((p) => p.in === 'path' && p.name === name), `${route.operationId} {${name}}`).toMatchObject({
          required: true,
        });
      }
      const queryKeys = route.query instanceof z.ZodObject ? Object.keys(route.query.shape) : [];
      expect(parameters.filter((p) => p.in === 'query').map((p) => p.name).sort(), route.operationId).toEqual(queryKeys.sort());
      if (route.body) {
        expect(operation.requestBody?.content['application/json']?.schema, route.operationId).toBeDefined();
      } else {
        expect(operation.requestBody, route.operationId).toBeUndefined();
      }
      for (const [status, response] of Object.entries(route.responses)) {
        const documented = operation.responses[status];
        expect(documented, `${route.operationId} ${status}`).toBeDefined();
        if (response.schema) expect(documented!.content?.['application/json']?.schema).toBeDefined();
      }
    }
  });

  it('puts the error envelope on the error statuses that apply to each route', () => {
    const errorSchema = document.components?.schemas?.Error as { properties?: Record<string, unknown> } | undefined;
    expect(Object.keys(errorSchema?.properties ?? {})).toEqual(['error']);
    // Error.status lists exactly the statuses of shared/errors.ts.
    expect(errorSchema?.properties?.error).toMatchObject({ properties: { status: { enum: Object.keys(httpStatusOf) } } });
    for (const route of routes) {
      const operation = operationOf(document, route)!;
      const statuses = documentedErrorStatuses(route);
      expect(statuses).toContain(500);
      if (route.auth !== 'none') expect(statuses, route.operationId).toContain(401);
      else expect(statuses, route.operationId).not.toContain(401);
      if (route.path.includes('{')) expect(statuses, route.operationId).toContain(404);
      if (route.body) expect(statuses, route.operationId).toEqual(expect.arrayContaining([400, 413, 415]));
      for (const status of statuses) {
        const response = resolveResponse(operation.responses[String(status)]);
        const json = response?.content?.['application/json'];
        expect(json?.schema, `${route.operationId} ${status}`).toEqual({ $ref: '#/components/schemas/Error' });
        const example = errorEnvelope.strict().parse(json?.example);
        // The example's envelope status is one that answers this HTTP status.
        expect(httpStatusOf[example.error.status as keyof typeof httpStatusOf], `${route.operationId} ${status}`).toBe(status);
        // An operation with its own example for a status shows it, not the generic one.
        const own = errorExamples[route.operationId]?.[status];
        if (own) expect([example.error.status, example.error.reason, example.error.message]).toEqual(own);
      }
      const errorsDocumented = Object.keys(operation.responses).filter((s) => Number(s) >= 400);
      expect(errorsDocumented.map(Number).sort(), route.operationId).toEqual(statuses);
    }
  });

  it('documents 409 only on routes that declare it in `errors` (no shape implies a conflict)', () => {
    const problems: string[] = [];
    for (const route of routes) {
      const documents409 = Object.hasOwn(operationOf(document, route)!.responses, '409');
      if (documents409 !== (route.errors ?? []).includes(409)) {
        problems.push(`${route.operationId}: documents 409 ${documents409} but declares it ${!documents409}`);
      }
    }
    expect(problems).toEqual([]);
    // The routes whose domain code throws alreadyExists / failedPrecondition (shared/domain/*);
    // test/contract.test.ts provokes each of these conflicts through the API.
    expect(routes.filter((r) => r.errors?.includes(409)).map((r) => r.operationId).sort()).toEqual([
      'createDomain',
      'createExtension',
      'createWebhook',
      'deleteDomain',
    ]);
  });

  it('shows only error reasons the API really sends', () => {
    const source = sourceFiles(['shared', 'functions'])
      .filter((file) => !file.startsWith('shared/openapi/'))
      .map((file) => readFileSync(file, 'utf8'))
      .join('\n');
    const reasons = new Set<string>();
    const collect = (value: unknown): void => {
      if (Array.isArray(value)) return value.forEach(collect);
      if (typeof value !== 'object' || value === null) return;
      const error = (value as { error?: { reason?: unknown } }).error;
      if (typeof error?.reason === 'string') reasons.add(error.reason);
      Object.values(value).forEach(collect);
    };
    collect(document);
    expect([...reasons]).toEqual(expect.arrayContaining(['EXTENSION_NOT_FOUND', 'DOMAIN_NOT_FOUND', 'ACCESSKEY_NOT_FOUND']));
    expect([...reasons].filter((reason) => !source.includes(`'${reason}'`))).toEqual([]);
  });

  it('requires a request body only where an absent one ({}) is refused', () => {
    const required = Object.fromEntries(
      routes.filter((r) => r.body).map((r) => [r.operationId, operationOf(document, r)!.requestBody?.required ?? false]),
    );
    expect(required).toMatchObject({
      createAccessKey: false,
      updateAccessKey: false,
      updateDomain: false,
      updateExtension: false,
      createDomain: true,
      createExtension: true,
      postRegistrarWebhook: true,
    });
    for (const route of routes.filter((r) => r.body)) {
      expect(required[route.operationId], route.operationId).toBe(!route.body!.safeParse({}).success);
      expect(bodyIsRequired(route), route.operationId).toBe(required[route.operationId]);
    }
  });

  it('names the main objects as components, so generated clients get named types', () => {
    const schemas = Object.keys(document.components?.schemas ?? {});
    expect(schemas).toEqual(
      expect.arrayContaining([
        'Error',
        'AccessKey',
        'AccessKeyWithToken',
        'AccessKeyCreate',
        'AccessKeyUpdate',
        'Me',
        'Domain',
        'DomainCreate',
        'DomainUpdate',
        'Extension',
        'ExtensionCreate',
        'ExtensionUpdate',
        'RegInfo',
        'Registration',
        'RegistrarCredentials',
        'WebhookEvent',
        'WebhookReply',
      ]),
    );
    const schemaOf = (operationId: string) => {
      const route = routes.find((r) => r.operationId === operationId)!;
      return operationOf(document, route)!.responses['200']?.content?.['application/json']?.schema;
    };
    expect(schemaOf('getExtension')).toEqual({ $ref: '#/components/schemas/Extension' });
    expect(schemaOf('getDomain')).toEqual({ $ref: '#/components/schemas/Domain' });
    expect(schemaOf('createAccessKey')).toEqual({ $ref: '#/components/schemas/AccessKeyWithToken' });
    expect(schemaOf('getExtensionRegistrations')).toEqual({ $ref: '#/components/schemas/RegInfo' });
    expect(schemaOf('listExtensions')).toMatchObject({
      properties: { result: { type: 'array', items: { $ref: '#/components/schemas/Extension' } } },
    });
  });

  it('declares both customer schemes, the registrar schemes, and no security for open routes', () => {
    const schemes = document.components?.securitySchemes ?? {};
    expect(schemes[securitySchemeNames.token]).toMatchObject({ type: 'apiKey', in: 'query', name: 'token' });
    expect(schemes[securitySchemeNames.accesskey]).toMatchObject({ type: 'apiKey', in: 'query', name: 'accesskey' });
    expect(schemes[securitySchemeNames.bearer]).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(schemes[securitySchemeNames.registrar]).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(schemes[securitySchemeNames.registrarSignature]).toMatchObject({ type: 'apiKey', in: 'header' });
    for (const route of routes) {
      const operation = operationOf(document, route)!;
      const security = operation.security ?? [];
      if (route.auth === 'none') expect(security, route.operationId).toEqual([]);
      if (route.auth === 'customer') {
        expect(security, route.operationId).toEqual([
          { [securitySchemeNames.token]: [] },
          { [securitySchemeNames.accesskey]: [] },
          { [securitySchemeNames.bearer]: [] },
        ]);
      }
      if (route.auth === 'registrar') {
        const signed = isSignedRegistrarRoute(route);
        expect(security, route.operationId).toEqual([
          { [signed ? securitySchemeNames.registrarSignature : securitySchemeNames.registrar]: [] },
        ]);
        const headers = (operation.parameters ?? []).filter((p) => p.in === 'header').map((p) => p.name);
        expect(headers, route.operationId).toEqual(signed ? ['X-Registrar-Timestamp', 'X-Registrar-Signature'] : []);
      }
    }
  });

  it('documents registrar signatures and repeated query parameters generically', () => {
    // Routes of the shapes other areas use, so the generator is checked whatever the table holds today.
    const repeated = z.object({
      extension_id: z
        .union([z.string(), z.array(z.string())])
        .optional()
        .transform((v) => (v === undefined ? undefined : Array.isArray(v) ? v : [v])),
      page_size: z.coerce.number().int().optional(),
    });
    const probe = buildOpenApiDocument([
      defineRoute({
        operationId: 'probeList',
        method: 'GET',
        path: '/v1.0/probe',
        handler: 'none.ts',
        auth: 'customer',
        table: 'read',
        summary: 'probe',
        tag: 'Probe',
        query: repeated,
        responses: { 200: { description: 'ok', schema: z.object({ ok: z.boolean() }) } },
      }),
      defineRoute({
        operationId: 'probeWebhook',
        method: 'POST',
        path: '/v1.0/probe/webhook',
        handler: 'none.ts',
        auth: 'registrar',
        table: 'write',
        summary: 'probe',
        tag: 'Probe',
        body: z.object({ event: z.string() }),
        responses: { 204: { description: 'done' } },
      }),
    ]);
    const list = (probe.paths?.['/v1.0/probe'] as Record<string, Operation>).get!;
    expect(list.parameters?.find((p) => p.name === 'extension_id')).toMatchObject({ in: 'query', style: 'form', explode: true });
    expect(list.parameters?.find((p) => p.name === 'page_size')).toMatchObject({ schema: { type: 'integer' } });
    expect(list.parameters?.find((p) => p.name === 'page_size')?.explode).toBeUndefined();
    const webhook = (probe.paths?.['/v1.0/probe/webhook'] as Record<string, Operation>).post!;
    expect(webhook.security).toEqual([{ [securitySchemeNames.registrarSignature]: [] }]);
    expect(webhook.parameters?.filter((p) => p.in === 'header').map((p) => [p.name, p.required])).toEqual([
      ['X-Registrar-Timestamp', true],
      ['X-Registrar-Signature', true],
    ]);
    expect(webhook.responses['204']).toEqual({ description: 'done' });
    expect(Object.keys(webhook.responses).sort()).toEqual(['204', '400', '401', '404', '413', '415', '500', '503']);
  });

  it('is deterministic', () => {
    expect(JSON.stringify(buildOpenApiDocument(routes))).toBe(JSON.stringify(document));
  });
});

describe('examples (from the seeds)', () => {
  const present = Object.entries(operationExamples).filter(([id]) => routes.some((r) => r.operationId === id));

  it('validate against the schemas of their route and appear in the document', () => {
    const problems: string[] = [];
    const check = (id: string, what: string, schema: z.ZodType | undefined, value: unknown) => {
      if (value === undefined) return;
      if (!schema) return problems.push(`${id}: ${what} example but the route has no ${what} schema`);
      const result = schema.safeParse(value);
      if (!result.success) return problems.push(`${id}: ${what}: ${result.error.message}`);
      const extra = droppedFields(value, result.data, '');
      if (extra.length) problems.push(`${id}: ${what}: fields the schema does not have: ${extra.join(', ')}`);
    };
    for (const [id, example] of present) {
      const route = routes.find((r) => r.operationId === id)!;
      check(id, 'params', route.params, example.params);
      check(id, 'query', route.query, example.query);
      check(id, 'body', route.body, example.request);
      check(id, 'response', route.responses[example.responseStatus ?? 200]?.schema, example.response);
      if (example.response !== undefined) {
        // A response example must also carry no field the schema does not document.
        assertContract(route.method, route.path, {
          status: example.responseStatus ?? 200,
          headers: new Headers({ 'content-type': 'application/json' }),
          body: example.response,
          text: JSON.stringify(example.response),
        });
      }
      const operation = operationOf(document, route)!;
      if (example.request !== undefined) {
        expect(operation.requestBody?.content['application/json']?.example, id).toEqual(example.request);
      }
      if (example.response !== undefined) {
        const status = String(example.responseStatus ?? 200);
        expect(operation.responses[status]?.content?.['application/json']?.example, id).toEqual(example.response);
      }
      for (const [name, value] of Object.entries({ ...example.params, ...example.query })) {
        expect(operation.parameters?.find((p) => p.name === name)?.example, `${id} ${name}`).toEqual(value);
      }
    }
    expect(problems).toEqual([]);
  });

  it('cover the seeded extension operations', () => {
    expect(present.map(([id]) => id)).toEqual(expect.arrayContaining(['createExtension', 'getExtension', 'listExtensions']));
  });
});

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

describe('local API reference at /docs', () => {
  let server: Server;
  let base = '';
  beforeAll(async () => {
    server = createGateway({ extraRoutes: createDocsRoutes() });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  const distDir = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

  it('serves a page that loads Swagger UI from this server only', async () => {
    const response = await fetch(`${base}/docs`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(response.headers.get('content-security-policy')).toContain("connect-src 'self'");
    const html = await response.text();
    expect(html).toContain('<script src="/docs/assets/swagger-ui-bundle.js"></script>');
    expect(html).toContain('<script src="/docs/assets/init.js"></script>');
    expect(html).toContain('href="/docs/assets/swagger-ui.css"');
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/<script>[^<]/);
  });

  it('points Swagger UI at /v1.0/openapi.json with the validator badge off', async () => {
    const response = await fetch(`${base}/docs/assets/init.js`);
    expect(response.status).toBe(200);
    const script = await response.text();
    expect(script).toContain("url: '/v1.0/openapi.json'");
    expect(script).toContain('validatorUrl: null');
    expect(script).toContain('queryConfigEnabled: false');
    expect(script).not.toMatch(/https?:\/\//);
  });

  it('serves Swagger UI assets from node_modules and nothing else', async () => {
    for (const name of ['swagger-ui-bundle.js', 'swagger-ui.css']) {
      const response = await fetch(`${base}/docs/assets/${name}`);
      expect(response.status, name).toBe(200);
      expect(Buffer.from(await response.arrayBuffer()).equals(readFileSync(join(distDir, name))), name).toBe(true);
    }
    expect((await fetch(`${base}/docs/assets/swagger-ui-bundle.js`)).headers.get('content-type')).toMatch(/^text\/javascript/);
    for (const path of ['/docs/assets/package.json', '/docs/assets/%2e%2e/package.json', '/docs/nothing']) {
      const response = await fetch(`${base}${path}`);
      expect(response.status, path).toBe(404);
      await response.body?.cancel();
    }
    const post = await fetch(`${base}/docs`, { method: 'POST' });
    expect(post.status).toBe(405);
    await post.body?.cancel();
  });

  it('leaves the API itself to the gateway', async () => {
    const document = await fetch(`${base}/v1.0/openapi.json`);
    expect(document.status).toBe(200);
    expect(((await document.json()) as { openapi: string }).openapi).toBe('3.1.0');
    const unknown = await fetch(`${base}/documentation`);
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { reason: string } }).error.reason).toBe('ROUTE_NOT_FOUND');
  });
});

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
    expect(getExtension.responses[200]!.schema!.safeParse(extension).success).toBe(true);
    expect(createDocumentValidator(broken)(getExtension, 'GET', 200, extension)).toMatch(/sip_uri/);
    // A generator bug: the operation loses its documented 404.
    const without404 = structuredClone(document);
    delete (without404.paths!['/v1.0/extensions/{id}'] as Record<string, Operation>).get!.responses['404'];
    expect(createDocumentValidator(without404)(getExtension, 'GET', 404, envelope)).toMatch(/404 is not documented/);
  });
});

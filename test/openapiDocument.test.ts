import { readFileSync } from 'node:fs';
import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { httpStatusOf } from '../shared/errors.js';
import { takesIdempotencyKey } from '../shared/http/idempotencyKey.js';
import {
  bodyIsRequired,
  buildOpenApiDocument,
  documentedErrorStatuses,
  isSignedRegistrarRoute,
  securitySchemeNames,
} from '../shared/openapi/document.js';
import { errorExamples } from '../shared/openapi/examples.js';
import { routes } from '../shared/routes/index.js';
import { defineRoute } from '../shared/routes/route.js';
import { errorEnvelope } from '../shared/schemas/openapi.js';
import { operationOf, resolveResponse, sourceFiles, type Operation } from './support/openapi.js';

/** The OpenAPI document generated from the route table (shared/openapi/document.ts). */
const document = buildOpenApiDocument(routes);

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
      const queryKeys = route.query instanceof z.core.$ZodObject ? Object.keys(route.query._zod.def.shape) : [];
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
        const response = resolveResponse(document, operation.responses[String(status)]);
        const json = response?.content?.['application/json'];
        expect(json?.schema, `${route.operationId} ${status}`).toEqual({ $ref: '#/components/schemas/Error' });
        const example = z.strictObject(errorEnvelope.shape).parse(json?.example);
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

  it('documents 409 only on routes that declare it in `errors` or take an Idempotency-Key (no other shape implies a conflict)', () => {
    const problems: string[] = [];
    for (const route of routes) {
      const documents409 = Object.hasOwn(operationOf(document, route)!.responses, '409');
      // A key whose first request still runs is 409 IDEMPOTENCY_KEY_IN_USE (test/idempotency.test.ts).
      if (documents409 !== ((route.errors ?? []).includes(409) || takesIdempotencyKey(route))) {
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
      expect(required[route.operationId], route.operationId).toBe(!z.safeParse(route.body!, {}).success);
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
      if (route.auth === 'registrar-bearer' || route.auth === 'registrar-signed') {
        const signed = isSignedRegistrarRoute(route);
        expect(signed, route.operationId).toBe(route.auth === 'registrar-signed');
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
        auth: 'registrar-signed',
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


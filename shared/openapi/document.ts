import { OpenAPIRegistry, OpenApiGeneratorV31, type ResponseConfig, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import type { ZodObject, ZodType } from 'zod';
import * as z from 'zod';
import * as zm from 'zod/mini';
import { httpStatusOf, type ErrorStatus } from '../errors.js';
import { IDEMPOTENCY_KEY_FORMAT, takesIdempotencyKey } from '../http/idempotencyKey.js';
import { isRegistrarAuth, type AnyRoute } from '../routes/route.js';
import { errorEnvelope } from '../schemas/openapi.js';
import { errorExamples, operationExamples, type ErrorExample, type OperationExample } from './examples.js';
import { readableAsClassic } from './zodMini.js';
import { registerWebhookEvents } from './webhookEvents.js';

export type OpenApiDocument = ReturnType<OpenApiGeneratorV31['generateDocument']>;

/** The parts of generated parameters that polishParameters touches. */
interface SchemaLike {
  type?: string | string[];
  anyOf?: SchemaLike[];
  oneOf?: SchemaLike[];
}
interface ParameterLike {
  name: string;
  in: string;
  schema?: SchemaLike;
  style?: string;
  explode?: boolean;
  example?: unknown;
}

export const API_TITLE = 'SIP registry API';
export const API_VERSION = '1.0';

/** Security scheme names, as they appear in components.securitySchemes. */
export const securitySchemeNames = {
  token: 'accessKeyToken',
  accesskey: 'accessKeyQuery',
  bearer: 'accessKeyBearer',
  registrar: 'registrarSecret',
  registrarSignature: 'registrarSignature',
} as const;

/**
 * The error responses, one component each; operations $ref the ones that apply, or carry
 * their own example (examples.ts `errorExamples`) when they send a more specific reason.
 * Every example reason is one the API really sends (test/openapiDocument.test.ts checks the source).
 */
const ERROR_RESPONSES: Record<number, { name: string; description: string; example: ErrorExample }> = {
  400: {
    name: 'InvalidArgument',
    description: 'Invalid input (INVALID_ARGUMENT): a query parameter or the body does not match its schema, or the body is not JSON.',
    example: ['INVALID_ARGUMENT', 'INVALID_BODY', 'name: Invalid input: expected string, received number'],
  },
  401: {
    name: 'Unauthenticated',
    description: 'Missing or invalid credentials (UNAUTHENTICATED).',
    example: ['UNAUTHENTICATED', 'MISSING_ACCESS_KEY', 'Send an access key as ?token=, ?accesskey= or an Authorization: Bearer header.'],
  },
  403: {
    name: 'PermissionDenied',
    description: 'The credentials are valid but may not do this (PERMISSION_DENIED).',
    example: ['PERMISSION_DENIED', 'PERMISSION_DENIED', 'This access key may not do this.'],
  },
  404: {
    name: 'NotFound',
    description:
      'Nothing exists at this path for the caller (NOT_FOUND): reason NOT_FOUND for a malformed id, or one naming what is missing (EXTENSION_NOT_FOUND, DOMAIN_NOT_FOUND, ...).',
    example: ['NOT_FOUND', 'NOT_FOUND', 'Nothing exists at this path.'],
  },
  405: {
    name: 'MethodNotAllowed',
    description: 'The path exists with other methods, listed in the Allow header (METHOD_NOT_ALLOWED).',
    example: ['METHOD_NOT_ALLOWED', 'METHOD_NOT_ALLOWED', 'Use GET, POST on this path.'],
  },
  409: {
    name: 'Conflict',
    description: 'Conflicts with the current state (ALREADY_EXISTS or FAILED_PRECONDITION).',
    example: ['ALREADY_EXISTS', 'DOMAIN_NAME_TAKEN', 'domain_name "acme" is already in use; choose another.'],
  },
  413: {
    name: 'PayloadTooLarge',
    description:
      'The body is larger than the API accepts (PAYLOAD_TOO_LARGE): 64 KB unless the route says otherwise, on every method (a GET body is passed to the function as API Gateway passes it, and checked the same way).',
    example: ['PAYLOAD_TOO_LARGE', 'BODY_TOO_LARGE', 'The body exceeds 65536 bytes.'],
  },
  415: {
    name: 'UnsupportedMediaType',
    description: 'The body is not sent as Content-Type: application/json (UNSUPPORTED_MEDIA_TYPE).',
    example: ['UNSUPPORTED_MEDIA_TYPE', 'UNSUPPORTED_CONTENT_TYPE', 'Send the body as Content-Type: application/json.'],
  },
  422: {
    name: 'UnprocessableEntity',
    description: 'The Idempotency-Key was already used with another request (UNPROCESSABLE_ENTITY).',
    example: [
      'UNPROCESSABLE_ENTITY',
      'IDEMPOTENCY_KEY_REUSED',
      'This Idempotency-Key was used with another request (method, path or body) in the last 24 hours; use a new key for a new request.',
    ],
  },
  431: {
    name: 'HeadersTooLarge',
    description:
      'The request line and headers together exceed 10240 bytes, API Gateway HTTP API\'s limit (HEADERS_TOO_LARGE); answered by the gateway before any route, so not listed per operation.',
    example: ['HEADERS_TOO_LARGE', 'HEADERS_TOO_LARGE', 'The request line and headers exceed 10240 bytes.'],
  },
  429: {
    name: 'ResourceExhausted',
    description: 'Too many requests or a quota reached (RESOURCE_EXHAUSTED); see Retry-After.',
    example: ['RESOURCE_EXHAUSTED', 'RATE_LIMITED', 'Too many requests; retry later.'],
  },
  500: {
    name: 'Internal',
    description: 'Unexpected failure (INTERNAL); quote the request id when reporting it.',
    example: ['INTERNAL', 'INTERNAL_ERROR', 'Internal error; quote request id 3f1c2a9e-2b7d-4c55-9d0e-8f6a1b2c3d4e when reporting it.'],
  },
  502: {
    name: 'BadGateway',
    description: 'The SIP registrar answered with an error (BAD_GATEWAY); nothing was changed.',
    example: ['BAD_GATEWAY', 'REGISTRAR_ERROR', 'The registrar answered 500; nothing was changed.'],
  },
  503: {
    name: 'Unavailable',
    description:
      'A dependency (the table or the SIP registrar) is unavailable, or too many concurrent changes (UNAVAILABLE); retry after the Retry-After seconds.',
    example: ['UNAVAILABLE', 'DATABASE_UNAVAILABLE', 'The database is unavailable; retry shortly.'],
  },
};

/**
 * Statuses the gateway answers in front of every route, before any function runs (the
 * local gateway as API Gateway HTTP API would): described once, like 405, not per operation.
 */
export const GATEWAY_ERROR_STATUSES: readonly number[] = [431];

/**
 * The error statuses an operation documents, derived from what the shared request
 * pipeline (shared/http/*) can answer for a route of this shape:
 * - 400 when it takes a query or a body (path parameters that do not parse are a 404);
 * - 401 when it needs credentials;
 * - 404 when its path has parameters, and for registrar routes (unknown user or AOR);
 * - 413 always: every route's pipeline checks the body size, whatever the method;
 * - 415 when it takes a JSON body;
 * - 400 / 409 / 422 when it takes an Idempotency-Key (every customer POST);
 * - 502 when it talks to the registrar's control channel;
 * - 503 always (with Retry-After): the table, the registrar, or the platform in front may be unavailable;
 * - 500 always;
 * - and whatever the route lists in `errors`: what its domain code answers beyond the
 *   pipeline, e.g. 409 (ALREADY_EXISTS / FAILED_PRECONDITION), which no shape implies.
 * 405 (another method on a known path) is answered by the API's fallback, not by an
 * operation: it is described once in the document's description.
 */
export function documentedErrorStatuses(route: AnyRoute): number[] {
  const statuses = new Set<number>([413, 500, 503]);
  if (route.query || route.body) statuses.add(400);
  if (route.auth !== 'none') statuses.add(401);
  if (route.params || route.path.includes('{') || isRegistrarAuth(route.auth)) statuses.add(404);
  if (route.body) statuses.add(415);
  if (route.needs?.includes('registrarControl')) statuses.add(502);
  // Idempotency-Key (shared/http/idempotency.ts): 400 malformed key, 409 the first request
  // with the key still running, 422 the key used with another request.
  if (takesIdempotencyKey(route)) for (const status of [400, 409, 422]) statuses.add(status);
  for (const status of route.errors ?? []) statuses.add(status);
  return [...statuses].sort((a, b) => a - b);
}

/** Registrar routes signed with X-Registrar-Timestamp / X-Registrar-Signature. */
export const isSignedRegistrarRoute = (route: AnyRoute) => route.auth === 'registrar-signed';

const registrarSignatureHeaders = z.object({
  'X-Registrar-Timestamp': z
    .string()
    .regex(/^\d+$/)
    .meta({ description: 'Unix seconds when the registrar signed; more than 300 s away from now is refused (401).', example: '1764000000' }),
  'X-Registrar-Signature': z.string().meta({
    description:
      'base64url (no padding) of HMAC-SHA256(registrar secret, timestamp + "." + raw body); any configured secret is accepted.',
    example: 'n0Yh6u8iV1s2ZkqW3xTq9m5G0aQpJrL7eC4dB2fH1oY',
  }),
});

const idempotencyHeaders = z.object({
  'Idempotency-Key': z
    .string()
    .regex(IDEMPOTENCY_KEY_FORMAT)
    .optional()
    .meta({
      description:
        'Makes a retry safe: the same key with the same request (method, path, body bytes) within 24 hours answers the first ' +
        "reply (status and body, header Idempotent-Replayed: true) without doing the work again; a 2xx or the route's own 4xx " +
        'is kept, a 5xx is not (a retry does the work). While the first request runs, a duplicate waits up to 5 s, then 409 ' +
        'IDEMPOTENCY_KEY_IN_USE; the key with another request is 422 IDEMPOTENCY_KEY_REUSED. Keys are per customer; 16 to ' +
        '255 printable ASCII characters without spaces (else 400 INVALID_IDEMPOTENCY_KEY): use a random UUID.',
      example: '5f0c6b8e-2d4a-4f7e-9b1c-3a2d8e7f6c50',
    }),
});

function securityOf(route: AnyRoute): RouteConfig['security'] {
  switch (route.auth) {
    case 'none':
      return [];
    case 'customer':
      return [
        { [securitySchemeNames.token]: [] },
        { [securitySchemeNames.accesskey]: [] },
        { [securitySchemeNames.bearer]: [] },
      ];
    case 'registrar-bearer':
      return [{ [securitySchemeNames.registrar]: [] }];
    case 'registrar-signed':
      return [{ [securitySchemeNames.registrarSignature]: [] }];
  }
}

/** Every ErrorStatus, from the one table that maps them to HTTP statuses. */
export const ERROR_STATUSES = Object.keys(httpStatusOf) as [ErrorStatus, ...ErrorStatus[]];

const errorSchema = zm
  .extend(errorEnvelope, { error: zm.extend(errorEnvelope.shape.error, { status: zm.enum(ERROR_STATUSES) }) })
  .check(zm.meta({ id: 'Error', description: 'The one error envelope of the API.' }));

const EXAMPLE_REQUEST_ID = '3f1c2a9e-2b7d-4c55-9d0e-8f6a1b2c3d4e';
const errorExampleBody = ([status, reason, message]: ErrorExample) => ({
  error: { status, reason, message, request_id: EXAMPLE_REQUEST_ID },
});

/**
 * A JSON body is required only when an absent one (read as {}) would not do: PUT {} and
 * a body-less POST /v1.0/accesskeys are valid requests.
 */
export const bodyIsRequired = (route: AnyRoute) => route.body !== undefined && !z.safeParse(route.body, {}).success;

function successResponses(route: AnyRoute, example: OperationExample | undefined): Record<string, ResponseConfig> {
  const out: Record<string, ResponseConfig> = {};
  for (const [status, response] of Object.entries(route.responses)) {
    const exampleBody = example?.response && (example.responseStatus ?? 200) === Number(status) ? example.response : undefined;
    out[status] = response.schema
      ? {
          description: response.description,
          content: {
            'application/json': {
              schema: response.schema,
              ...(exampleBody !== undefined ? { example: exampleBody } : {}),
            },
          },
        }
      : { description: response.description };
  }
  return out;
}

const DESCRIPTION = [
  'Generated from the route table (`shared/routes/index.ts`) and the zod schemas the handlers validate with.',
  '',
  'Customer routes take an access key as `?token=`, `?accesskey=` or `Authorization: Bearer <key>`.',
  'Registrar routes take the stage\'s registrar secret (see docs/registrar-protocol.md).',
  '',
  'Every error is the envelope `{"error":{"status","reason","message","request_id"}}`.',
  'A path that exists with another method answers 405 METHOD_NOT_ALLOWED with an `Allow` header;',
  'an unknown path answers 404 ROUTE_NOT_FOUND. Any request whose request line and headers exceed 10240 bytes',
  '(API Gateway HTTP API\'s limit) answers 431 HEADERS_TOO_LARGE, before any route.',
  'A 503 UNAVAILABLE (e.g. DATABASE_UNAVAILABLE) carries `Retry-After` (seconds): retry then.',
].join('\n');

/**
 * The OpenAPI 3.1 document of a route table. Pure: the same table gives the same document.
 * Only the generic shape of a route is read, so new routes need no change here.
 */
export function buildOpenApiDocument(routes: readonly AnyRoute[]): OpenApiDocument {
  // Schemas may be zod classic or zod/mini; the generator reads classic members.
  for (const route of routes) {
    for (const schema of [route.params, route.query, route.body, ...Object.values(route.responses).map((r) => r.schema)]) {
      readableAsClassic(schema);
    }
  }
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', securitySchemeNames.token, {
    type: 'apiKey',
    in: 'query',
    name: 'token',
    description: "A customer's access key as ?token=.",
  });
  registry.registerComponent('securitySchemes', securitySchemeNames.accesskey, {
    type: 'apiKey',
    in: 'query',
    name: 'accesskey',
    description: "A customer's access key as ?accesskey=.",
  });
  registry.registerComponent('securitySchemes', securitySchemeNames.bearer, {
    type: 'http',
    scheme: 'bearer',
    description: "A customer's access key as Authorization: Bearer <key>.",
  });
  registry.registerComponent('securitySchemes', securitySchemeNames.registrar, {
    type: 'http',
    scheme: 'bearer',
    description: "The stage's registrar secret as Authorization: Bearer <secret> (used by the SIP registrar only).",
  });
  registry.registerComponent('securitySchemes', securitySchemeNames.registrarSignature, {
    type: 'apiKey',
    in: 'header',
    name: 'X-Registrar-Signature',
    description:
      'HMAC-SHA256 with a registrar secret over `X-Registrar-Timestamp + "." + raw body`, base64url without padding; ' +
      'see docs/registrar-protocol.md. Used by the SIP registrar only.',
  });

  const used = new Set([405, ...GATEWAY_ERROR_STATUSES, ...routes.flatMap(documentedErrorStatuses)]);
  const retryAfter = { 'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'string' as const } } };
  for (const [httpStatus, { name, description, example }] of Object.entries(ERROR_RESPONSES)) {
    if (!used.has(Number(httpStatus))) continue;
    registry.registerComponent('responses', name, {
      description,
      ...(name === 'MethodNotAllowed'
        ? { headers: { Allow: { description: 'The methods the path accepts', schema: { type: 'string' } } } }
        : {}),
      ...(name === 'Unavailable' || name === 'ResourceExhausted' ? { headers: retryAfter } : {}),
      content: {
        'application/json': {
          schema: { $ref: '#/components/schemas/Error' },
          example: errorExampleBody(example),
        },
      },
    });
  }

  const seen = new Set<string>();
  for (const route of routes) {
    if (seen.has(route.operationId)) throw new Error(`duplicate operationId ${route.operationId}`);
    seen.add(route.operationId);
    const example = operationExamples[route.operationId];
    const responses: Record<string, ResponseConfig> = successResponses(route, example);
    for (const status of documentedErrorStatuses(route)) {
      const component = ERROR_RESPONSES[status];
      const own = errorExamples[route.operationId]?.[status];
      responses[String(status)] =
        component && !own
          ? ({ $ref: `#/components/responses/${component.name}` } as ResponseConfig)
          : {
              description: component?.description ?? `Error (HTTP ${status})`,
              content: {
                'application/json': { schema: errorSchema, ...(own ? { example: errorExampleBody(own) } : {}) },
              },
            };
    }

    registry.registerPath({
      method: route.method.toLowerCase() as RouteConfig['method'],
      path: route.path,
      operationId: route.operationId,
      summary: route.summary,
      tags: [route.tag],
      security: securityOf(route),
      request: {
        ...(route.params ? { params: route.params as ZodObject } : {}),
        ...(route.query ? { query: route.query as ZodObject } : {}),
        ...(isSignedRegistrarRoute(route) ? { headers: registrarSignatureHeaders } : {}),
        ...(takesIdempotencyKey(route) ? { headers: idempotencyHeaders } : {}),
        ...(route.body
          ? {
              body: {
                required: bodyIsRequired(route),
                content: {
                  'application/json': {
                    schema: route.body as ZodType,
                    ...(example?.request !== undefined ? { example: example.request } : {}),
                  },
                },
              },
            }
          : {}),
      },
      responses,
    });
  }

  registerWebhookEvents(registry, routes);

  // The envelope is referenced from raw response components, so it is passed in by itself.
  const document = new OpenApiGeneratorV31([...registry.definitions, { type: 'schema', schema: readableAsClassic(errorSchema) as unknown as ZodType }]).generateDocument({
    openapi: '3.1.0',
    info: { title: API_TITLE, version: API_VERSION, description: DESCRIPTION },
    tags: [...new Set(routes.map((r) => r.tag))].map((name) => ({ name })),
  });
  for (const route of routes) polishParameters(document, route, operationExamples[route.operationId]);
  return document;
}

/**
 * What the generator cannot know from zod alone: a query value is never null (z.coerce
 * marks it nullable), a repeated query parameter (?extension_id=A&extension_id=B) is a
 * form-exploded array, and parameter examples from examples.ts.
 */
function polishParameters(document: OpenApiDocument, route: AnyRoute, example: OperationExample | undefined) {
  const operation = document.paths?.[route.path]?.[route.method.toLowerCase() as 'get'];
  for (const parameter of (operation?.parameters ?? []) as ParameterLike[]) {
    const schema = parameter.schema;
    if (schema && Array.isArray(schema.type) && schema.type.includes('null') && parameter.in !== 'header') {
      const types = schema.type.filter((t) => t !== 'null');
      schema.type = types.length === 1 ? types[0] : types;
    }
    if (parameter.in === 'query' && schema && acceptsArray(schema)) {
      parameter.style = 'form';
      parameter.explode = true;
    }
    const value =
      parameter.in === 'path' ? example?.params?.[parameter.name] : parameter.in === 'query' ? example?.query?.[parameter.name] : undefined;
    if (value !== undefined) parameter.example = value;
  }
}

function acceptsArray(schema: SchemaLike): boolean {
  if (schema.type === 'array' || (Array.isArray(schema.type) && schema.type.includes('array'))) return true;
  return [...(schema.anyOf ?? []), ...(schema.oneOf ?? [])].some(acceptsArray);
}

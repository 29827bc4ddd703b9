import * as z from 'zod';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { httpStatusOf, type ErrorStatus } from '../../shared/errors.js';
import { buildOpenApiDocument, documentedErrorStatuses, GATEWAY_ERROR_STATUSES, type OpenApiDocument } from '../../shared/openapi/document.js';
import type { AnyRoute } from '../../shared/routes/route.js';
import { routes } from '../../shared/routes/index.js';
import { createMatcher } from '../../shared/routes/match.js';
import { errorEnvelope } from '../../shared/schemas/openapi.js';

const match = createMatcher(routes);

export interface ObservedResponse {
  status: number;
  headers: Headers;
  body: unknown;
  text: string;
}

/**
 * The contract check every api.call() runs: the reply of a real handler must be what
 * the OpenAPI document (generated from the same route table) says.
 * - The generated document: the operation documents the HTTP status, and the body
 *   validates (JSON Schema 2020-12, Ajv) against the schema the document gives for it,
 *   $refs into components resolved; a status with no content must have no body.
 * - 2xx: a status the route declares, a JSON body its zod schema parses, and no field
 *   the schema does not know (an undocumented field is how secrets leak).
 * - 4xx/5xx: the error envelope, a status the operation documents, and an envelope
 *   status that maps to the HTTP status.
 * Throws on any mismatch, failing the calling test.
 */
export function assertContract(method: string, pathname: string, response: ObservedResponse): void {
  const found = match(method, pathname);
  const route = found.kind === 'found' ? found.route : undefined;
  const where = route ? `${route.operationId} (${method} ${route.path})` : `${method} ${pathname} (no route)`;
  const fail = (problem: string): never => {
    throw new Error(`contract: ${where} answered ${response.status}: ${problem}\n${response.text.slice(0, 2000)}`);
  };

  checkAgainstSchemas(route, response, fail);
  const documentProblem = documentValidator()(route, method, response.status, response.body);
  if (documentProblem) fail(`against the OpenAPI document: ${documentProblem}`);
}

/** The zod side: the route table's schemas and the error envelope. */
function checkAgainstSchemas(route: AnyRoute | undefined, response: ObservedResponse, fail: (problem: string) => never): void {
  if (response.status >= 400) {
    const parsed = errorEnvelope.safeParse(response.body);
    if (!parsed.success) return fail(`not the error envelope: ${parsed.error.message}`);
    const extra = droppedFields(response.body, parsed.data, '');
    if (extra.length) fail(`fields the envelope does not have: ${extra.join(', ')}`);
    const envelope = parsed.data.error;
    if (!envelope.message || !envelope.request_id) fail('empty message or request_id');
    if (response.headers.get('x-request-id') !== envelope.request_id) fail('request_id differs from the x-request-id header');
    const known = Object.hasOwn(httpStatusOf, envelope.status) ? httpStatusOf[envelope.status as ErrorStatus] : undefined;
    if (known !== response.status) fail(`envelope status ${envelope.status} does not belong to HTTP ${response.status}`);
    if (response.status === 503 && !response.headers.get('retry-after')) fail('a 503 without Retry-After');
    if (route && !documentedErrorStatuses(route).includes(response.status) && !GATEWAY_ERROR_STATUSES.includes(response.status)) {
      fail(`HTTP ${response.status} is not among the documented errors ${documentedErrorStatuses(route).join(', ')}`);
    }
    return;
  }

  if (!route) return fail('a success from a path with no route');
  const documented = route.responses[response.status];
  if (!documented) return fail(`undocumented status; the route declares ${Object.keys(route.responses).join(', ')}`);
  if (!documented.schema) {
    if (response.text !== '') fail('a body where the route documents none');
    return;
  }
  if (!/^application\/json\b/i.test(response.headers.get('content-type') ?? '')) {
    fail(`content-type ${response.headers.get('content-type')} is not JSON`);
  }
  const parsed = z.safeParse(documented.schema, response.body);
  if (!parsed.success) return fail(`body does not match the documented schema: ${parsed.error.message}`);
  const extra = droppedFields(response.body, parsed.data, '');
  if (extra.length) fail(`fields the schema does not document: ${extra.join(', ')}`);
}

/** Keys present in the reply but stripped by the schema's parse (zod objects drop unknown keys). */
export function droppedFields(input: unknown, output: unknown, path: string): string[] {
  if (Array.isArray(input) && Array.isArray(output)) {
    return input.flatMap((item, i) => droppedFields(item, output[i], `${path}[${i}]`));
  }
  if (!isPlainObject(input) || !isPlainObject(output)) return [];
  return Object.keys(input).flatMap((key) => {
    const at = path ? `${path}.${key}` : key;
    return Object.hasOwn(output, key) ? droppedFields(input[key], output[key], at) : [at];
  });
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Checks a reply against the generated document; returns the problem, or undefined. */
export type DocumentValidator = (route: AnyRoute | undefined, method: string, status: number, body: unknown) => string | undefined;

const DOCUMENT_ID = 'https://contract.invalid/openapi.json';
const jsonPointer = (...parts: string[]) =>
  `#/${parts.map((p) => encodeURIComponent(p.replaceAll('~', '~0').replaceAll('/', '~1'))).join('/')}`;

interface ResponseObject {
  $ref?: string;
  content?: Record<string, { schema?: unknown }>;
}

/**
 * A validator over one OpenAPI document: the whole document is added to Ajv once (so
 * $refs into components resolve), and each response schema is compiled by JSON pointer
 * on first use. strict is off: OpenAPI's schema dialect adds keywords such as `example`.
 */
export function createDocumentValidator(document: OpenApiDocument): DocumentValidator {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  ajv.addSchema(structuredClone(document) as object, DOCUMENT_ID);
  const compiled = new Map<string, ValidateFunction>();
  const validatorAt = (pointer: string) => {
    let validate = compiled.get(pointer);
    if (!validate) {
      validate = ajv.compile({ $ref: `${DOCUMENT_ID}${pointer}` });
      compiled.set(pointer, validate);
    }
    return validate;
  };
  const check = (pointer: string, body: unknown) => {
    const validate = validatorAt(pointer);
    if (validate(body)) return undefined;
    return `body does not match ${pointer}: ${ajv.errorsText(validate.errors, { dataVar: 'body' })}`;
  };

  return (route, method, status, body) => {
    // What no route answers (404 ROUTE_NOT_FOUND, 405) and what the gateway answers before
    // any route (431) is the documented envelope.
    if (!route || GATEWAY_ERROR_STATUSES.includes(status)) {
      return status >= 400 ? check(jsonPointer('components', 'schemas', 'Error'), body) : 'no operation';
    }
    const operationKey = method.toLowerCase();
    const operation = (document.paths?.[route.path] as Record<string, { responses?: Record<string, ResponseObject> }> | undefined)?.[
      operationKey
    ];
    if (!operation) return `no operation ${operationKey} ${route.path}`;
    let response = operation.responses?.[String(status)];
    let pointer = jsonPointer('paths', route.path, operationKey, 'responses', String(status));
    if (!response) {
      return `HTTP ${status} is not documented for the operation (documented: ${Object.keys(operation.responses ?? {}).join(', ')})`;
    }
    if (response.$ref) {
      const name = /^#\/components\/responses\/([^/]+)$/.exec(response.$ref)?.[1];
      response = name ? (document.components?.responses?.[name] as ResponseObject | undefined) : undefined;
      if (!name || !response) return `unresolvable response $ref ${operation.responses?.[String(status)]?.$ref}`;
      pointer = jsonPointer('components', 'responses', name);
    }
    if (!response.content?.['application/json']?.schema) {
      return body === undefined ? undefined : 'a body where the document gives no JSON content';
    }
    return check(`${pointer}/content/${encodeURIComponent('application~1json')}/schema`, body);
  };
}

// One document and one set of compiled validators per worker.
const CACHE = Symbol.for('sip-registry.test.contract.documentValidator');
function documentValidator(): DocumentValidator {
  const cache = globalThis as { [CACHE]?: DocumentValidator };
  return (cache[CACHE] ??= createDocumentValidator(buildOpenApiDocument(routes)));
}

import { httpStatusOf, type ErrorStatus } from '../../shared/errors.js';
import { documentedErrorStatuses } from '../../shared/openapi/document.js';
import { routes } from '../../shared/routes/index.js';
import { createMatcher } from '../../shared/routes/match.js';
import { errorEnvelope } from '../../shared/schemas/common.js';

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
    // 413 is answered before routing-specific work, for any route, whatever its body.
    if (route && response.status !== 413 && !documentedErrorStatuses(route).includes(response.status)) {
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
  const parsed = documented.schema.safeParse(response.body);
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

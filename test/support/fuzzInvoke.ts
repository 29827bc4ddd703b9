import type { IncomingMessage } from 'node:http';
import { handlerLoader, lambdaContext, toEvent } from '../../local/gateway.js';
import { fallbackHandler, routes } from '../../shared/routes/index.js';
import { createMatcher } from '../../shared/routes/match.js';
import type { AnyRoute } from '../../shared/routes/route.js';

/** One HTTP request as a client sends it: what the fuzzer generates. */
export interface RawRequest {
  method: string;
  /** Path and query, as on the request line. */
  url: string;
  headers: Record<string, string>;
  body?: Buffer;
}

export interface RawReply {
  status: number;
  headers: Headers;
  text: string;
  body: unknown;
  route: AnyRoute | undefined;
}

const match = createMatcher(routes);
const load = handlerLoader();

/**
 * Runs a request through what the local gateway does (route match, its payload v2 mapping
 * `toEvent`, the route's handler module), in-process and without a socket: thousands of
 * requests cost what the handlers and DynamoDB Local cost, not HTTP.
 */
export async function invoke(request: RawRequest): Promise<RawReply> {
  const url = new URL(request.url, 'http://local');
  const found = match(request.method, url.pathname);
  const route = found.kind === 'found' ? found.route : undefined;
  const message = {
    method: request.method,
    headers: Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k.toLowerCase(), v])),
    httpVersion: '1.1',
    socket: { remoteAddress: '127.0.0.1' },
  } as unknown as IncomingMessage;
  const event = toEvent(message, url, request.body ?? Buffer.alloc(0), route, found.kind === 'found' ? found.params : undefined);
  const handler = await load(route ? route.handler : fallbackHandler);
  const result = await handler(event, lambdaContext(route?.operationId ?? 'fallback', event.requestContext.requestId));
  const text = result.body === undefined ? '' : Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8').toString('utf8');
  let body: unknown = undefined;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = text;
  }
  const headers = new Headers();
  for (const [name, value] of Object.entries(result.headers ?? {})) headers.set(name, String(value));
  return { status: result.statusCode ?? 200, headers, text, body, route };
}

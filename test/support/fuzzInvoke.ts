import type { IncomingMessage } from 'node:http';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { toEvent } from '../../local/gateway.js';
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

type LambdaHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

const projectRoot = resolve(import.meta.dirname, '..', '..');
const match = createMatcher(routes);
const handlers = new Map<string, Promise<LambdaHandler>>();
const load = (file: string) => {
  let handler = handlers.get(file);
  if (!handler) {
    handler = import(pathToFileURL(resolve(projectRoot, file)).href).then((m: { handler: LambdaHandler }) => m.handler);
    handlers.set(file, handler);
  }
  return handler;
};

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
  const result = await handler(event, lambdaContext(event.requestContext.requestId));
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

export function lambdaContext(requestId: string): Context {
  const deadline = Date.now() + 29_000;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'fuzz',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:local:000000000000:function:fuzz',
    memoryLimitInMB: '256',
    awsRequestId: requestId,
    logGroupName: '/local/fuzz',
    logStreamName: 'local',
    getRemainingTimeInMillis: () => deadline - Date.now(),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

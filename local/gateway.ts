import { isUtf8 } from 'node:buffer';
import { randomUUID } from 'node:crypto';
import { STATUS_CODES, createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { fallbackHandler, routes as allRoutes } from '../shared/routes/index.js';
import { createMatcher } from '../shared/routes/match.js';
import type { AnyRoute } from '../shared/routes/route.js';

type LambdaHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

/** API Gateway's own payload limit; the handlers enforce their smaller one. */
const GATEWAY_MAX_BODY = 10 * 1024 * 1024;
/** API Gateway HTTP API: "total combined size of request line and header values", 10240 bytes. */
export const GATEWAY_MAX_REQUEST_LINE_AND_HEADERS = 10_240;
/**
 * Node's own header limit (16 KB by default) answers a bare 431 before our code sees the
 * request; a larger one lets the gateway answer API Gateway's limit in the envelope. Beyond
 * it, the clientError handler below still answers in the envelope.
 */
const NODE_MAX_HEADER_SIZE = 64 * 1024;
const projectRoot = resolve(import.meta.dirname, '..');

export interface GatewayOptions {
  routes?: readonly AnyRoute[];
  /** Extra non-API paths served before routing (the docs page). */
  extraRoutes?: (req: IncomingMessage, res: ServerResponse) => boolean;
}

/**
 * The local stand-in for API Gateway HTTP API: it turns each request into a payload v2
 * event, calls the route's handler module (the same code Lambda runs) and writes back
 * the structured result. Paths nobody declared go to the same fallback function as
 * API Gateway's $default route.
 */
export function createGateway(options: GatewayOptions = {}): Server {
  const match = createMatcher(options.routes ?? allRoutes);
  const load = handlerLoader();

  const server = createServer({ maxHeaderSize: NODE_MAX_HEADER_SIZE }, async (req, res) => {
    try {
      if (requestLineAndHeadersSize(req) > GATEWAY_MAX_REQUEST_LINE_AND_HEADERS) {
        req.resume();
        writeGatewayError(res, 431, 'HEADERS_TOO_LARGE', 'HEADERS_TOO_LARGE', headersTooLargeMessage);
        return;
      }
      if (options.extraRoutes?.(req, res)) return;
      const body = await readBody(req);
      if (body === 'too-large') {
        writeGatewayError(res, 413, 'PAYLOAD_TOO_LARGE', 'BODY_TOO_LARGE', 'Request body too large.');
        return;
      }
      const url = new URL(req.url ?? '/', 'http://local');
      const found = match(req.method ?? 'GET', url.pathname);
      const route = found.kind === 'found' ? found.route : undefined;
      const event = toEvent(req, url, body, route, found.kind === 'found' ? found.params : undefined);
      const handler = await load(route ? route.handler : fallbackHandler);
      const result = await handler(event, lambdaContext(route?.operationId ?? 'fallback', event.requestContext.requestId));
      writeResult(res, result);
    } catch (error) {
      console.error('local gateway: handler crashed', (error as Error).name);
      writeGatewayError(res, 500, 'INTERNAL', 'INTERNAL_ERROR', 'Internal error.');
    }
  });
  // Requests Node's parser refuses before our handler runs: answer in the envelope, not bare.
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (!socket.writable) return socket.destroy();
    const tooLarge = error.code === 'HPE_HEADER_OVERFLOW';
    const [statusCode, status, reason, message] = tooLarge
      ? [431, 'HEADERS_TOO_LARGE', 'HEADERS_TOO_LARGE', headersTooLargeMessage]
      : [400, 'INVALID_ARGUMENT', 'MALFORMED_REQUEST', 'The request is not valid HTTP/1.1.'];
    const requestId = randomUUID();
    const body = JSON.stringify({ error: { status, reason, message, request_id: requestId } });
    socket.end(
      `HTTP/1.1 ${statusCode} ${STATUS_CODES[statusCode]}\r\ncontent-type: application/json; charset=utf-8\r\n` +
        `x-request-id: ${requestId}\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    );
  });
  return server;
}

const headersTooLargeMessage = `The request line and headers exceed ${GATEWAY_MAX_REQUEST_LINE_AND_HEADERS} bytes.`;

/** What API Gateway counts against its limit: the request line and every header value. */
function requestLineAndHeadersSize(req: IncomingMessage): number {
  let size = Buffer.byteLength(`${req.method} ${req.url} HTTP/${req.httpVersion}`);
  for (let i = 1; i < req.rawHeaders.length; i += 2) size += Buffer.byteLength(req.rawHeaders[i]!);
  return size;
}

async function readBody(req: IncomingMessage): Promise<Buffer | 'too-large'> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > GATEWAY_MAX_BODY) return 'too-large';
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

const TEXT_TYPES = /^(application\/(json|.*\+json|x-www-form-urlencoded|xml)|text\/)/i;

export function toEvent(
  req: IncomingMessage,
  url: URL,
  body: Buffer,
  route: AnyRoute | undefined,
  pathParameters: Record<string, string> | undefined,
): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || name === 'cookie') continue;
    headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const rawQueryString = url.search.slice(1);
  const queryStringParameters: Record<string, string> = {};
  for (const [name, value] of url.searchParams) {
    queryStringParameters[name] = name in queryStringParameters ? `${queryStringParameters[name]},${value}` : value;
  }
  const now = new Date();
  const method = req.method ?? 'GET';
  const routeKey = route ? `${route.method} ${route.path}` : '$default';
  // Text only when it really is UTF-8: other bytes go base64 (isBase64Encoded, as Lambda gets
  // binary), so a signature over the raw body still checks out.
  const isText = body.length === 0 || (TEXT_TYPES.test(headers['content-type'] ?? '') && isUtf8(body));
  const cookies = req.headers.cookie?.split(';').map((c) => c.trim());
  return {
    version: '2.0',
    routeKey,
    rawPath: url.pathname,
    rawQueryString,
    ...(cookies ? { cookies } : {}),
    headers,
    ...(rawQueryString ? { queryStringParameters } : {}),
    ...(pathParameters && Object.keys(pathParameters).length ? { pathParameters } : {}),
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      domainName: headers.host ?? '127.0.0.1',
      domainPrefix: (headers.host ?? '127').split('.')[0]!,
      http: {
        method,
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...(body.length ? { body: isText ? body.toString('utf8') : body.toString('base64') } : {}),
    isBase64Encoded: !isText,
  };
}

/** Imports a route's handler module once, as a warm Lambda keeps it (the fuzzer uses it too). */
export function handlerLoader() {
  const handlers = new Map<string, Promise<LambdaHandler>>();
  return (file: string) => {
    let handler = handlers.get(file);
    if (!handler) {
      handler = import(pathToFileURL(resolve(projectRoot, file)).href).then((m: { handler: LambdaHandler }) => m.handler);
      handlers.set(file, handler);
    }
    return handler;
  };
}

/** The Lambda context a handler gets locally. */
export function lambdaContext(functionName: string, requestId: string): Context {
  const deadline = Date.now() + 29_000;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: requestId,
    logGroupName: `/local/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => deadline - Date.now(),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

function writeResult(res: ServerResponse, result: APIGatewayProxyStructuredResultV2) {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(result.headers ?? {})) headers[name] = String(value);
  if (result.cookies?.length) headers['set-cookie'] = result.cookies;
  res.writeHead(result.statusCode ?? 200, headers);
  res.end(result.body === undefined ? undefined : Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8'));
}

function writeGatewayError(res: ServerResponse, statusCode: number, status: string, reason: string, message: string) {
  const requestId = randomUUID();
  res.writeHead(statusCode, { 'content-type': 'application/json; charset=utf-8', 'x-request-id': requestId });
  res.end(JSON.stringify({ error: { status, reason, message, request_id: requestId } }));
}

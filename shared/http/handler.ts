import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type { ZodType } from 'zod';
import { configureRoute } from '../config.js';
import { ApiError, internalError } from '../errors.js';
import { logger } from '../log.js';
import { tableUnavailable } from '../table/unavailable.js';
import { isRegistrarAuth, type AnyRoute, type AuthKind, type AuthOf, type BodyOf, type ParamsOf, type QueryOf } from '../routes/route.js';
import { authenticateRequest, type AuthFor, type RegistrarVerifier } from './auth.js';
import { assertBodySize, readJsonBody } from './body.js';
import { idempotency } from './idempotency.js';
import { parseQuery } from './query.js';
import { Reply, toResult } from './reply.js';
import { validate } from './validate.js';

interface RequestBase<R extends AnyRoute> {
  params: ParamsOf<R>;
  query: QueryOf<R>;
  body: BodyOf<R>;
  /** What authentication established, narrowed by the route's auth kind. */
  auth: AuthFor<AuthOf<R>>;
  requestId: string;
  /** Raw body bytes, for signature checks. */
  rawBody: Buffer;
  event: APIGatewayProxyEventV2;
}

/** On customer routes, the caller (always present); other routes have no caller fields at all. */
type CallerOf<A extends AuthKind> = [A] extends ['customer'] ? { customerId: string; accessKeyId: string } : unknown;

/** What a route's function receives: typed by the route's schemas and its auth kind. */
export type ApiRequest<R extends AnyRoute> = RequestBase<R> & CallerOf<AuthOf<R>>;

export type ApiContext = Context & {
  apiRequest?: ApiRequest<AnyRoute>;
  /** Set by the idempotency middleware: the stored first reply of a repeated request. */
  idempotentReplay?: APIGatewayProxyStructuredResultV2;
};
type HandlerFn<R extends AnyRoute> = (request: ApiRequest<R>) => Promise<unknown>;

/**
 * Wraps a route's function: the same code runs on Lambda and behind the local gateway.
 * Order: log, then errors into the envelope, then body, auth, validation, then the
 * Idempotency-Key (customer POSTs), then the function. Its return value is the 200 JSON
 * body unless it is a Reply.
 */
export function httpHandler<R extends AnyRoute>(route: R, fn: HandlerFn<R>, verifyRegistrar?: RegistrarVerifier) {
  // Fails at cold start, not at the first request: registrar routes bring their own check.
  if (isRegistrarAuth(route.auth) && !verifyRegistrar) {
    throw new Error(`${route.operationId}: wrap registrar routes with registrarHandler (shared/http/registrarHandler.ts)`);
  }
  // The configuration, once per cold start: on Lambda a variable the route needs and lacks
  // stops the init here, with its name in the log (shared/config.ts). That the route
  // declares every need its shape implies is checked at synth (infra/stack.ts) and by
  // test/config.test.ts, not here: it would build the route's schemas at every cold start.
  configureRoute(route);
  const base = async (_event: APIGatewayProxyEventV2, context: ApiContext): Promise<APIGatewayProxyStructuredResultV2> => {
    // A repeated request (same Idempotency-Key): its first reply, the work not done again.
    if (context.idempotentReplay) return context.idempotentReplay;
    const request = context.apiRequest as unknown as ApiRequest<R>;
    const result = await fn(request);
    const reply = result instanceof Reply ? result : Reply.json(200, result);
    return toResult(reply, request.requestId);
  };

  return middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Error, ApiContext>(base)
    .use(accessLog(route))
    .use(errorEnvelope())
    .use(prepareRequest(route, verifyRegistrar))
    .use(idempotency(route));
}

const requestIdOf = (event: APIGatewayProxyEventV2, context: Context | undefined) =>
  event.requestContext?.requestId ?? context?.awsRequestId ?? 'unknown';

type MiddyRequest = middy.Request<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Error, ApiContext>;

function accessLog(route: AnyRoute): middy.MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Error, ApiContext> {
  const started = new WeakMap<object, number>();
  const log = (request: MiddyRequest) => {
    const startedAt = started.get(request) ?? performance.now();
    const status = request.response?.statusCode ?? 500;
    const entry = {
      request_id: requestIdOf(request.event, request.context),
      route: `${route.method} ${route.path}`,
      status,
      duration_ms: Math.round((performance.now() - startedAt) * 100) / 100,
    };
    if (status >= 500) logger.error('request', entry);
    else logger.info('request', entry);
  };
  return {
    before: (request) => {
      started.set(request, performance.now());
    },
    after: log,
    onError: log,
  };
}

function errorEnvelope(): middy.MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Error, ApiContext> {
  return {
    onError: (request) => {
      const requestId = requestIdOf(request.event, request.context);
      let error = request.error;
      const unavailable = error instanceof ApiError ? undefined : tableUnavailable(error);
      if (unavailable) {
        logger.warn('table unavailable', { request_id: requestId, error_name: error?.name, error_code: (error as { code?: string }).code });
        error = unavailable;
      } else if (!(error instanceof ApiError)) {
        // Name, status and frames only: messages of SDK errors may quote values (keys, secrets).
        const frames = error?.stack?.split('\n').slice(1).map((frame) => frame.trim()) ?? [];
        logger.error('unhandled error', {
          request_id: requestId,
          error_name: error?.name,
          http_status: (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode,
          app_frame: frames.find((frame) => /\/(shared|functions)\//.test(frame) && !frame.includes('node_modules')),
          stack: frames.slice(0, 5).join('\n'),
        });
        error = internalError(requestId);
      }
      const apiError = error as ApiError;
      request.response = toResult(Reply.json(apiError.httpStatus, apiError.toBody(requestId), apiError.headers), requestId);
    },
  };
}

function prepareRequest(route: AnyRoute, verifyRegistrar: RegistrarVerifier | undefined): middy.MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Error, ApiContext> {
  return {
    before: async (request) => {
      const event = request.event;
      const requestId = requestIdOf(event, request.context);
      const rawBody = event.body ? Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8') : Buffer.alloc(0);
      const rawQuery = parseQuery(event.rawQueryString);
      const headers = lowerCaseHeaders(event.headers);
      // Size first (cheap, needs no secret); the body is parsed only once the caller is
      // authenticated, so a webhook signature is checked over the raw bytes before any parsing.
      assertBodySize(route, rawBody);
      const auth = await authenticateRequest(route, { query: rawQuery, headers, rawBody }, verifyRegistrar);
      const json = readJsonBody(route, rawBody, headers);
      const { token: _t, accesskey: _a, ...query } = rawQuery;
      request.context.apiRequest = {
        params: validate('params', route.params as ZodType | undefined, event.pathParameters ?? {}),
        query: validate('query', route.query as ZodType | undefined, query),
        body: validate('body', route.body as ZodType | undefined, json),
        ...(auth.kind === 'customer' ? { customerId: auth.customerId, accessKeyId: auth.accessKeyId } : {}),
        auth,
        requestId,
        rawBody,
        event,
      } as ApiRequest<AnyRoute>;
    },
  };
}

function lowerCaseHeaders(headers: APIGatewayProxyEventV2['headers'] | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) if (value !== undefined) result[name.toLowerCase()] = value;
  return result;
}

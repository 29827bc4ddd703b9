import type { $ZodType as ZodType, output } from 'zod/v4/core';
import type { TableUse } from './access.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';
/**
 * Who may call the route and how (docs/registrar-protocol.md for the registrar kinds):
 * - customer: an access key of a customer (?token=, ?accesskey= or Bearer);
 * - registrar-bearer: the stage's registrar secret as a Bearer token (reads);
 * - registrar-signed: HMAC of timestamp + "." + raw body with the registrar secret (writes);
 * - none: anyone.
 * The middleware, the OpenAPI document and CDK all read this one field.
 */
export type AuthKind = 'none' | 'customer' | 'registrar-bearer' | 'registrar-signed';
export type RegistrarAuthKind = Extract<AuthKind, `registrar-${string}`>;
export const isRegistrarAuth = (auth: AuthKind): auth is RegistrarAuthKind =>
  auth === 'registrar-bearer' || auth === 'registrar-signed';
/** What the route's function may do to the table; CDK turns it into the IAM grant. */
export type TableAccess = 'none' | 'read' | 'write';
/**
 * What a function needs beyond the table; CDK wires the environment and grants for each
 * and nothing else, so a function only sees what its route declares.
 * - sipDomain: SIP_DOMAIN_SUFFIX (realms are derived from it)
 * - pageTokens: PAGE_TOKEN_SECRET_ARN + read grant (signs next_page_token; local: PAGE_TOKEN_SECRET)
 * - registrarSecrets: REGISTRAR_SECRETS_ARN + secretsmanager:GetSecretValue on it
 *   (every secret reader also gets the Parameters and Secrets extension, infra/routeFunction.ts)
 * - registrarControl: REGISTRAR_CONTROL_URL + REGISTRAR_CONTROL_TOKEN_ARN (+ read grant);
 *   the route's reply depends on the registrar (502/503 documented)
 * - registrarCache: the same wiring, for routes that only tell the registrar to forget
 *   cached credentials or drop bindings best effort: never changes the reply
 * - retention: REGISTRATION_RETENTION_DAYS
 * - webhookQueue: WEBHOOK_QUEUE_URL + sqs:SendMessage on the webhook delivery queue
 * - routeTable: ROUTE_TABLE, every route's method and path (the fallback's 405 vs 404)
 * - accessKeyPermissions: ACCESS_KEY_PERMISSIONS, what an access key may do (GET /v1.0/me)
 *   (both computed from the route table at deploy time: shared/routes/tableSummary.ts)
 */
export type RouteNeed =
  | 'sipDomain'
  | 'pageTokens'
  | 'registrarSecrets'
  | 'registrarControl'
  | 'registrarCache'
  | 'retention'
  | 'webhookQueue'
  | 'routeTable'
  | 'accessKeyPermissions';
/**
 * Values computed once at `cdk synth` and compiled into the function's bundle
 * (infra/routeBundling.ts), for what is the same on every request of a deployment and
 * costly to build at cold start. Unbundled (the local gateway, tests) the handler builds
 * the value itself.
 * - openApiDocument: the OpenAPI document's JSON text, gzipped, in base64, as
 *   `process.env.OPENAPI_DOCUMENT_GZIP`
 */
export type InlinedValue = 'openApiDocument';

export interface RouteResponse {
  description: string;
  schema?: ZodType;
}

export interface RouteDef<
  P extends ZodType | undefined = ZodType | undefined,
  Q extends ZodType | undefined = ZodType | undefined,
  B extends ZodType | undefined = ZodType | undefined,
  A extends AuthKind = AuthKind,
> {
  /** Unique, camelCase; names the Lambda function and the OpenAPI operation. */
  operationId: string;
  method: HttpMethod;
  /** API Gateway syntax: /v1.0/extensions/{id} */
  path: string;
  /** Handler module, relative to the project root; it exports `handler`. */
  handler: string;
  auth: A;
  table: TableAccess;
  /**
   * Exactly what the function does to the table (shared/routes/access.ts): CDK grants these
   * and nothing else; required unless `table` is 'none'. One line, e.g.
   * `access: [uses.customerAuth, uses.extensions.get]`.
   */
  access?: readonly TableUse[];
  needs?: readonly RouteNeed[];
  /** Inlined into the function's bundle at synth (InlinedValue). */
  inline?: readonly InlinedValue[];
  summary: string;
  tag: string;
  params?: P;
  query?: Q;
  body?: B;
  /** Largest body accepted (bytes); default MAX_BODY_BYTES (64 KB). Larger is 413. */
  maxBodyBytes?: number;
  /** Success responses by HTTP status; errors are the shared envelope. */
  responses: Record<number, RouteResponse>;
  /**
   * Error statuses the operation answers beyond those derived from its shape
   * (shared/openapi/document.ts), e.g. 404 when a body names an unknown domain_id.
   */
  errors?: readonly number[];
}

export type AnyRoute = RouteDef<ZodType | undefined, ZodType | undefined, ZodType | undefined>;

type Infer<T> = T extends ZodType ? output<T> : Record<string, never>;
export type ParamsOf<R> = R extends RouteDef<infer P, ZodType | undefined, ZodType | undefined, AuthKind> ? Infer<P> : never;
export type QueryOf<R> = R extends RouteDef<ZodType | undefined, infer Q, ZodType | undefined, AuthKind> ? Infer<Q> : never;
export type BodyOf<R> = R extends RouteDef<ZodType | undefined, ZodType | undefined, infer B, AuthKind> ? Infer<B> : never;
/** The route's auth kind as a literal type (what the handler's request is narrowed by). */
export type AuthOf<R> = R extends { auth: infer A extends AuthKind } ? A : never;

export const defineRoute = <
  P extends ZodType | undefined = undefined,
  Q extends ZodType | undefined = undefined,
  B extends ZodType | undefined = undefined,
  A extends AuthKind = AuthKind,
>(
  route: RouteDef<P, Q, B, A>,
): RouteDef<P, Q, B, A> => route;

const shapeOf = (schema: ZodType | undefined): Record<string, unknown> =>
  (schema as { _zod?: { def?: { shape?: Record<string, unknown> } } } | undefined)?._zod?.def?.shape ?? {};

/**
 * Needs a route's shape implies: a route that takes page_token verifies (and issues) page
 * tokens (pageTokens). Without the need its function would have no key on Lambda;
 * `cdk synth` refuses such a route (infra/stack.ts), as test/config.test.ts does. A list that is
 * always one page (GET /v1.0/webhooks: at most 10) answers next_page_token "" and takes
 * no page_token, so it needs no key.
 */
export function impliedNeeds(route: AnyRoute): RouteNeed[] {
  return 'page_token' in shapeOf(route.query) ? ['pageTokens'] : [];
}

/** Throws when the route's shape implies a need its `needs` lack (names the need). */
export function assertNeedsDeclared(route: AnyRoute): void {
  const missing = impliedNeeds(route).filter((need) => !(route.needs ?? []).includes(need));
  if (missing.length > 0) {
    throw new Error(`${route.operationId}: pages are signed with the page-token key, but its needs lack ${missing.map((n) => `'${n}'`).join(', ')}`);
  }
}

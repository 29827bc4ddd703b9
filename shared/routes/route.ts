import type { $ZodType as ZodType, output } from 'zod/v4/core';
import type { TableUse } from './access.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';
/** customer: an access key of a customer; registrar: the stage's registrar secret. */
export type AuthKind = 'none' | 'customer' | 'registrar';
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
 */
export type RouteNeed =
  | 'sipDomain'
  | 'pageTokens'
  | 'registrarSecrets'
  | 'registrarControl'
  | 'registrarCache'
  | 'retention';

export interface RouteResponse {
  description: string;
  schema?: ZodType;
}

export interface RouteDef<
  P extends ZodType | undefined = ZodType | undefined,
  Q extends ZodType | undefined = ZodType | undefined,
  B extends ZodType | undefined = ZodType | undefined,
> {
  /** Unique, camelCase; names the Lambda function and the OpenAPI operation. */
  operationId: string;
  method: HttpMethod;
  /** API Gateway syntax: /v1.0/extensions/{id} */
  path: string;
  /** Handler module, relative to the project root; it exports `handler`. */
  handler: string;
  auth: AuthKind;
  table: TableAccess;
  /**
   * Exactly what the function does to the table (shared/routes/access.ts): CDK grants these
   * and nothing else; required unless `table` is 'none'. One line, e.g.
   * `access: [uses.customerAuth, uses.extensions.get]`.
   */
  access?: readonly TableUse[];
  needs?: readonly RouteNeed[];
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
export type ParamsOf<R> = R extends RouteDef<infer P, ZodType | undefined, ZodType | undefined> ? Infer<P> : never;
export type QueryOf<R> = R extends RouteDef<ZodType | undefined, infer Q, ZodType | undefined> ? Infer<Q> : never;
export type BodyOf<R> = R extends RouteDef<ZodType | undefined, ZodType | undefined, infer B> ? Infer<B> : never;

export const defineRoute = <
  P extends ZodType | undefined = undefined,
  Q extends ZodType | undefined = undefined,
  B extends ZodType | undefined = undefined,
>(
  route: RouteDef<P, Q, B>,
): RouteDef<P, Q, B> => route;

/**
 * How a registrar route authenticates (docs/registrar-protocol.md): routes that write
 * (the webhook) are signed over timestamp + "." + raw body; the others (the credential
 * lookup) carry the secret as a Bearer token. The middleware and the OpenAPI document
 * both ask this one rule.
 */
export const registrarAuthMode = (route: AnyRoute): 'signature' | 'bearer' =>
  route.method === 'POST' || route.method === 'PUT' ? 'signature' : 'bearer';

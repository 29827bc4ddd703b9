import { authenticate } from '../domain/accessKeys.js';
import { unauthenticated } from '../errors.js';
import type { AnyRoute, AuthKind } from '../routes/route.js';
import type { verifyRegistrarRequest } from './registrarAuth.js';

/** What authentication established, one shape per auth kind (shared/routes/route.ts). */
export type RequestAuth =
  | { kind: 'none' }
  | { kind: 'customer'; customerId: string; accessKeyId: string }
  | { kind: 'registrar-bearer' }
  /** timestamp: the signed X-Registrar-Timestamp (unix seconds). */
  | { kind: 'registrar-signed'; timestamp: number };
export type AuthFor<A extends AuthKind> = Extract<RequestAuth, { kind: A }>;

export interface AuthInput {
  query: Record<string, string | string[]>;
  headers: Record<string, string>;
  rawBody: Buffer;
}

/**
 * The registrar check, passed in by registrar functions only (shared/http/registrarHandler.ts):
 * it carries the Secrets Manager client, which customer functions must not load.
 */
export type RegistrarVerifier = typeof verifyRegistrarRequest;

/** The one authentication step of every route, chosen by the route's auth kind. */
export async function authenticateRequest(route: AnyRoute, input: AuthInput, verifyRegistrar?: RegistrarVerifier): Promise<RequestAuth> {
  switch (route.auth) {
    case 'none':
      return { kind: 'none' };
    case 'registrar-bearer':
    case 'registrar-signed':
      if (!verifyRegistrar) throw new Error(`${route.operationId}: a registrar route is wrapped by registrarHandler`);
      return verifyRegistrar(route.auth, input);
    case 'customer': {
      const secret = accessKeyFrom(input);
      if (!secret) {
        throw unauthenticated(
          'MISSING_ACCESS_KEY',
          'Send an access key as ?token=, ?accesskey= or an Authorization: Bearer header.',
        );
      }
      return { kind: 'customer', ...(await authenticate(secret)) };
    }
  }
}

/**
 * The seeds use ?token= and Bearer; VoIPbin also accepts ?accesskey=. One key per
 * request: two different keys are refused rather than one silently preferred. A
 * non-Bearer Authorization header (a proxy's Basic, say) is ignored when the key is
 * in the query, and refused when it is the only candidate.
 */
function accessKeyFrom({ query, headers }: AuthInput): string | undefined {
  const candidates = new Set<string>();
  for (const name of ['token', 'accesskey']) {
    const value = query[name];
    if (Array.isArray(value)) throw unauthenticated('MALFORMED_ACCESS_KEY', `Send ?${name}= once.`);
    if (value) candidates.add(value);
  }
  const authorization = headers.authorization;
  if (authorization) {
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (bearer) candidates.add(bearer[1]!);
    else if (candidates.size === 0) {
      throw unauthenticated('MALFORMED_AUTHORIZATION', 'Authorization must be "Bearer <access key>".');
    }
  }
  if (candidates.size > 1) {
    throw unauthenticated('AMBIGUOUS_ACCESS_KEY', 'Send one access key: ?token=, ?accesskey= or Bearer, not several different ones.');
  }
  return candidates.values().next().value;
}

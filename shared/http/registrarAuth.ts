import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { unauthenticated } from '../errors.js';
import { logger } from '../log.js';
import { registrarSecrets, registrarSecretsRefreshable } from '../registrar/secrets.js';
import type { RegistrarAuthKind } from '../routes/route.js';
import type { AuthFor, AuthInput } from './auth.js';

/**
 * The one message logged for every refused registrar request, bearer or signed (with `mode`
 * and `reason` only). The RegistrarAuthRejected metric filter (infra/monitoring.ts) matches it.
 */
export const REGISTRAR_AUTH_REJECTED = 'registrar auth rejected';

/** Largest accepted distance between X-Registrar-Timestamp and the API's clock, in seconds. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

export type RegistrarAuth = AuthFor<RegistrarAuthKind>;

/**
 * Signature or bearer, as the route's auth kind says (shared/routes/route.ts).
 * Any configured secret is accepted (rotation). Customer access keys never are.
 */
export async function verifyRegistrarRequest(kind: RegistrarAuthKind, input: AuthInput): Promise<RegistrarAuth> {
  return kind === 'registrar-signed' ? verifySignature(input) : verifyBearer(input);
}

const rejected = () =>
  unauthenticated('INVALID_REGISTRAR_CREDENTIALS', 'Registrar authentication failed.');

/** Compares digests so neither the length nor the content of a secret leaks through timing. */
function sameSecret(given: string, secret: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(secret).digest();
  return timingSafeEqual(a, b);
}

async function verifyBearer({ headers }: AuthInput): Promise<AuthFor<'registrar-bearer'>> {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(headers.authorization ?? '');
  if (!match) {
    logger.warn(REGISTRAR_AUTH_REJECTED, { mode: 'bearer', reason: headers.authorization ? 'malformed' : 'missing' });
    throw rejected();
  }
  const given = match[1]!;
  const check = (secrets: string[]) => secrets.reduce((ok, secret) => sameSecret(given, secret) || ok, false);
  if (check(await registrarSecrets())) return { kind: 'registrar-bearer' };
  if (registrarSecretsRefreshable() && check(await registrarSecrets({ refresh: true }))) return { kind: 'registrar-bearer' };
  logger.warn(REGISTRAR_AUTH_REJECTED, { mode: 'bearer', reason: 'unknown_secret' });
  throw rejected();
}

export const signRegistrarBody = (secret: string, timestamp: string, rawBody: Buffer | string) =>
  createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest('base64url');

function signatureMatches(secrets: string[], timestamp: string, rawBody: Buffer, given: Buffer): boolean {
  let ok = false;
  for (const secret of secrets) {
    const expected = Buffer.from(signRegistrarBody(secret, timestamp, rawBody), 'base64url');
    // Lengths are public (32 bytes); the comparison itself is constant-time; every secret is tried.
    if (given.length === expected.length && timingSafeEqual(given, expected)) ok = true;
  }
  return ok;
}

/** Never logs the secret, the signature or the body: only why it was refused. */
function reject(reason: string): never {
  logger.warn(REGISTRAR_AUTH_REJECTED, { mode: 'signature', reason });
  throw rejected();
}

async function verifySignature({ headers, rawBody }: AuthInput): Promise<AuthFor<'registrar-signed'>> {
  const timestamp = headers['x-registrar-timestamp'];
  const signature = headers['x-registrar-signature'];
  if (!timestamp) reject('missing_timestamp');
  if (!signature) reject('missing_signature');
  if (!/^\d{1,12}$/.test(timestamp)) reject('malformed_timestamp');
  if (!/^[A-Za-z0-9_-]{43}$/.test(signature)) reject('malformed_signature');
  const seconds = Number(timestamp);
  if (Math.abs(Date.now() / 1000 - seconds) > SIGNATURE_TOLERANCE_SECONDS) reject('stale_timestamp');
  const given = Buffer.from(signature, 'base64url');
  const secrets = await registrarSecrets();
  if (secrets.length === 0 && !registrarSecretsRefreshable()) reject('no_secret_configured');
  if (signatureMatches(secrets, timestamp, rawBody, given)) return { kind: 'registrar-signed', timestamp: seconds };
  if (registrarSecretsRefreshable() && signatureMatches(await registrarSecrets({ refresh: true }), timestamp, rawBody, given)) {
    return { kind: 'registrar-signed', timestamp: seconds };
  }
  reject('bad_signature');
}

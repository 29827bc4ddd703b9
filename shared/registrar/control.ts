import { config } from '../config.js';
import { ApiError, unavailable } from '../errors.js';
import { logger } from '../log.js';
import { registrarControlToken } from './secrets.js';

/** The registrar must answer within this; the API request waits for it. */
export const CONTROL_TIMEOUT_MS = 3000;

export type ControlResult = 'removed' | 'unknown-to-registrar' | 'not-configured';

const badGateway = (reason: string, message: string) => new ApiError('BAD_GATEWAY', reason, message);


/** Only loopback over http, anything else over https: the token never crosses a network in clear. */
export function checkControlUrl(raw: string): URL | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return undefined;
  }
  if (url.protocol === 'https:') return url;
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  return url.protocol === 'http:' && loopback ? url : undefined;
}

export const controlConfigured = () => config.registrarControlUrl !== undefined;

/** Why a control request got no answer; safe to log (never the token, the URL or an error message). */
type ControlFailure = 'url_not_allowed' | 'missing_token' | 'timeout' | 'unreachable';

type ControlAnswer =
  | { outcome: 'not-configured' }
  | { outcome: 'failed'; reason: ControlFailure }
  | { outcome: 'answered'; status: number; body: string };

/**
 * The one request to the registrar's control channel (docs/registrar-protocol.md
 * section 3): POST of a JSON body with the bearer token, within CONTROL_TIMEOUT_MS,
 * redirects not followed. Callers decide what an answer means. Throws only when the
 * token cannot be read (Secrets Manager down: a 503 ApiError from secrets.ts).
 */
async function postToRegistrar(body: Record<string, string>): Promise<ControlAnswer> {
  const raw = config.registrarControlUrl;
  if (raw === undefined) return { outcome: 'not-configured' };
  const url = checkControlUrl(raw);
  if (!url) return { outcome: 'failed', reason: 'url_not_allowed' };
  const token = await registrarControlToken();
  if (!token) return { outcome: 'failed', reason: 'missing_token' };
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      redirect: 'manual',
      signal: AbortSignal.timeout(CONTROL_TIMEOUT_MS),
    });
    // Read under the same timeout (reading also frees the connection for reuse); a body cut
    // short reads as "": the status alone already answered.
    const text = await response.text().catch(() => '');
    return { outcome: 'answered', status: response.status, body: text };
  } catch (error) {
    const timedOut = (error as Error).name === 'TimeoutError' || (error as Error).name === 'AbortError';
    return { outcome: 'failed', reason: timedOut ? 'timeout' : 'unreachable' };
  }
}

/** What a local user does about it (npm start runs the registrar itself when Kamailio is installed). */
const LOCAL_HINT = () =>
  config.stage === 'local'
    ? ' Locally: npm start runs the registrar itself when Kamailio is installed (sudo bash registrar/install.sh,' +
      ' then restart npm start); REGISTRAR_CONTROL_URL names a registrar that is not running.'
    : '';

const misconfiguration = (reason: ControlFailure) => reason === 'url_not_allowed' || reason === 'missing_token';

/**
 * Asks the registrar to drop one binding (registration_id) or every binding of the AOR
 * (docs/registrar-protocol.md section 3). Resolves when the registrar removed it or does
 * not know it; throws 503 when it cannot be reached or is misconfigured, 502 when it
 * answers anything else. Nothing about the token is logged.
 */
export async function dropRegistrarBindings(target: { aor: string; registrationId?: string }): Promise<ControlResult> {
  const answer = await postToRegistrar(
    target.registrationId ? { aor: target.aor, registration_id: target.registrationId } : { aor: target.aor },
  );
  if (answer.outcome === 'not-configured') return 'not-configured';
  if (answer.outcome === 'failed' && misconfiguration(answer.reason)) {
    logger.error('registrar control misconfigured', { reason: answer.reason });
    throw unavailable('REGISTRAR_CONTROL_MISCONFIGURED', 'The registrar control endpoint is misconfigured.');
  }
  if (answer.outcome === 'failed') {
    logger.warn('registrar control failed', { reason: answer.reason });
    throw unavailable('REGISTRAR_UNAVAILABLE', `The registrar could not be reached; nothing was changed. Retry later.${LOCAL_HINT()}`);
  }
  if (answer.status === 200 || answer.status === 204) return 'removed';
  if (answer.status === 404) return 'unknown-to-registrar';
  logger.warn('registrar control failed', { reason: 'status', status: answer.status });
  if (answer.status === 503) {
    throw unavailable('REGISTRAR_UNAVAILABLE', 'The registrar is unavailable; nothing was changed. Retry later.');
  }
  throw badGateway('REGISTRAR_ERROR', `The registrar answered ${answer.status}; nothing was changed.`);
}

/** One AOR's cached credential and negative entry, or every entry of a realm. */
export type InvalidationTarget = { aor: string; realm?: never } | { realm: string; aor?: never };

export type InvalidationResult = 'invalidated' | 'failed' | 'not-configured';

export const INVALIDATION_FAILED = 'registrar cache invalidation failed';

/** Only `{"invalidated":true}` proves the registrar understood the action (an older one would drop bindings and answer `removed`). */
function confirmsInvalidation(body: string): boolean {
  try {
    return (JSON.parse(body) as { invalidated?: unknown } | null)?.invalidated === true;
  } catch {
    return false;
  }
}

function invalidationFailed(target: InvalidationTarget, details: { reason: string; status?: number }): InvalidationResult {
  logger.warn(INVALIDATION_FAILED, { ...target, ...details });
  return 'failed';
}

/**
 * Tells the registrar to forget what its credential cache holds for an AOR or a realm
 * (docs/registrar-protocol.md section 3, `"action":"invalidate"`). Call it AFTER the
 * change committed (the table is the truth; a cache refilled from it must see the new
 * state) and await it before replying, so a device registering right after the reply
 * meets the new credentials. It never throws: the change is committed, so a failure is
 * logged as a warning (with a reason, never the token) and the registrar's cache TTL
 * bounds the staleness. Without a control endpoint nothing is sent.
 */
export async function invalidateRegistrarCredentials(target: InvalidationTarget): Promise<InvalidationResult> {
  const body: Record<string, string> =
    target.aor !== undefined ? { action: 'invalidate', aor: target.aor } : { action: 'invalidate', realm: target.realm };
  let answer: ControlAnswer;
  try {
    answer = await postToRegistrar(body);
  } catch {
    return invalidationFailed(target, { reason: 'token_unavailable' });
  }
  if (answer.outcome === 'not-configured') return 'not-configured';
  if (answer.outcome === 'failed') return invalidationFailed(target, { reason: answer.reason });
  if (answer.status !== 200) return invalidationFailed(target, { reason: 'status', status: answer.status });
  if (!confirmsInvalidation(answer.body)) return invalidationFailed(target, { reason: 'unexpected_reply' });
  return 'invalidated';
}

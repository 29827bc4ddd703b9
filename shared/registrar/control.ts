import { config } from '../config.js';
import { ApiError } from '../errors.js';
import { logger } from '../log.js';
import { registrarControlToken } from './secrets.js';

/** The registrar must answer within this; a DELETE waits for it. */
export const CONTROL_TIMEOUT_MS = 3000;

export type ControlResult = 'removed' | 'unknown-to-registrar' | 'not-configured';

const badGateway = (reason: string, message: string) => new ApiError('BAD_GATEWAY', reason, message);
const unavailable = (reason: string, message: string) => new ApiError('UNAVAILABLE', reason, message);

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

/**
 * Asks the registrar to drop one binding (registration_id) or every binding of the AOR
 * (docs/registrar-protocol.md section 3). Resolves when the registrar removed it or does
 * not know it; throws 503 when it cannot be reached or is misconfigured, 502 when it
 * answers anything else. Nothing about the token is logged.
 */
export async function dropRegistrarBindings(target: { aor: string; registrationId?: string }): Promise<ControlResult> {
  const raw = config.registrarControlUrl;
  if (raw === undefined) return 'not-configured';
  const url = checkControlUrl(raw);
  if (!url) {
    logger.error('registrar control misconfigured', { reason: 'url_not_allowed' });
    throw unavailable('REGISTRAR_CONTROL_MISCONFIGURED', 'The registrar control endpoint is misconfigured.');
  }
  const token = await registrarControlToken();
  if (!token) {
    logger.error('registrar control misconfigured', { reason: 'missing_token' });
    throw unavailable('REGISTRAR_CONTROL_MISCONFIGURED', 'The registrar control endpoint is misconfigured.');
  }
  const body = JSON.stringify(
    target.registrationId ? { aor: target.aor, registration_id: target.registrationId } : { aor: target.aor },
  );
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(CONTROL_TIMEOUT_MS),
    });
    // Drain the body so the connection can be reused; its content does not matter.
    await response.arrayBuffer().catch(() => undefined);
  } catch (error) {
    const timedOut = (error as Error).name === 'TimeoutError' || (error as Error).name === 'AbortError';
    logger.warn('registrar control failed', { reason: timedOut ? 'timeout' : 'unreachable' });
    throw unavailable('REGISTRAR_UNAVAILABLE', 'The registrar could not be reached; nothing was changed. Retry later.');
  }
  if (response.status === 200 || response.status === 204) return 'removed';
  if (response.status === 404) return 'unknown-to-registrar';
  logger.warn('registrar control failed', { reason: 'status', status: response.status });
  if (response.status === 503) {
    throw unavailable('REGISTRAR_UNAVAILABLE', 'The registrar is unavailable; nothing was changed. Retry later.');
  }
  throw badGateway('REGISTRAR_ERROR', `The registrar answered ${response.status}; nothing was changed.`);
}

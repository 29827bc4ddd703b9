import { unavailable, type ApiError } from '../errors.js';

/**
 * The one place that decides which DynamoDB failures mean "the table cannot be reached
 * right now": the client should retry, so they are 503 with Retry-After, not 500. Matched
 * by name and code only (an SDK error's message may quote values).
 */
const UNAVAILABLE_NAMES = new Set([
  // The SDK's own timeouts (connectionTimeout, requestTimeout with throwOnRequestTimeout).
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  // Throttling that outlasted the client's retries.
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  // DynamoDB's own 5xx.
  'InternalServerError',
  'ServiceUnavailable',
]);

/** Socket-level failures: nothing listens, the connection broke, or the host is unreachable. */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
]);

/** Seconds a client should wait before retrying (DynamoDB Local restarts in a few). */
export const TABLE_RETRY_AFTER_SECONDS = 2;

function isUnavailable(error: unknown, depth = 0): boolean {
  if (!error || typeof error !== 'object' || depth > 3) return false;
  const { name, code, errors, cause } = error as { name?: string; code?: string; errors?: unknown[]; cause?: unknown };
  if ((name && UNAVAILABLE_NAMES.has(name)) || (code && UNAVAILABLE_CODES.has(code))) return true;
  // Node's happy-eyeballs connect reports an AggregateError of per-address failures.
  if (Array.isArray(errors) && errors.length > 0 && errors.every((e) => isUnavailable(e, depth + 1))) return true;
  return isUnavailable(cause, depth + 1);
}

/** The 503 for an error that means the table is unreachable, else undefined. */
export function tableUnavailable(error: unknown): ApiError | undefined {
  if (!isUnavailable(error)) return undefined;
  return unavailable('DATABASE_UNAVAILABLE', 'The database is unavailable; retry shortly.', TABLE_RETRY_AFTER_SECONDS);
}

import type middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { ApiError, invalidArgument } from '../errors.js';
import { logger } from '../log.js';
import type { AnyRoute } from '../routes/route.js';
import { claimIdempotencyKey, completeIdempotencyKey, releaseIdempotencyKey } from '../store/idempotency.js';
import type { ApiContext } from './handler.js';
import {
  IDEMPOTENCY_HEADER,
  IDEMPOTENCY_KEY_FORMAT,
  IDEMPOTENCY_LEASE_SECONDS,
  IDEMPOTENCY_TTL_SECONDS,
  IDEMPOTENCY_WAIT_MS,
  REPLAYED_HEADER,
  takesIdempotencyKey,
} from './idempotencyKey.js';
import { idempotencySecrets, requestFingerprint, seal, unseal, type IdempotencySecrets } from './idempotencySeal.js';
import { Reply, toResult } from './reply.js';

// The global timer, not node:timers/promises: one builtin module less to load at every cold start.
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

type Middleware = middy.MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Error, ApiContext>;
type StoredReply = Pick<APIGatewayProxyStructuredResultV2, 'statusCode' | 'headers' | 'body' | 'isBase64Encoded'>;

/** The key this request holds while it does the work. */
interface Held {
  customerId: string;
  secrets: IdempotencySecrets;
  requestId: string;
}

/**
 * Idempotency-Key on customer POSTs (Stripe's contract; README "Idempotent POSTs"):
 * - no header: nothing changes;
 * - a malformed key: 400 INVALID_IDEMPOTENCY_KEY;
 * - a new key: the request claims it (conditional put), does the work, and its reply is
 *   stored for 24 h: every 2xx and every 4xx the route's own code answers (404 unknown
 *   domain_id, 409 number taken: the answer to this request). Not stored: 5xx (the work may
 *   not have been done; the key is released and a retry does it), and whatever the request
 *   pipeline refuses before this runs (401, 400 body, 413, 415): the key is not even read;
 * - the same key with the same method, path and body: the stored reply byte for byte
 *   (its x-request-id is the first request's), with Idempotent-Replayed: true;
 *   while the first is still working, the duplicate waits for its reply up to 5 s, then 409;
 * - the same key with another request: 422 IDEMPOTENCY_KEY_REUSED.
 * Keys are per customer. Runs after authentication and validation (it needs the customer).
 */
export function idempotency(route: AnyRoute): Middleware[] {
  // Other routes get no middleware at all (middy takes a list).
  if (!takesIdempotencyKey(route)) return [];
  const held = new WeakMap<object, Held>();

  return [
    {
      before: async (request) => {
        const api = request.context.apiRequest!;
        // Only customer routes take the key (takesIdempotencyKey): the caller is always known here.
        if (api.auth.kind !== 'customer') throw new Error(`${route.operationId}: Idempotency-Key on a route without customer auth`);
        const { customerId } = api.auth;
        const key = headerOf(request.event, IDEMPOTENCY_HEADER);
        if (key === undefined) return;
        if (!IDEMPOTENCY_KEY_FORMAT.test(key)) {
          throw invalidArgument(
            'INVALID_IDEMPOTENCY_KEY',
            'Idempotency-Key must be 16 to 255 printable ASCII characters without spaces; use a random UUID.',
          );
        }
        const secrets = idempotencySecrets(customerId, key);
        const fingerprint = requestFingerprint(secrets, route.method, request.event.rawPath, api.rawBody);
        const deadline = Date.now() + IDEMPOTENCY_WAIT_MS;
        for (let pause = 50; ; pause = Math.min(pause * 2, 400)) {
          const now = Math.floor(Date.now() / 1000);
          const outcome = await claimIdempotencyKey({
            customerId,
            keyHash: secrets.keyHash,
            fingerprint,
            requestId: api.requestId,
            now,
            ttlSeconds: IDEMPOTENCY_TTL_SECONDS,
            leaseSeconds: IDEMPOTENCY_LEASE_SECONDS,
          });
          if (outcome.claimed) {
            held.set(request, { customerId, secrets, requestId: api.requestId });
            return;
          }
          const record = outcome.record;
          if (record && record.fingerprint !== fingerprint) {
            throw new ApiError(
              'UNPROCESSABLE_ENTITY',
              'IDEMPOTENCY_KEY_REUSED',
              'This Idempotency-Key was used with another request (method, path or body) in the last 24 hours; use a new key for a new request.',
            );
          }
          if (record?.state === 'completed' && record.reply) {
            const reply = unseal<StoredReply>(secrets, record.reply);
            request.context.idempotentReplay = { ...reply, headers: { ...reply.headers, [REPLAYED_HEADER]: 'true' } };
            return;
          }
          // In progress elsewhere (or just released): wait for its reply, bounded.
          if (Date.now() + pause > deadline) {
            throw new ApiError(
              'FAILED_PRECONDITION',
              'IDEMPOTENCY_KEY_IN_USE',
              'A request with this Idempotency-Key is still in progress; retry shortly.',
              { 'retry-after': '1' },
            );
          }
          await sleep(pause);
        }
      },

      after: async (request) => {
        const holder = held.get(request);
        if (!holder || !request.response) return;
        await store(holder, request.response);
      },

      onError: async (request) => {
        const holder = held.get(request);
        if (!holder) return;
        const error = request.error;
        if (error instanceof ApiError && error.httpStatus < 500) {
          // The route's own answer to this request (the envelope the errorEnvelope middleware sends).
          await store(holder, toResult(Reply.json(error.httpStatus, error.toBody(holder.requestId), error.headers), holder.requestId));
        } else {
          await releaseIdempotencyKey(holder.customerId, holder.secrets.keyHash, holder.requestId).catch((releaseError: Error) =>
            logger.error('idempotency key not released', { request_id: holder.requestId, error_name: releaseError.name }),
          );
        }
      },
    },
  ];
}

/**
 * Stores the reply the client is about to get. A failure here must not turn a done piece of
 * work into an error reply: it is logged, and the key stays held until its lease ends.
 */
async function store(holder: Held, response: APIGatewayProxyStructuredResultV2): Promise<void> {
  const { statusCode, headers, body, isBase64Encoded } = response;
  try {
    const sealed = seal(holder.secrets, { statusCode, headers, body, isBase64Encoded } satisfies StoredReply);
    await completeIdempotencyKey(holder.customerId, holder.secrets.keyHash, holder.requestId, sealed);
  } catch (error) {
    logger.error('idempotent reply not stored', { request_id: holder.requestId, error_name: (error as Error).name });
  }
}

function headerOf(event: APIGatewayProxyEventV2, name: string): string | undefined {
  for (const [header, value] of Object.entries(event.headers ?? {})) if (header.toLowerCase() === name) return value;
  return undefined;
}

import { randomUUID } from 'node:crypto';
import { IDEMPOTENCY_TTL_SECONDS } from '../../shared/http/idempotencyKey.js';
import { idempotencySecrets, requestFingerprint } from '../../shared/http/idempotencySeal.js';
import { claimIdempotencyKey } from '../../shared/store/idempotency.js';

/**
 * Plays a first request that took an Idempotency-Key and never finishes: claims the key in
 * the store for (method, path, body) with the given lease (negative = its holder is dead).
 * Returns the key.
 */
export async function holdIdempotencyKey(
  customerId: string,
  request: { method: string; path: string; body?: string },
  leaseSeconds: number,
  key = randomUUID(),
): Promise<string> {
  const secrets = idempotencySecrets(customerId, key);
  const outcome = await claimIdempotencyKey({
    customerId,
    keyHash: secrets.keyHash,
    fingerprint: requestFingerprint(secrets, request.method, request.path, Buffer.from(request.body ?? '')),
    requestId: `held-by-test-${randomUUID()}`,
    now: Math.floor(Date.now() / 1000),
    ttlSeconds: IDEMPOTENCY_TTL_SECONDS,
    leaseSeconds,
  });
  if (!outcome.claimed) throw new Error('the key is already held');
  return key;
}

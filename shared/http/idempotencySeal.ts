import { createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync, randomBytes } from 'node:crypto';

/**
 * What an Idempotency-Key derives. The stored reply can carry a secret shown only once (a
 * new access key, a generated password), so the table holds neither the client's key nor
 * the reply in clear: the item is found by the key's SHA-256, the reply is encrypted with
 * AES-256-GCM under a key derived (HKDF) from the client's key and the customer, and the
 * request is fingerprinted with an HMAC under another derived key.
 */
export interface IdempotencySecrets {
  keyHash: string;
  fingerprintKey: Buffer;
  sealKey: Buffer;
}

export function idempotencySecrets(customerId: string, idempotencyKey: string): IdempotencySecrets {
  const derived = Buffer.from(hkdfSync('sha256', idempotencyKey, customerId, 'sip-registry idempotency v1', 64));
  return {
    keyHash: createHash('sha256').update(idempotencyKey).digest('base64url'),
    fingerprintKey: derived.subarray(0, 32),
    sealKey: derived.subarray(32),
  };
}

/** Same method, path and body bytes = same request. */
export function requestFingerprint(secrets: IdempotencySecrets, method: string, path: string, body: Buffer): string {
  return createHmac('sha256', secrets.fingerprintKey).update(`${method} ${path}\n`).update(body).digest('base64url');
}

export function seal(secrets: IdempotencySecrets, value: unknown): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', secrets.sealKey, iv);
  const sealed = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64');
}

export function unseal<T>(secrets: IdempotencySecrets, sealed: string): T {
  const bytes = Buffer.from(sealed, 'base64');
  const decipher = createDecipheriv('aes-256-gcm', secrets.sealKey, bytes.subarray(0, 12));
  decipher.setAuthTag(bytes.subarray(12, 28));
  return JSON.parse(Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]).toString('utf8')) as T;
}

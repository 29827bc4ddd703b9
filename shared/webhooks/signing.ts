import { createHmac, randomBytes } from 'node:crypto';

/**
 * Standard Webhooks 1.0 signing (https://www.standardwebhooks.com): the secret is shown
 * as `whsec_<base64 key>`; each request carries webhook-id, webhook-timestamp (unix
 * seconds) and webhook-signature `v1,<base64 HMAC-SHA256(key, "id.timestamp.body")>`.
 */
const PREFIX = 'whsec_';

/** 24 random bytes (192 bits), as the reference libraries generate. */
export const newWebhookSecret = (): string => `${PREFIX}${randomBytes(24).toString('base64')}`;

const keyOf = (secret: string) => Buffer.from(secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : secret, 'base64');

export function signatureHeaders(secret: string, messageId: string, body: string, now = Date.now()) {
  const timestamp = String(Math.floor(now / 1000));
  const signature = createHmac('sha256', keyOf(secret)).update(`${messageId}.${timestamp}.${body}`).digest('base64');
  return {
    'webhook-id': messageId,
    'webhook-timestamp': timestamp,
    'webhook-signature': `v1,${signature}`,
  };
}

import { createHash, randomBytes } from 'node:crypto';

/** 256 bits from the CSPRNG, URL-safe so it can travel as ?token=. */
export const newAccessKeySecret = (): string => randomBytes(32).toString('base64url');

/** Access keys are stored only as this hash; a 256-bit random secret needs no slow KDF. */
export const hashSecret = (secret: string): string => createHash('sha256').update(secret).digest('hex');

/** The most characters of a key shown as its token_prefix. */
export const TOKEN_PREFIX_MAX = 6;

/**
 * The first characters of an access key, shown so a person can tell keys apart: at most
 * 6 and at most a quarter of the key. For a generated key (43 base64url characters, 256
 * random bits) that shows 36 bits and leaves 220 unknown: telling a customer's keys apart
 * needs no more, guessing the rest is out of reach. A short operator-chosen key shows
 * less (a 1 to 3 character key: nothing).
 */
export const tokenPrefixOf = (secret: string): string =>
  secret.slice(0, Math.min(TOKEN_PREFIX_MAX, Math.floor(secret.length / 4)));

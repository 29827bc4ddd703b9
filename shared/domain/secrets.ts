import { createHash, randomBytes } from 'node:crypto';

/** 256 bits from the CSPRNG, URL-safe so it can travel as ?token=. */
export const newAccessKeySecret = (): string => randomBytes(32).toString('base64url');

/** Access keys are stored only as this hash; a 256-bit random secret needs no slow KDF. */
export const hashSecret = (secret: string): string => createHash('sha256').update(secret).digest('hex');

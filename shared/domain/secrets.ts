import { createHash, randomBytes } from 'node:crypto';

/**
 * Secrets and what is derived from them: access key secrets (stored only as a hash),
 * SIP passwords (the policy, generated ones), their digest HA1s, direct hashes.
 */

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

// ---------------------------------------------------------------------------------------
// SIP secrets: extension passwords, digest HA1, direct hashes

export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 128;
const GENERATED_PASSWORD_LENGTH = 24;
const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Why a password is refused, or undefined when it is acceptable for this extension. */
export function passwordProblem(password: string, extension: string): string | undefined {
  const problems: string[] = [];
  if (password.length < PASSWORD_MIN_LENGTH) problems.push(`be at least ${PASSWORD_MIN_LENGTH} characters long`);
  if (password.length > PASSWORD_MAX_LENGTH) problems.push(`be at most ${PASSWORD_MAX_LENGTH} characters long`);
  if (!/^[\x21-\x7e]*$/.test(password)) problems.push('use printable ASCII characters only, no spaces');
  if (!/[A-Za-z]/.test(password) || !/[0-9]/.test(password)) problems.push('contain both letters and digits');
  if (extension && password.toLowerCase().includes(extension.toLowerCase())) {
    problems.push('not contain the extension number');
  }
  return problems.length ? `password must ${problems.join(', and ')}.` : undefined;
}

/** 24 letters and digits from the CSPRNG (about 143 bits), satisfying passwordProblem. */
export function generatePassword(extension: string): string {
  for (;;) {
    let password = '';
    while (password.length < GENERATED_PASSWORD_LENGTH) {
      for (const byte of randomBytes(32)) {
        // 248 = 4 * 62: rejecting larger bytes keeps every character equally likely.
        if (byte < 248 && password.length < GENERATED_PASSWORD_LENGTH) password += ALPHANUMERIC[byte % 62];
      }
    }
    if (!passwordProblem(password, extension)) return password;
  }
}

const md5 = (text: string) => createHash('md5').update(text).digest('hex');

/** RFC 2617 HA1 for `username` in `realm`, and Kamailio's ha1b (username@realm form). */
export function computeHa1(username: string, realm: string, password: string) {
  return {
    ha1: md5(`${username}:${realm}:${password}`),
    ha1b: md5(`${username}@${realm}:${realm}:${password}`),
  };
}

/** 12 lowercase hex characters from 6 CSPRNG bytes, as VoIPbin's. */
export const newDirectHash = (): string => randomBytes(6).toString('hex');

import { createHmac, timingSafeEqual } from 'node:crypto';
import { invalidArgument } from '../errors.js';
import { pageTokenKeys, pageTokenKeysRefreshable } from '../secrets/pageTokenKeys.js';

/** page_size: default 100, clamped to 1..100 (VoIPbin turns <=0 and >100 into 100; we clamp). */
export const MAX_PAGE_SIZE = 100;
export function clampPageSize(pageSize: number | undefined): number {
  if (pageSize === undefined || !Number.isFinite(pageSize)) return MAX_PAGE_SIZE;
  return Math.min(MAX_PAGE_SIZE, Math.max(1, Math.trunc(pageSize)));
}

/**
 * Who a page token was issued to and for which listing. A token is only accepted back
 * for the same scope, so it cannot be replayed by another customer or with another filter.
 */
export interface PageScope {
  customerId: string;
  listing: string;
  filter?: string;
}

type LastKey = Record<string, unknown>;

const sign = (key: string, payload: string) => createHmac('sha256', key).update(payload).digest();

/** Opaque and tamper-proof: base64url(JSON) + "." + HMAC (current key) over it and the scope. */
export async function encodePageToken(lastKey: LastKey | undefined, scope: PageScope): Promise<string> {
  if (!lastKey) return '';
  const { current } = await pageTokenKeys();
  return signPageToken(current, lastKey, scope);
}

/** The token format itself, for a given signing key (tests forge tokens with it). */
export function signPageToken(signingKey: string, lastKey: LastKey, scope: PageScope): string {
  const payload = Buffer.from(JSON.stringify(lastKey)).toString('base64url');
  return `${payload}.${sign(signingKey, `${scopeString(scope)}|${payload}`).toString('base64url')}`;
}

/** True when one of the keys signed exactly this. */
const signedByOneOf = (keys: (string | undefined)[], signed: string, given: Buffer) =>
  keys.some((key) => {
    if (!key) return false;
    const expected = sign(key, signed);
    return given.length === expected.length && timingSafeEqual(given, expected);
  });

/**
 * Accepts a token signed with the current key or the previous one (a rotation breaks no
 * token in flight). A token no cached key signed may come from an instance that already
 * saw a rotation this one has not: ask for the keys again (at most once a minute) before refusing.
 */
export async function decodePageToken(token: string | undefined, scope: PageScope): Promise<LastKey | undefined> {
  if (token === undefined || token === '') return undefined;
  const [payload, signature, extra] = token.split('.');
  const rejected = invalidArgument('INVALID_PAGE_TOKEN', 'page_token is not a token this listing issued to you');
  if (!payload || !signature || extra !== undefined) throw rejected;
  const signed = `${scopeString(scope)}|${payload}`;
  const given = Buffer.from(signature, 'base64url');
  const keys = await pageTokenKeys();
  let valid = signedByOneOf([keys.current, keys.previous], signed, given);
  if (!valid && pageTokenKeysRefreshable()) {
    const fresh = await pageTokenKeys({ refresh: true });
    valid = signedByOneOf([fresh.current, fresh.previous], signed, given);
  }
  if (!valid) throw rejected;
  try {
    const key = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as unknown;
    if (key && typeof key === 'object' && !Array.isArray(key)) return key as LastKey;
  } catch {
    // falls through to the rejection below
  }
  throw rejected;
}

const scopeString = (scope: PageScope) => JSON.stringify([scope.customerId, scope.listing, scope.filter ?? '']);

import { createHmac, timingSafeEqual } from 'node:crypto';
import { config } from '../config.js';
import { invalidArgument } from '../errors.js';

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

const sign = (payload: string) => createHmac('sha256', config.pageTokenSecret).update(payload).digest();

/** Opaque and tamper-proof: base64url(JSON) + "." + HMAC over it and the scope. */
export function encodePageToken(lastKey: LastKey | undefined, scope: PageScope): string {
  if (!lastKey) return '';
  const payload = Buffer.from(JSON.stringify(lastKey)).toString('base64url');
  return `${payload}.${sign(`${scopeString(scope)}|${payload}`).toString('base64url')}`;
}

export function decodePageToken(token: string | undefined, scope: PageScope): LastKey | undefined {
  if (token === undefined || token === '') return undefined;
  const [payload, signature, extra] = token.split('.');
  const rejected = invalidArgument('INVALID_PAGE_TOKEN', 'page_token is not a token this listing issued to you');
  if (!payload || !signature || extra !== undefined) throw rejected;
  const expected = sign(`${scopeString(scope)}|${payload}`);
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw rejected;
  try {
    const key = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as unknown;
    if (key && typeof key === 'object' && !Array.isArray(key)) return key as LastKey;
  } catch {
    // falls through to the rejection below
  }
  throw rejected;
}

const scopeString = (scope: PageScope) => JSON.stringify([scope.customerId, scope.listing, scope.filter ?? '']);

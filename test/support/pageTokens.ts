import { createHmac } from 'node:crypto';

/**
 * A page token signed exactly as the API signs one (shared/store/paging.ts), with the test
 * run's PAGE_TOKEN_SECRET: the signature is valid, so whatever is refused is the key inside.
 */
export function signedPageToken(
  key: unknown,
  scope: { customerId: string; listing: string; filter?: string },
  secret = process.env.PAGE_TOKEN_SECRET!,
): string {
  const payload = Buffer.from(JSON.stringify(key)).toString('base64url');
  const scopeString = JSON.stringify([scope.customerId, scope.listing, scope.filter ?? '']);
  return `${payload}.${createHmac('sha256', secret).update(`${scopeString}|${payload}`).digest('base64url')}`;
}

import { config } from '../config.js';
import { readSecret } from './read.js';

/**
 * The keys that sign page tokens: new tokens are signed with `current`; a token signed with
 * `previous` is still accepted, so rotating the secret (Secrets Manager moves AWSCURRENT to
 * AWSPREVIOUS) breaks no token in flight and needs no deploy. Locally: PAGE_TOKEN_SECRET
 * (and PAGE_TOKEN_PREVIOUS_SECRET to try a rotation); on AWS: PAGE_TOKEN_SECRET_ARN
 * (shared/config.ts: the route must declare needs: ['pageTokens']).
 */
export interface PageTokenKeys {
  current: string;
  previous?: string;
}

export async function pageTokenKeys(options: { refresh?: boolean } = {}): Promise<PageTokenKeys> {
  const source = config.pageTokenSource;
  if (!('arn' in source)) return source;
  const { arn } = source;
  const [current, previous] = await Promise.all([
    readSecret(arn, { refresh: options.refresh }),
    readSecret(arn, { stage: 'AWSPREVIOUS', refresh: options.refresh }),
  ]);
  // readSecret throws for a missing AWSCURRENT; an empty one is a broken secret, not a key.
  if (!current) throw new Error('page token secret is empty');
  return { current, previous: previous || undefined };
}

/** True when asking again could give other keys (after a rotation). */
export const pageTokenKeysRefreshable = () => 'arn' in config.pageTokenSource;

import { contended } from '../errors.js';

/** What an attempt answers when it must be tried again (contention, unprocessed items). */
export const AGAIN: unique symbol = Symbol('again');

export interface RetryOptions {
  /** Attempts in all, the first included. */
  attempts?: number;
  /** Milliseconds to wait before attempt n (n >= 1). */
  backoff?: (attempt: number) => number;
}

/**
 * The one retry contract of the stores: an attempt either finishes (its value is
 * returned) or answers AGAIN; after `attempts` tries the request fails with 503
 * CONTENDED (the client retries later), never with a silently partial result.
 */
export async function retrying<T>(attempt: (n: number) => Promise<T | typeof AGAIN>, options: RetryOptions = {}): Promise<T> {
  const attempts = options.attempts ?? 8;
  const backoff = options.backoff ?? ((n: number) => Math.random() * 20 * n);
  for (let n = 0; n < attempts; n++) {
    if (n > 0) await new Promise((resolve) => setTimeout(resolve, backoff(n)));
    const result = await attempt(n);
    if (result !== AGAIN) return result;
  }
  throw contended();
}

import { contended } from '../errors.js';

/** What an attempt answers when it must be tried again (contention, unprocessed items). */
export const AGAIN: unique symbol = Symbol('again');

export interface RetryOptions {
  /** Attempts in all, the first included. */
  attempts?: number;
  /** Milliseconds to wait before attempt n (n >= 1); default: random, growing with n. */
  backoff?: (attempt: number) => number;
}

/**
 * No wait: for a read-decide-write whose next attempt starts with a fresh read (what
 * changed is already there to be read), not for a write to send again unchanged.
 */
export const immediately = () => 0;

/**
 * The one retry helper of the stores and the domain: contention (a conflicting
 * transaction, a conditional write that found the state changed since its read) and
 * unprocessed batch items. An attempt either finishes (its value is returned) or answers
 * AGAIN; after `attempts` tries the request fails with 503 CONTENDED (the client retries
 * later), never with a silently partial result or an answer decided on a stale read.
 */
export async function retrying<T>(attempt: (n: number) => Promise<T | typeof AGAIN>, options: RetryOptions = {}): Promise<T> {
  const attempts = options.attempts ?? 8;
  const backoff = options.backoff ?? ((n: number) => Math.random() * 20 * n);
  for (let n = 0; n < attempts; n++) {
    const wait = n > 0 ? backoff(n) : 0;
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const result = await attempt(n);
    if (result !== AGAIN) return result;
  }
  throw contended();
}

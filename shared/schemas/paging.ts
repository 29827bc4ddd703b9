import * as z from 'zod/mini';
import { deferred } from './deferred.js';

/**
 * page_size: an integer; out-of-range values are clamped to 1..100 (shared/store/paging.ts),
 * an empty value means the default. Anything else (1.5, 0x10, 1e3, "ten", sent twice) is 400.
 */
const pageSize = deferred(() => z
  .union([
    z.pipe(
      z.string().check(z.regex(/^-?\d{1,15}$/, 'must be an integer (out-of-range values are clamped to 1..100)')),
      z.transform(Number),
    ),
    z.pipe(
      z.literal(''),
      z.transform(() => undefined),
    ),
  ])
  .check(z.meta({ type: 'integer', minimum: 1, maximum: 100, default: 100 })));

export const pageQuery = deferred(() => z.object({
  page_size: z.optional(pageSize).check(z.describe('1..100, default 100; out-of-range values are clamped')),
  page_token: z.optional(z.string()).check(z.describe('next_page_token of the previous page')),
}));

export const listOf = <T extends z.ZodMiniType>(item: T) =>
  deferred(() =>
    z.object({
      result: z.array(item),
      next_page_token: z.string().check(z.describe('"" on the last page; otherwise pass it as page_token')),
    }),
  );

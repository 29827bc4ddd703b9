import * as z from 'zod';

/** Path ids are matched, not validated: a malformed id simply names nothing (404). */
export const idParams = z.object({ id: z.string().min(1) });

export const pageQuery = z.object({
  page_size: z.coerce.number().int().optional().describe('1..100, default 100; out-of-range values are clamped'),
  page_token: z.string().optional().describe('next_page_token of the previous page'),
});

export const listOf = <T extends z.ZodType>(item: T) =>
  z.object({
    result: z.array(item),
    next_page_token: z.string().describe('"" on the last page; otherwise pass it as page_token'),
  });

/** "2021-02-23 02:09:39.701458" (UTC), or "" when unset. */
export const timestamp = z.string().describe('UTC, "YYYY-MM-DD hh:mm:ss.ffffff", or "" when unset');

export const errorEnvelope = z.object({
  error: z.object({
    status: z.string(),
    reason: z.string(),
    message: z.string(),
    request_id: z.string(),
  }),
});

export const healthStatus = z.object({ status: z.literal('ok') });

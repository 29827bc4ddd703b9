import * as z from 'zod';
import { UUID_PATTERN } from '../ids.js';

/**
 * Our ids are UUIDs. A path id that is not one names nothing: the params check turns
 * the mismatch into 404 (shared/http/validate.ts), before any key is built from it.
 */
export const entityId = z.string().regex(UUID_PATTERN);
export const idParams = z.object({ id: entityId });

const CONTROL_CHARACTERS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Free text a person typed: no control characters (tab and newlines allowed), valid UTF-16. */
export const plainText = (max: number) =>
  z
    .string()
    .max(max)
    .refine((value) => !CONTROL_CHARACTERS.test(value), 'must not contain control characters')
    .refine((value) => !LONE_SURROGATE.test(value), 'must be valid Unicode text');
export const nameText = plainText(255);
export const detailText = plainText(1024);

/**
 * page_size: an integer; out-of-range values are clamped to 1..100 (shared/store/paging.ts),
 * an empty value means the default. Anything else (1.5, 0x10, 1e3, "ten", sent twice) is 400.
 */
const pageSize = z
  .string()
  .regex(/^-?\d{1,15}$/, 'must be an integer (out-of-range values are clamped to 1..100)')
  .transform(Number)
  .or(z.literal('').transform(() => undefined))
  .meta({ type: 'integer', minimum: 1, maximum: 100, default: 100 });

export const pageQuery = z.object({
  page_size: pageSize.optional().describe('1..100, default 100; out-of-range values are clamped'),
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

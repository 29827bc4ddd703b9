import * as z from 'zod/mini';
import { UUID_PATTERN } from '../ids.js';

/*
 * Every schema a route bundle reaches is written with `zod/mini` (issue 14): classic zod
 * costs about 450 KB and half the SDK floor's import time in each bundle, mini about
 * 15 KB. The OpenAPI document is built from these schemas unchanged
 * (shared/openapi/zodMini.ts). Classic zod stays out of every module a handler imports
 * (`import type` is fine); test/bundleContents.test.ts checks it. Converting classic code:
 *
 *   z.string().regex(p, m)      -> z.string().check(z.regex(p, m))
 *   .min(n) / .max(n) on text, arrays -> .check(z.minLength(n)) / .check(z.maxLength(n))
 *   .int() / .min(n) / .max(n) on numbers -> z.int().check(z.minimum(n), z.maximum(n))
 *   .refine(f, m)               -> .check(z.refine(f, m))   (several checks: one .check(a, b))
 *   .describe(t) / .meta(o)     -> .check(z.describe(t)) / .check(z.meta(o))
 *   x.optional() / x.nullable() -> z.optional(x) / z.nullable(x)
 *   x.default(v)                -> z._default(x, v)
 *   a.or(b)                     -> z.union([a, b])
 *   x.transform(f)              -> z.pipe(x, z.transform(f));  x.pipe(y) -> z.pipe(x, y)
 *   z.preprocess(f, x)          -> z.pipe(z.transform(f), x)
 *   x.extend(s) / .omit / .partial / .required -> z.extend(x, s) / z.omit(x, …) / …
 *   z.object(s).strict()        -> z.strictObject(s)
 *   z.output<…>, .parse(), .safeParse(), .shape work as in classic.
 *
 * Order matters where it shows: `.check(z.describe(t))` after z.optional(…) describes the
 * optional field, as classic `.optional().describe(t)` did. Error messages are zod's
 * English ones because shared/http/validate.ts loads that locale (mini loads none).
 */

/**
 * Our ids are UUIDs. A path id that is not one names nothing: the params check turns
 * the mismatch into 404 (shared/http/validate.ts), before any key is built from it.
 */
export const entityId = z.string().check(z.regex(UUID_PATTERN));
export const idParams = z.object({ id: entityId });

const CONTROL_CHARACTERS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Free text a person typed: no control characters (tab and newlines allowed), valid UTF-16. */
export const plainText = (max: number) =>
  z
    .string()
    .check(
      z.maxLength(max),
      z.refine((value) => !CONTROL_CHARACTERS.test(value), 'must not contain control characters'),
      z.refine((value) => !LONE_SURROGATE.test(value), 'must be valid Unicode text'),
    );
export const nameText = plainText(255);
export const detailText = plainText(1024);

/**
 * page_size: an integer; out-of-range values are clamped to 1..100 (shared/store/paging.ts),
 * an empty value means the default. Anything else (1.5, 0x10, 1e3, "ten", sent twice) is 400.
 */
const pageSize = z
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
  .check(z.meta({ type: 'integer', minimum: 1, maximum: 100, default: 100 }));

export const pageQuery = z.object({
  page_size: z.optional(pageSize).check(z.describe('1..100, default 100; out-of-range values are clamped')),
  page_token: z.optional(z.string()).check(z.describe('next_page_token of the previous page')),
});

export const listOf = <T extends z.ZodMiniType>(item: T) =>
  z.object({
    result: z.array(item),
    next_page_token: z.string().check(z.describe('"" on the last page; otherwise pass it as page_token')),
  });

/** The schema with a description for the OpenAPI document (the type stays the schema's own). */
export const described = <T extends z.ZodMiniType>(schema: T, text: string) => schema.check(z.describe(text)) as T;

/** "2021-02-23 02:09:39.701458" (UTC), or "" when unset. */
export const timestamp = z.string().check(z.describe('UTC, "YYYY-MM-DD hh:mm:ss.ffffff", or "" when unset'));

export const errorEnvelope = z.object({
  error: z.object({
    status: z.string(),
    reason: z.string(),
    message: z.string(),
    request_id: z.string(),
  }),
});

export const healthStatus = z.object({ status: z.literal('ok') });

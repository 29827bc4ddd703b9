import * as z from 'zod/mini';
import { UUID_PATTERN } from '../ids.js';
import { deferred } from './deferred.js';

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
 * English ones because shared/http/validate.ts loads that locale (mini loads none). *
 * Every module-level schema is `deferred(() => …)` (shared/schemas/deferred.ts): built the
 * first time it is used, so a function's cold start builds none of the schemas it merely
 * reaches (test/deferredSchemas.test.ts). Inside the thunk, use other schemas freely.
 */

/**
 * Our ids are UUIDs. A path id that is not one names nothing: the params check turns
 * the mismatch into 404 (shared/http/validate.ts), before any key is built from it.
 */
export const entityId = deferred(() => z.string().check(z.regex(UUID_PATTERN)));
export const idParams = deferred(() => z.object({ id: entityId }));

/** The schema with a description for the OpenAPI document (the type stays the schema's own). */
export const described = <T extends z.ZodMiniType>(schema: T, text: string) => schema.check(z.describe(text)) as T;

/** "2021-02-23 02:09:39.701458" (UTC), or "" when unset. */
export const timestamp = deferred(() => z.string().check(z.describe('UTC, "YYYY-MM-DD hh:mm:ss.ffffff", or "" when unset')));


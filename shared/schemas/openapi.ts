import * as z from 'zod/mini';
import { deferred } from './deferred.js';

/** The OpenAPI document's own shape, loosely: the validator in test/openapiDocument.test.ts checks the rest. */
export const openApiDocumentSchema = deferred(() => z.looseObject({
  openapi: z.string().check(z.describe('"3.1.0"')),
  info: z.looseObject({ title: z.string(), version: z.string() }),
  paths: z.record(z.string(), z.unknown()),
  components: z.optional(z.record(z.string(), z.unknown())),
}));

/** The one error envelope (shared/errors.ts), as the document shows it and tests check replies against it. */
export const errorEnvelope = deferred(() => z.object({
  error: z.object({
    status: z.string(),
    reason: z.string(),
    message: z.string(),
    request_id: z.string(),
  }),
}));

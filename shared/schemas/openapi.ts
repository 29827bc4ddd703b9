import * as z from 'zod/mini';

/** The OpenAPI document's own shape, loosely: the validator in test/openapiDocument.test.ts checks the rest. */
export const openApiDocumentSchema = z.looseObject({
  openapi: z.string().check(z.describe('"3.1.0"')),
  info: z.looseObject({ title: z.string(), version: z.string() }),
  paths: z.record(z.string(), z.unknown()),
  components: z.optional(z.record(z.string(), z.unknown())),
});

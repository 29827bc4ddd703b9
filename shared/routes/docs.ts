import * as z from 'zod';
import { defineRoute } from './route.js';

/** The OpenAPI document's own shape, loosely: the validator in test/openapiDocument.test.ts checks the rest. */
export const openApiDocumentSchema = z.looseObject({
  openapi: z.string().describe('"3.1.0"'),
  info: z.looseObject({ title: z.string(), version: z.string() }),
  paths: z.record(z.string(), z.unknown()),
  components: z.record(z.string(), z.unknown()).optional(),
});

export const docsRoutes = {
  openapi: defineRoute({
    operationId: 'getOpenApiDocument',
    method: 'GET',
    path: '/v1.0/openapi.json',
    handler: 'functions/openapi/get.ts',
    auth: 'none',
    table: 'none',
    summary: 'This API described as an OpenAPI 3.1 document',
    tag: 'Documentation',
    responses: { 200: { description: 'The OpenAPI 3.1 document', schema: openApiDocumentSchema } },
  }),
};

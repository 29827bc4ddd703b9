import { openApiDocumentSchema } from '../schemas/openapi.js';
import { defineRoute } from './route.js';

export const docsRoutes = {
  openapi: defineRoute({
    operationId: 'getOpenApiDocument',
    method: 'GET',
    path: '/v1.0/openapi.json',
    handler: 'functions/openapi/get.ts',
    auth: 'none',
    table: 'none',
    // Generated at synth, not at cold start: the generator is most of a bundle's import cost.
    inline: ['openApiDocument'],
    summary: 'This API described as an OpenAPI 3.1 document',
    tag: 'Documentation',
    responses: { 200: { description: 'The OpenAPI 3.1 document', schema: openApiDocumentSchema } },
  }),
};

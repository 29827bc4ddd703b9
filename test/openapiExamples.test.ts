import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { buildOpenApiDocument } from '../shared/openapi/document.js';
import { operationExamples } from '../shared/openapi/examples.js';
import { routes } from '../shared/routes/index.js';
import { assertContract, droppedFields } from './support/contract.js';
import { operationOf } from './support/openapi.js';

/** The document's examples (shared/openapi/examples.ts) against the schemas of their routes. */
const document = buildOpenApiDocument(routes);

describe('examples (from the seeds)', () => {
  const present = Object.entries(operationExamples).filter(([id]) => routes.some((r) => r.operationId === id));

  it('validate against the schemas of their route and appear in the document', () => {
    const problems: string[] = [];
    const check = (id: string, what: string, schema: z.core.$ZodType | undefined, value: unknown) => {
      if (value === undefined) return;
      if (!schema) return problems.push(`${id}: ${what} example but the route has no ${what} schema`);
      const result = z.safeParse(schema, value);
      if (!result.success) return problems.push(`${id}: ${what}: ${result.error.message}`);
      const extra = droppedFields(value, result.data, '');
      if (extra.length) problems.push(`${id}: ${what}: fields the schema does not have: ${extra.join(', ')}`);
    };
    for (const [id, example] of present) {
      const route = routes.find((r) => r.operationId === id)!;
      check(id, 'params', route.params, example.params);
      check(id, 'query', route.query, example.query);
      check(id, 'body', route.body, example.request);
      check(id, 'response', route.responses[example.responseStatus ?? 200]?.schema, example.response);
      if (example.response !== undefined) {
        // A response example must also carry no field the schema does not document.
        assertContract(route.method, route.path, {
          status: example.responseStatus ?? 200,
          headers: new Headers({ 'content-type': 'application/json' }),
          body: example.response,
          text: JSON.stringify(example.response),
        });
      }
      const operation = operationOf(document, route)!;
      if (example.request !== undefined) {
        expect(operation.requestBody?.content['application/json']?.example, id).toEqual(example.request);
      }
      if (example.response !== undefined) {
        const status = String(example.responseStatus ?? 200);
        expect(operation.responses[status]?.content?.['application/json']?.example, id).toEqual(example.response);
      }
      for (const [name, value] of Object.entries({ ...example.params, ...example.query })) {
        expect(operation.parameters?.find((p) => p.name === name)?.example, `${id} ${name}`).toEqual(value);
      }
    }
    expect(problems).toEqual([]);
  });

  it('cover the seeded extension operations', () => {
    expect(present.map(([id]) => id)).toEqual(expect.arrayContaining(['createExtension', 'getExtension', 'listExtensions']));
  });
});


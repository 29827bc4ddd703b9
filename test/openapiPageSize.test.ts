import { describe, expect, it } from 'vitest';
import { buildOpenApiDocument } from '../shared/openapi/document.js';
import { routes } from '../shared/routes/index.js';
import { pageQuery } from '../shared/schemas/paging.js';

/** Generated clients must get a number for page_size, not a string with a pattern (issue 15). */
describe('page_size in the OpenAPI document', () => {
  const document = buildOpenApiDocument(routes) as any;
  const params = Object.entries<any>(document.paths).flatMap(([path, item]) =>
    Object.entries<any>(item).flatMap(([method, op]) =>
      (op.parameters ?? []).filter((p: any) => p.name === 'page_size').map((p: any) => ({ where: `${method} ${path}`, schema: p.schema })),
    ),
  );

  it('is an integer 1..100, default 100, on every listing', () => {
    expect(params.length).toBeGreaterThanOrEqual(3);
    for (const { where, schema } of params) {
      expect(schema, where).toMatchObject({ type: 'integer', minimum: 1, maximum: 100, default: 100 });
      expect(JSON.stringify(schema), where).not.toContain('pattern');
    }
  });

  it('the API still reads it from the query string as before (text to a number, "" = default, clamped)', () => {
    expect(pageQuery.parse({ page_size: '7' }).page_size).toBe(7);
    expect(pageQuery.parse({ page_size: '' }).page_size).toBeUndefined();
    expect(pageQuery.parse({ page_size: '500' }).page_size).toBe(500);
    expect(pageQuery.safeParse({ page_size: '1.5' }).success).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import * as zm from 'zod/mini';
import { buildOpenApiDocument } from '../shared/openapi/document.js';
import { defineRoute, type AnyRoute } from '../shared/routes/route.js';

/**
 * The document builder takes zod/mini schemas as well as classic ones, with the same
 * document (issue 14: route bundles on zod/mini). Each schema below is written twice,
 * once per flavour, with every construct the route schemas use.
 */
const PATTERN = /^[a-z0-9-]{1,63}$/;
const classic = {
  params: z.object({ id: z.string().regex(/^[0-9a-f-]{36}$/) }),
  query: z.object({
    page_size: z
      .string()
      .regex(/^\d{1,15}$/, 'an integer')
      .transform(Number)
      .or(z.literal('').transform(() => undefined))
      .meta({ type: 'integer', minimum: 1, maximum: 100, default: 100 })
      .optional()
      .describe('1..100'),
  }),
  body: z
    .strictObject({
      domain_name: z.string().regex(PATTERN).refine((v) => v !== 'x', 'not x').describe('a DNS label'),
      name: z.string().max(255).optional().describe('omitted = unchanged'),
      tags: z.array(z.string().min(1)).optional(),
    })
    .meta({ id: 'ZodMiniProbeCreate' }),
  reply: z
    .object({ id: z.string(), realm: z.string().describe('the realm'), count: z.number().int(), when: z.string().nullable() })
    .meta({ id: 'ZodMiniProbe' }),
};
const mini = {
  params: zm.object({ id: zm.string().check(zm.regex(/^[0-9a-f-]{36}$/)) }),
  query: zm.object({
    page_size: zm
      .optional(
        zm
          .union([
            zm.pipe(zm.string().check(zm.regex(/^\d{1,15}$/, 'an integer')), zm.transform(Number)),
            zm.pipe(zm.literal(''), zm.transform(() => undefined)),
          ])
          .check(zm.meta({ type: 'integer', minimum: 1, maximum: 100, default: 100 })),
      )
      .check(zm.describe('1..100')),
  }),
  body: zm
    .strictObject({
      domain_name: zm.string().check(zm.regex(PATTERN), zm.refine((v) => v !== 'x', 'not x'), zm.describe('a DNS label')),
      name: zm.optional(zm.string().check(zm.maxLength(255))).check(zm.describe('omitted = unchanged')),
      tags: zm.optional(zm.array(zm.string().check(zm.minLength(1)))),
    })
    .check(zm.meta({ id: 'ZodMiniProbeCreate' })),
  reply: zm
    .object({ id: zm.string(), realm: zm.string().check(zm.describe('the realm')), count: zm.int(), when: zm.nullable(zm.string()) })
    .check(zm.meta({ id: 'ZodMiniProbe' })),
};

const routesOf = (s: typeof classic | typeof mini): AnyRoute[] => [
  defineRoute({
    operationId: 'probeCreate',
    method: 'POST',
    path: '/v1.0/probes/{id}',
    handler: 'none',
    auth: 'customer',
    table: 'write',
    summary: 'probe',
    tag: 'Probe',
    params: s.params as never,
    query: s.query as never,
    body: s.body as never,
    responses: { 200: { description: 'ok', schema: s.reply as never } },
  }) as AnyRoute,
];

describe('the OpenAPI document of zod/mini schemas', () => {
  it('is the document of the same schemas in classic zod', () => {
    const fromClassic = JSON.stringify(buildOpenApiDocument(routesOf(classic)));
    expect(fromClassic).toContain('"maxLength":255');
    expect(fromClassic).toContain('"ZodMiniProbeCreate"');
    const fromMini = JSON.stringify(buildOpenApiDocument(routesOf(mini)));
    // Compared as one string, shown as the first difference (the documents are long).
    const at = [...fromClassic].findIndex((c, i) => c !== fromMini[i]);
    expect(at === -1 && fromMini.length === fromClassic.length ? 'same' : fromMini.slice(Math.max(0, at - 80), at + 80)).toBe('same');
  });
});

import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { built, deferred } from '../shared/schemas/deferred.js';
import { fallbackRoute } from '../shared/routes/fallback.js';
import { routes } from '../shared/routes/index.js';

const root = resolve(import.meta.dirname, '..');

/** Schema nodes built by the module-level code of these handlers, by the file that built them. */
function builtAtImport(handlers: readonly string[]): Record<string, number> {
  const out = execFileSync(process.execPath, ['--import', 'tsx', 'test/support/schemasBuiltAtImport.ts', ...handlers], {
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd: root,
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', LOG_LEVEL: 'SILENT' },
  }).toString();
  return JSON.parse(out.trim().split('\n').pop()!) as Record<string, number>;
}

describe('schemas are built on first use, not at cold start (issue 14)', () => {
  // A function reaches many schema modules (its area's routes, every entity its store code
  // names) and uses a few of their schemas; each node costs ~12 µs on a cold instance.
  it('no function builds a schema at import: not the entities it reaches, not even its own route\'s', () => {
    const handlers = [...new Set([...routes.map((route) => route.handler), fallbackRoute.handler])];
    expect(builtAtImport(handlers)).toEqual({});
  }, 120_000);
});

describe('a deferred schema is the schema', () => {
  const build = () => z.object({ id: z.string().check(z.minLength(2)), n: z.optional(z.int()) }).check(z.meta({ id: 'Thing' }));

  it('is not built until something touches it, then once', () => {
    let builds = 0;
    const thing = deferred(() => (builds++, build()));
    expect(builds).toBe(0);
    expect(thing.parse({ id: 'ab' })).toEqual({ id: 'ab' });
    expect(z.safeParse(thing, { id: 'a' }).success).toBe(false);
    thing.parse({ id: 'cd', n: 1 });
    expect(builds).toBe(1);
  });

  it('composes like the schema: shape, extend, nesting, instanceof', () => {
    const thing = deferred(build);
    expect(Object.keys(thing.shape)).toEqual(['id', 'n']);
    const more = z.extend(thing, { extra: z.boolean() });
    expect(more.parse({ id: 'ab', extra: true })).toEqual({ id: 'ab', extra: true });
    const nested = z.object({ thing });
    expect(z.safeParse(nested, { thing: { id: 'x' } }).success).toBe(false);
    expect(thing instanceof z.ZodMiniObject).toBe(true);
  });

  it('its metadata is found through built(): the OpenAPI reader asks for the schema itself', () => {
    const thing = deferred(build);
    expect(z.globalRegistry.get(built(thing))).toEqual({ id: 'Thing' });
    expect(built(thing)).toBe(built(thing));
    const plain = z.string();
    expect(built(plain)).toBe(plain);
  });
});

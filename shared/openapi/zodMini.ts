import { globalRegistry } from 'zod/mini';
import { built } from '../schemas/deferred.js';

/**
 * zod-to-openapi reads classic zod's members on a schema: `.meta()` (id, description) and,
 * on strings and numbers, `.minLength` / `.maxLength` / `.format`. zod/mini schemas keep the same facts (metadata
 * in z.globalRegistry, length checks in their definition) without those members. This
 * gives each mini schema reachable from `schema` read-only forms of them, so the generator
 * documents classic and mini schemas alike (test/openapiZodMini.test.ts); classic schemas
 * are left as they are. Idempotent.
 */
export function readableAsClassic<T>(schema: T, seen = new Set<unknown>()): T {
  // A deferred schema (shared/schemas/deferred.ts): its metadata is registered on the built one.
  const s = built(schema) as { _zod?: { def: Record<string, unknown> }; meta?: unknown };
  if (!s?._zod || seen.has(s)) return schema;
  seen.add(s);
  if (typeof s.meta !== 'function') {
    Object.defineProperty(s, 'meta', { value: () => globalRegistry.get(s as never) });
    const checks = (
      (s._zod.def.checks ?? []) as { _zod: { def: { check: string; maximum?: number; minimum?: number; format?: string } } }[]
    ).map((c) => c._zod.def);
    const bound = (check: string, key: 'maximum' | 'minimum') => checks.find((c) => c.check === check)?.[key] ?? null;
    if (!('maxLength' in s)) Object.defineProperty(s, 'maxLength', { get: () => bound('max_length', 'maximum') });
    if (!('minLength' in s)) Object.defineProperty(s, 'minLength', { get: () => bound('min_length', 'minimum') });
    // z.int(), z.uuid() and the like: a format on the schema itself or as a check.
    const format = () => (s._zod!.def.format as string | undefined) ?? checks.find((c) => c.format)?.format ?? null;
    if (!('format' in s)) Object.defineProperty(s, 'format', { get: format });
  }
  // Nested schemas: object shapes, array elements, union options, wrapped and piped types.
  // z.lazy keeps its schema behind a getter, not in its definition.
  if (s._zod.def.type === 'lazy') readableAsClassic((s._zod as { innerType?: unknown }).innerType, seen);
  for (const value of Object.values(s._zod.def)) {
    if (Array.isArray(value)) value.forEach((v) => readableAsClassic(v, seen));
    else if (value && typeof value === 'object') {
      if ((value as { _zod?: unknown })._zod) readableAsClassic(value, seen);
      else for (const v of Object.values(value)) readableAsClassic(v, seen);
    }
  }
  return schema;
}

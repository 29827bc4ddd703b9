/**
 * A schema built the first time anything touches it, standing in for it until then.
 *
 * Why: every function bundles the schema modules its code reaches (its route's area, the
 * entities its store and domain code name), but a request uses a few of their schemas.
 * Building a zod schema costs about 12 µs per node on a cold instance, and an extension
 * route reached 220 nodes at module load, most of them for other routes. Module-level
 * schemas are written `deferred(() => …)`, so a function builds what it uses, when it first
 * uses it (issue 14: cold import at the SDK floor).
 *
 * The stand-in forwards every operation to the built schema, so zod, our code and the
 * types see the schema itself: `parse`, `.shape`, `z.extend(x, …)`, `instanceof` and
 * `z.output<typeof x>` all work unchanged. Only object identity differs: code that keys
 * a registry by schema (the OpenAPI reader, shared/openapi/zodMini.ts) asks `built(x)`.
 */
const builtOf = new WeakMap<object, () => object>();

export function deferred<T extends object>(build: () => T): T {
  let schema: T | undefined;
  const real = (): T => (schema ??= build());
  const standIn = new Proxy({} as T, {
    get: (_target, property) => Reflect.get(real(), property),
    set: (_target, property, value) => Reflect.set(real(), property, value),
    has: (_target, property) => Reflect.has(real(), property),
    ownKeys: () => Reflect.ownKeys(real()),
    // The stand-in's own target stays empty: report every property as configurable (a
    // proxy may not claim a non-configurable property its target lacks).
    getOwnPropertyDescriptor: (_target, property) => {
      const descriptor = Reflect.getOwnPropertyDescriptor(real(), property);
      return descriptor && { ...descriptor, configurable: true };
    },
    defineProperty: (_target, property, descriptor) => Reflect.defineProperty(real(), property, descriptor),
    deleteProperty: (_target, property) => Reflect.deleteProperty(real(), property),
    getPrototypeOf: () => Reflect.getPrototypeOf(real()),
  });
  builtOf.set(standIn, real);
  return standIn;
}

/** The schema itself behind a stand-in (built now if it was not yet); anything else as it is. */
export function built<T>(schema: T): T {
  const real = typeof schema === 'object' && schema !== null ? builtOf.get(schema) : undefined;
  return real ? (real() as T) : schema;
}

import * as z from 'zod/mini';

/** The attribute every stored item carries to say what it is (written by each entity's toItem). */
export const ENTITY_ATTRIBUTE = 'entity';

/**
 * An item read from the table, as its entity's record: the record schema keeps the
 * attributes it names and drops the rest (keys, index keys, `entity`). An item of another
 * entity, or one that does not match, is a broken invariant of our own writes: an error
 * naming the entity and the attributes, never their values (items hold passwords and
 * hashes of secrets).
 */
export function parseItem<S extends z.ZodMiniType>(schema: S, entity: string, item: Record<string, unknown>): z.output<S> {
  if (item[ENTITY_ATTRIBUTE] !== entity) {
    throw new Error(`expected a stored ${entity} item, read a ${String(item[ENTITY_ATTRIBUTE])} item`);
  }
  const result = z.safeParse(schema, item);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `${issue.path.join('.')} (${issue.code})`).join(', ');
  throw new Error(`stored ${entity} item does not match its record: ${problems}`);
}

import * as z from 'zod/mini';

/**
 * A request body object that refuses fields it does not know, naming each: a typo
 * (`nmae`) is a 400 "unknown field nmae" instead of a change silently not made. Fields
 * of the entity that a body may not change (`immutable`) say so: "extension cannot be
 * changed". The OpenAPI document shows `additionalProperties: false`.
 */
export const strictBody = <S extends z.core.$ZodLooseShape>(shape: S, immutable: readonly string[] = []) =>
  z.strictObject(shape, {
    error: (issue) => {
      if (issue.code !== 'unrecognized_keys') return undefined;
      return issue.keys
        .map((key) => (immutable.includes(key) ? `${key} cannot be changed` : `unknown field ${key}`))
        .join('; ');
    },
  });

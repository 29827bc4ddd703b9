import type { ZodType } from 'zod';
import { invalidArgument, notFound } from '../errors.js';

const REASONS = { params: 'INVALID_PATH_PARAMETER', query: 'INVALID_QUERY_PARAMETER', body: 'INVALID_BODY' } as const;

/** Parses one part of the request with its schema; every problem is named in a 400. */
export function validate(part: keyof typeof REASONS, schema: ZodType | undefined, value: unknown): unknown {
  if (!schema) return part === 'body' ? undefined : {};
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const where = issue.path.length ? issue.path.join('.') : part;
    return `${where}: ${issue.message}`;
  });
  // A path that cannot name anything names nothing: 404, as for an unknown id.
  if (part === 'params') throw notFound('NOT_FOUND', 'Nothing exists at this path.');
  throw invalidArgument(REASONS[part], problems.join('; '));
}

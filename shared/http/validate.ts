import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';
import { invalidArgument, notFound } from '../errors.js';

// zod/mini loads no locale: without this every message would be a bare "Invalid input".
// The 400s name zod's English messages (test/inputs.test.ts), as they did on classic zod.
// Only English is imported: `z.locales` would bundle every language (about 250 KB). Its
// message tables are built at the first refused input, not at every cold start.
let english: ReturnType<typeof en>['localeError'] | undefined;
z.config({ localeError: (issue) => (english ??= en().localeError)(issue) });

const REASONS = { params: 'INVALID_PATH_PARAMETER', query: 'INVALID_QUERY_PARAMETER', body: 'INVALID_BODY' } as const;

/** Parses one part of the request with its schema; every problem is named in a 400. */
export function validate(part: keyof typeof REASONS, schema: z.core.$ZodType | undefined, value: unknown): unknown {
  if (!schema) return part === 'body' ? undefined : {};
  const result = z.safeParse(schema, value);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const where = issue.path.length ? issue.path.join('.') : part;
    return `${where}: ${issue.message}`;
  });
  // A path that cannot name anything names nothing: 404, as for an unknown id.
  if (part === 'params') throw notFound('NOT_FOUND', 'Nothing exists at this path.');
  throw invalidArgument(REASONS[part], problems.join('; '));
}

/**
 * Query parameters from the raw query string. API Gateway joins a repeated parameter
 * with commas in queryStringParameters; the seeds repeat extension_id, so repeated keys
 * become arrays here instead.
 */
export function parseQuery(rawQueryString: string | undefined): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {};
  for (const [name, value] of new URLSearchParams(rawQueryString ?? '')) {
    const existing = query[name];
    if (existing === undefined) query[name] = value;
    else if (Array.isArray(existing)) existing.push(value);
    else query[name] = [existing, value];
  }
  return query;
}

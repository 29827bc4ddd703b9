import { config } from '../shared/config.js';
import { ApiError } from '../shared/errors.js';
import { httpHandler } from '../shared/http/handler.js';
import { fallbackRoute } from '../shared/routes/fallback.js';
import { createMatcher } from '../shared/routes/match.js';

/** Another method on a declared path: 405 with Allow; any other path: 404. */
export const handler = httpHandler(fallbackRoute, async ({ event }) => {
  // Every route's method and path, from the configuration (ROUTE_TABLE on Lambda); a matcher
  // over a few dozen paths costs microseconds, so it follows the configuration as it is.
  const result = createMatcher(config.routeTable)(event.requestContext.http.method, event.rawPath);
  if (result.kind === 'method-not-allowed') {
    throw new ApiError('METHOD_NOT_ALLOWED', 'METHOD_NOT_ALLOWED', `Use ${result.allowed.join(', ')} on this path.`, {
      allow: result.allowed.join(', '),
    });
  }
  throw new ApiError('NOT_FOUND', 'ROUTE_NOT_FOUND', 'No route matches this path.');
});

import { ApiError } from '../shared/errors.js';
import { httpHandler } from '../shared/http/handler.js';
import { routes } from '../shared/routes/index.js';
import { createMatcher } from '../shared/routes/match.js';
import { defineRoute } from '../shared/routes/route.js';

const match = createMatcher(routes);

/** API Gateway's $default route: whatever no route declares gets 404 or 405 in the envelope. */
const fallbackRoute = defineRoute({
  operationId: 'fallback',
  method: 'GET',
  path: '/{proxy+}',
  handler: 'functions/fallback.ts',
  auth: 'none',
  table: 'none',
  summary: 'Unknown route or method',
  tag: 'Errors',
  responses: {},
});

export const handler = httpHandler(fallbackRoute, async ({ event }) => {
  const result = match(event.requestContext.http.method, event.rawPath);
  if (result.kind === 'method-not-allowed') {
    throw new ApiError('METHOD_NOT_ALLOWED', 'METHOD_NOT_ALLOWED', `Use ${result.allowed.join(', ')} on this path.`, {
      allow: result.allowed.join(', '),
    });
  }
  throw new ApiError('NOT_FOUND', 'ROUTE_NOT_FOUND', 'No route matches this path.');
});

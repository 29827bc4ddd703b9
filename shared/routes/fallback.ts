import { defineRoute } from './route.js';

/**
 * API Gateway's $default route: whatever no route declares gets 404 or 405 in the envelope.
 * Not in the route table (no API route, no OpenAPI operation), but a function like the
 * routes': CDK wires its needs (infra/stack.ts) and httpHandler configures it from them. It
 * knows the table only as ROUTE_TABLE (need routeTable), so its bundle carries no schemas.
 */
export const fallbackRoute = defineRoute({
  operationId: 'fallback',
  method: 'GET',
  path: '/{proxy+}',
  handler: 'functions/fallback.ts',
  auth: 'none',
  table: 'none',
  needs: ['routeTable'],
  summary: 'Unknown route or method',
  tag: 'Errors',
  responses: {},
});

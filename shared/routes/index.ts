import { accessKeyRoutes } from './accessKeys.js';
import { customerRoutes } from './customers.js';
import { domainRoutes } from './domains.js';
import { extensionRoutes } from './extensions.js';
import { docsRoutes } from './docs.js';
import { healthRoutes } from './health.js';
import { registrarRoutes } from './registrar.js';
import { registrationRoutes } from './registrations.js';
import { takesIdempotencyKey } from '../http/idempotencyKey.js';
import { uses } from './access.js';
import { fallbackRoute } from './fallback.js';
import type { AnyRoute } from './route.js';
import { webhookRoutes } from './webhooks.js';

/**
 * THE route table. CDK builds one function, one API route and one IAM grant per entry;
 * the local gateway serves from it; the OpenAPI document is generated from it.
 * Adding a route = one defineRoute entry in an area file + its handler module.
 * Functions that must know the whole table (the fallback, GET /v1.0/me) get what they need
 * of it as configuration (shared/routes/tableSummary.ts), never by importing this module.
 */
export const routes: readonly AnyRoute[] = withIdempotencyRecords([
  ...Object.values(healthRoutes),
  ...Object.values(customerRoutes),
  ...Object.values(accessKeyRoutes),
  ...Object.values(docsRoutes),
  ...Object.values(domainRoutes),
  ...Object.values(extensionRoutes),
  ...Object.values(registrationRoutes),
  ...Object.values(registrarRoutes),
  ...Object.values(webhookRoutes),
]);

/** Routes that take an Idempotency-Key also read and write its records (their IAM grant). */
function withIdempotencyRecords(table: readonly AnyRoute[]): readonly AnyRoute[] {
  return table.map((route) => (takesIdempotencyKey(route) ? { ...route, access: [...(route.access ?? []), uses.idempotency] } : route));
}

/** Answers what no route matches (API Gateway's $default route): 404 or 405 in the envelope. */
export const fallbackHandler = fallbackRoute.handler;

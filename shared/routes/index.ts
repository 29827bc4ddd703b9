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
import type { AnyRoute } from './route.js';
import { webhookRoutes } from './webhooks.js';

/**
 * THE route table. CDK builds one function, one API route and one IAM grant per entry;
 * the local gateway serves from it; the OpenAPI document is generated from it.
 * Adding a route = one defineRoute entry in an area file + its handler module.
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
export const fallbackHandler = 'functions/fallback.ts';

/**
 * What an access key may do, from the table: "<area>:read" or "<area>:write" for every
 * area (the route's tag) with customer routes. Every key of a customer has all of them.
 */
export const accessKeyPermissions: readonly string[] = [
  ...new Set(
    routes
      .filter((route) => route.auth === 'customer')
      .flatMap((route) => {
        const area = route.tag.toLowerCase().replace(/[^a-z0-9]+/g, '');
        return route.table === 'write' ? [`${area}:read`, `${area}:write`] : [`${area}:read`];
      }),
  ),
].sort();

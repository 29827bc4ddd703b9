import type { AnyRoute, HttpMethod } from './route.js';

/**
 * What two functions know of the WHOLE route table, as configuration computed from it at
 * deploy time (infra/routeWiring.ts) and by the local gateway and tests alike: importing
 * the table itself would bundle every route's schemas into them (issue 14).
 * - routeTable (the fallback): ROUTE_TABLE, every path with its methods, to tell 405 from 404;
 * - accessKeyPermissions (GET /v1.0/me): ACCESS_KEY_PERMISSIONS, what an access key may do.
 * The function side (shared/config.ts) only parses; nothing here imports the table.
 */

/** A route as the fallback knows it: its method and path, nothing else. */
export interface RouteKey {
  method: HttpMethod;
  path: string;
}

/**
 * What an access key may do, from the table: "<area>:read" or "<area>:write" for every
 * area (the route's tag) with customer routes. Every key of a customer has all of them.
 */
export function accessKeyPermissionsOf(routes: readonly AnyRoute[]): string[] {
  const permissions = routes
    .filter((route) => route.auth === 'customer')
    .flatMap((route) => {
      const area = route.tag.toLowerCase().replace(/[^a-z0-9]+/g, '');
      return route.table === 'write' ? [`${area}:read`, `${area}:write`] : [`${area}:read`];
    });
  return [...new Set(permissions)].sort();
}

/**
 * The variables, compact (the Lambda environment holds 4 KB in all): ROUTE_TABLE groups
 * the methods by path, in table order ("GET,POST /v1.0/accesskeys;GET,PUT,DELETE
 * /v1.0/accesskeys/{id};..."), so Allow lists them as the table does; ACCESS_KEY_PERMISSIONS
 * is comma-separated.
 */
export function tableEnvironment(routes: readonly AnyRoute[]): { ROUTE_TABLE: string; ACCESS_KEY_PERMISSIONS: string } {
  const methodsByPath = new Map<string, HttpMethod[]>();
  for (const { method, path } of routes) methodsByPath.set(path, [...(methodsByPath.get(path) ?? []), method]);
  return {
    ROUTE_TABLE: [...methodsByPath].map(([path, methods]) => `${methods.join(',')} ${path}`).join(';'),
    ACCESS_KEY_PERMISSIONS: accessKeyPermissionsOf(routes).join(','),
  };
}

const METHODS: readonly string[] = ['GET', 'POST', 'PUT', 'DELETE'] satisfies HttpMethod[];

/** ROUTE_TABLE back into route keys; a value not in its format throws (the init fails with the variable's name). */
export function parseRouteTable(value: string): RouteKey[] {
  if (value === '') return [];
  return value.split(';').flatMap((entry) => {
    const [methods = '', path = '', ...rest] = entry.split(' ');
    const list = methods.split(',');
    if (rest.length > 0 || !path.startsWith('/') || !list.every((m) => METHODS.includes(m))) {
      throw new Error(`ROUTE_TABLE is not "METHOD[,METHOD] /path;..." (at "${entry.slice(0, 80)}")`);
    }
    return list.map((method) => ({ method: method as HttpMethod, path }));
  });
}

/** ACCESS_KEY_PERMISSIONS back into its list; an entry not "<area>:read|write" throws. */
export function parsePermissions(value: string): string[] {
  if (value === '') return [];
  const permissions = value.split(',');
  const wrong = permissions.find((p) => !/^[a-z0-9]+:(read|write)$/.test(p));
  if (wrong !== undefined) throw new Error(`ACCESS_KEY_PERMISSIONS is not "<area>:read|write,..." (at "${wrong.slice(0, 80)}")`);
  return permissions;
}

/**
 * The configuration values the table implies, through the same variables as on Lambda:
 * the local gateway and the tests configure these (shared/config.ts configure).
 */
export function tableConfig(routes: readonly AnyRoute[]): { routeTable: RouteKey[]; accessKeyPermissions: string[] } {
  const environment = tableEnvironment(routes);
  return { routeTable: parseRouteTable(environment.ROUTE_TABLE), accessKeyPermissions: parsePermissions(environment.ACCESS_KEY_PERMISSIONS) };
}

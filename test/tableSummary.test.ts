import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { configure, runtimeConfig, updateConfig, type RuntimeConfig } from '../shared/config.js';
import { routes } from '../shared/routes/index.js';
import { accessKeyPermissionsOf, parsePermissions, parseRouteTable, tableConfig, tableEnvironment } from '../shared/routes/tableSummary.js';
import { expectEnvelope, newCustomer, useApi } from './support/api.js';

/**
 * The fallback ($default: 404 vs 405) and GET /v1.0/me (the key's permissions) know the
 * whole route table only through their configuration (ROUTE_TABLE, ACCESS_KEY_PERMISSIONS,
 * computed from the table by CDK, the local stack and test/support/setup.ts), so their
 * bundles carry no route's schemas (test/bundleContents.test.ts).
 */
const api = useApi();

let saved: RuntimeConfig;
beforeEach(() => {
  saved = runtimeConfig();
});
afterEach(() => configure(saved));

describe('the variables computed from the table', () => {
  it('ROUTE_TABLE holds every route of the table, each method once per path, in table order', () => {
    const { ROUTE_TABLE } = tableEnvironment(routes);
    expect(parseRouteTable(ROUTE_TABLE)).toEqual(
      [...new Set(routes.map((r) => r.path))].flatMap((path) => routes.filter((r) => r.path === path).map((r) => ({ method: r.method, path }))),
    );
    expect(ROUTE_TABLE).toContain('GET,POST /v1.0/accesskeys;GET,PUT,DELETE /v1.0/accesskeys/{id};');
  });

  it('ACCESS_KEY_PERMISSIONS holds read (and write, where a customer route writes) for every customer area', () => {
    const { ACCESS_KEY_PERMISSIONS } = tableEnvironment(routes);
    expect(parsePermissions(ACCESS_KEY_PERMISSIONS)).toEqual(accessKeyPermissionsOf(routes));
    expect(accessKeyPermissionsOf(routes)).toEqual(expect.arrayContaining(['customer:read', 'extensions:read', 'extensions:write', 'accesskeys:write']));
    expect(accessKeyPermissionsOf(routes)).not.toContain('customer:write');
  });

  it('refuses values not in their format, naming the variable', () => {
    expect(() => parseRouteTable('GET /v1.0/a;PATCH /v1.0/b')).toThrow(/ROUTE_TABLE/);
    expect(() => parseRouteTable('GET v1.0/a')).toThrow(/ROUTE_TABLE/);
    expect(() => parsePermissions('extensions:read,extensions:own')).toThrow(/ACCESS_KEY_PERMISSIONS/);
  });
});

describe('the fallback answers from its configured route table', () => {
  it('what the configuration lists decides 405 (with Allow) or 404, not the table it was built with', async () => {
    updateConfig({ routeTable: parseRouteTable('GET,PUT /v1.0/elsewhere/{id}') });
    const refused = await api.call('PATCH', '/v1.0/elsewhere/x1');
    expectEnvelope(refused, 405, 'METHOD_NOT_ALLOWED');
    expect(refused.headers.get('allow')).toBe('GET, PUT');
    // A path of the real table the configuration lacks: nothing to allow.
    expectEnvelope(await api.call('PATCH', '/v1.0/accesskeys'), 404, 'NOT_FOUND', 'ROUTE_NOT_FOUND');
  });

  it('with the table-derived configuration (as deployed) answers 405 with the methods of the table', async () => {
    expect(runtimeConfig().routeTable).toEqual(tableConfig(routes).routeTable);
    const refused = await api.call('PATCH', '/v1.0/extensions/some-id');
    expectEnvelope(refused, 405, 'METHOD_NOT_ALLOWED');
    expect(refused.headers.get('allow')).toBe('GET, PUT, DELETE');
  });
});

describe('GET /v1.0/me answers the configured permissions', () => {
  it('as computed from the table', async () => {
    const { token } = await newCustomer('me permissions');
    const me = await api.call('GET', '/v1.0/me', { token });
    expect(me.status, me.text).toBe(200);
    expect(me.body.permissions).toEqual(accessKeyPermissionsOf(routes));
  });

  it('and nothing else: they come from the configuration, not from the table bundled in', async () => {
    const { token } = await newCustomer('me permissions configured');
    updateConfig({ accessKeyPermissions: ['extensions:read'] });
    const me = await api.call('GET', '/v1.0/me', { token });
    expect(me.status, me.text).toBe(200);
    expect(me.body.permissions).toEqual(['extensions:read']);
  });
});

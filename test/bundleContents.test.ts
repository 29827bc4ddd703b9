import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleManyLikeCdk } from '../bench/cdkBundle.js';
import { routeBundlingOptions } from '../infra/routeBundling.js';
import { customerRoutes } from '../shared/routes/customers.js';
import { fallbackRoute } from '../shared/routes/fallback.js';
import { routes } from '../shared/routes/index.js';
import { isRegistrarAuth } from '../shared/routes/route.js';

/**
 * What each function's bundle (built as CDK builds it) carries: a route's cold start grows
 * with every module it loads (issue 14), so code only some routes need stays out of the others.
 */
const root = resolve(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'sip-bundle-test-'));
const functions = [
  ...[...routes, fallbackRoute].map((route) => ({
    name: route === fallbackRoute ? '$default (fallback)' : `${route.method} ${route.path}`,
    handler: route.handler,
    auth: route.auth,
    needs: route.needs ?? [],
    options: routeBundlingOptions(route),
  })),
];
let inputs: Map<string, string[]>;
beforeAll(async () => {
  inputs = await bundleManyLikeCdk(functions.map((f) => ({ entry: join(root, f.handler), options: f.options })), dir);
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const bundled = (handler: string, path: string) => inputs.get(join(root, handler))!.some((input) => input.includes(path));

describe('the registrar check, and no Secrets Manager client', () => {
  it('the registrar check is bundled in registrar functions only (registrarHandler), not with customer auth', () => {
    const withCheck = functions.filter((f) => bundled(f.handler, 'shared/http/registrarAuth.ts'));
    expect(withCheck.map((f) => f.name)).toEqual(functions.filter((f) => isRegistrarAuth(f.auth)).map((f) => f.name));
  });

  it('no bundle carries the Secrets Manager client: secrets come from the Lambda extension (shared/secrets/read.ts)', () => {
    expect(functions.filter((f) => bundled(f.handler, '@aws-sdk/client-secrets-manager/')).map((f) => f.name)).toEqual([]);
    // The one reader is in exactly the bundles of routes that read a secret.
    const withReader = functions.filter((f) => bundled(f.handler, 'shared/secrets/read.ts')).map((f) => f.name);
    expect(withReader.length).toBeGreaterThan(0);
  });
});

describe('zod in route bundles', () => {
  // Classic zod is about 450 KB and half the SDK floor's import time; zod/mini is about 15 KB.
  // Only the OpenAPI document's generator (zod-to-openapi) needs classic zod, and it runs at
  // synth: the OpenAPI function carries the document it generated (infra/routeBundling.ts).
  it('no function bundles classic zod', () => {
    expect(functions.filter((f) => bundled(f.handler, 'node_modules/zod/v4/classic/')).map((f) => f.name)).toEqual([]);
  });

  it('no function bundles the OpenAPI generator (zod-to-openapi, shared/openapi/), the OpenAPI function included', () => {
    const withGenerator = functions.filter((f) => bundled(f.handler, '@asteasolutions/zod-to-openapi/') || bundled(f.handler, 'shared/openapi/'));
    expect(withGenerator.map((f) => f.name)).toEqual([]);
    expect(functions.map((f) => f.name)).toContain('GET /v1.0/openapi.json');
  });

  it("zod's English messages are bundled in every function that validates, and no other language", () => {
    const languages = (handler: string) =>
      inputs
        .get(join(root, handler))!
        .filter((input) => input.includes('node_modules/zod/v4/locales/') && !input.endsWith('/index.js'))
        .map((input) => input.slice(input.lastIndexOf('/') + 1));
    for (const f of functions.filter((f) => bundled(f.handler, 'shared/http/validate.ts'))) {
      expect(languages(f.handler), f.name).toEqual(['en.js']);
    }
  });
});

describe('the logger in route bundles', () => {
  // shared/log.ts writes the JSON lines itself: Powertools' logger was about 20 KB of every bundle.
  it("no function bundles Powertools' logger", () => {
    expect(functions.filter((f) => bundled(f.handler, 'node_modules/@aws-lambda-powertools/')).map((f) => f.name)).toEqual([]);
  });
});

describe('the route table in route bundles', () => {
  // The whole table brings every route's schemas (about 60M instructions of cold import
  // for the fallback, issue 14): functions that must know it get it as configuration, and
  // the OpenAPI document is built from it at synth (infra/routeBundling.ts).
  it('no function bundles the route table (shared/routes/index.ts)', () => {
    expect(functions.filter((f) => bundled(f.handler, 'shared/routes/index.ts')).map((f) => f.name)).toEqual([]);
  });

  /** The route and schema modules of areas (shared/routes/<area>.ts, shared/schemas/<area>.ts) a bundle carries. */
  const areasIn = (handler: string) => {
    const shared = ['route', 'match', 'access', 'fallback', 'tableSummary', 'common', 'deferred'];
    const areas = inputs
      .get(join(root, handler))!
      .map((input) => /shared\/(?:routes|schemas)\/(\w+)\.ts$/.exec(input)?.[1])
      .filter((area): area is string => area !== undefined && !shared.includes(area));
    return [...new Set(areas)];
  };

  it('the fallback (405 vs 404) carries no area at all: the paths are its ROUTE_TABLE', () => {
    expect(bundled(fallbackRoute.handler, 'shared/routes/match.ts')).toBe(true);
    expect(areasIn(fallbackRoute.handler)).toEqual([]);
  });

  it("GET /v1.0/me carries its own area's only: the permissions are its ACCESS_KEY_PERMISSIONS", () => {
    expect(areasIn(customerRoutes.me.handler)).toEqual(['customers']);
  });
});

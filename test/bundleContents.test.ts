import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleManyLikeCdk } from '../bench/cdkBundle.js';
import { bundlingOptions } from '../infra/routeFunction.js';
import { fallbackHandler, routes } from '../shared/routes/index.js';
import { isRegistrarAuth, type AuthKind, type RouteNeed } from '../shared/routes/route.js';

/**
 * What each function's bundle (built as CDK builds it) carries: a route's cold start grows
 * with every module it loads (issue 14), so code only some routes need stays out of the others.
 */
const root = resolve(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'sip-bundle-test-'));
const functions = [
  ...routes.map((route) => ({ name: `${route.method} ${route.path}`, handler: route.handler, auth: route.auth, needs: route.needs ?? [] })),
  { name: '$default (fallback)', handler: fallbackHandler, auth: 'none' as AuthKind, needs: [] as readonly RouteNeed[] },
];
let inputs: Map<string, string[]>;
beforeAll(async () => {
  inputs = await bundleManyLikeCdk(bundlingOptions, functions.map((f) => join(root, f.handler)), dir);
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

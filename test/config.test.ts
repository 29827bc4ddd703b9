import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { config, configFromEnvironment, configure, NEED_VARIABLES, runtimeConfig, type RuntimeConfig } from '../shared/config.js';
import { httpHandler } from '../shared/http/handler.js';
import { domainRoutes } from '../shared/routes/domains.js';
import { extensionRoutes } from '../shared/routes/extensions.js';
import { customerRoutes } from '../shared/routes/customers.js';
import { fallbackRoute } from '../shared/routes/fallback.js';
import { routes } from '../shared/routes/index.js';
import { assertNeedsDeclared, type AnyRoute } from '../shared/routes/route.js';
import { tableEnvironment } from '../shared/routes/tableSummary.js';

/** What CDK sets on every function, plus what Lambda itself sets. */
const lambdaBase = { AWS_LAMBDA_FUNCTION_NAME: 'fn', AWS_REGION: 'eu-west-1', STAGE: 'prod', TABLE_NAME: 'sip-registry-prod' };
const arn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:page-token-AbCdEf';

let saved: RuntimeConfig;
let savedEnv: NodeJS.ProcessEnv;
beforeEach(() => {
  saved = runtimeConfig();
  savedEnv = { ...process.env };
});
afterEach(() => {
  process.env = savedEnv;
  configure(saved);
});

/** A cold start of the route's function on a Lambda-like environment: the module-load call of httpHandler. */
const coldStart = (route: AnyRoute, env: Record<string, string>) => {
  process.env = { ...env, LOG_LEVEL: 'SILENT' };
  return () => httpHandler(route, async () => ({}));
};

describe('configuration at cold start on Lambda', () => {
  it('names the need a route whose pages are signed lacks (cdk synth refuses such a route: test/infra/wiring.test.ts)', () => {
    const forgetful = { ...extensionRoutes.list, needs: [] };
    expect(() => assertNeedsDeclared(forgetful)).toThrow(/listExtensions: .*needs lack 'pageTokens'/);
  });

  it.each([
    ['PAGE_TOKEN_SECRET_ARN', extensionRoutes.list, {}],
    ['TABLE_NAME', extensionRoutes.list, { PAGE_TOKEN_SECRET_ARN: arn }],
    ['SIP_DOMAIN_SUFFIX', domainRoutes.create, {}],
    ['ROUTE_TABLE', fallbackRoute, {}],
    ['ACCESS_KEY_PERMISSIONS', customerRoutes.me, {}],
  ] as const)('fails the init when %s is missing, with the variable in the message', (variable, route, extra) => {
    const env: Record<string, string> = { ...lambdaBase, ...extra };
    delete env[variable];
    expect(coldStart(route, env)).toThrow(new RegExp(`${route.operationId}: missing configuration .*${variable}`));
  });

  it('starts with what the needs imply, and a read beyond the needs fails loudly instead of a silent default', () => {
    coldStart(extensionRoutes.list, { ...lambdaBase, PAGE_TOKEN_SECRET_ARN: arn })();
    expect(config.tableName).toBe('sip-registry-prod');
    expect(config.pageTokenSource).toEqual({ arn });
    expect(() => config.sipDomainSuffix).toThrow(/listExtensions: configuration for need 'sipDomain' is not set \(SIP_DOMAIN_SUFFIX\)/);
  });

  it('parses the environment once: a later change does not move it', () => {
    coldStart(domainRoutes.create, { ...lambdaBase, SIP_DOMAIN_SUFFIX: 'sip.example.net' })();
    process.env.SIP_DOMAIN_SUFFIX = 'sip.other.net';
    expect(config.sipDomainSuffix).toBe('sip.example.net');
  });

  it('refuses a table-derived variable not in its format, naming it', () => {
    expect(coldStart(fallbackRoute, { ...lambdaBase, ROUTE_TABLE: 'FETCH /v1.0/x' })).toThrow(/fallback: ROUTE_TABLE is not/);
    expect(coldStart(customerRoutes.me, { ...lambdaBase, ACCESS_KEY_PERMISSIONS: 'all' })).toThrow(/getMe: ACCESS_KEY_PERMISSIONS is not/);
  });

  it('refuses a number that is not one', () => {
    expect(() => configFromEnvironment({ ...lambdaBase, AUTH_CACHE_SECONDS: 'ten' })).toThrow(/AUTH_CACHE_SECONDS must be a non-negative number/);
  });

  it("every route's function (and the fallback's) cold-starts with exactly the variables its table and needs imply", async () => {
    const fromTable: Record<string, string> = { ...tableEnvironment(routes), REGISTRATION_RETENTION_DAYS: '7' };
    for (const route of [...routes, fallbackRoute]) {
      const env: Record<string, string> = { ...lambdaBase, LOG_LEVEL: 'SILENT' };
      if (route.table === 'none') delete env.TABLE_NAME;
      for (const need of route.needs ?? []) {
        const variable = NEED_VARIABLES[need][0];
        if (variable) env[variable] = fromTable[variable] ?? `${variable.toLowerCase()}-value`;
      }
      process.env = env;
      const module = (await import(pathToFileURL(resolve(import.meta.dirname, '..', route.handler)).href)) as { handler: unknown };
      expect(typeof module.handler, route.operationId).toBe('function');
    }
  });

  it('every route of the table declares what its shape implies', () => {
    for (const route of routes) expect(() => assertNeedsDeclared(route), route.operationId).not.toThrow();
  });
});

describe('configuration outside Lambda', () => {
  it('is what was passed explicitly, whatever the environment says', () => {
    configure({ ...saved, sipDomainSuffix: 'sip.explicit' });
    coldStart(domainRoutes.create, { SIP_DOMAIN_SUFFIX: 'sip.env' })();
    expect(config.sipDomainSuffix).toBe('sip.explicit');
  });

  it('uses the local defaults only when nothing is set (scripts)', () => {
    const local = configFromEnvironment({});
    expect(local).toMatchObject({ stage: 'local', tableName: 'sip-registry-local', sipDomainSuffix: 'sip.local', registrationRetentionDays: 7 });
    expect(local.pageTokenSecret).toMatch(/./);
  });
});

import { App } from 'aws-cdk-lib';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { MAX_DEFINE_BYTES, openApiDocumentGzip, routeBundlingOptions } from '../../infra/routeBundling.js';
import { bundlingOptions } from '../../infra/routeFunction.js';
import { SipRegistryStack } from '../../infra/stack.js';
import { stageConfig } from '../../infra/stageConfig.js';
import { buildOpenApiDocument } from '../../shared/openapi/document.js';
import { docsRoutes } from '../../shared/routes/docs.js';
import { healthRoutes } from '../../shared/routes/health.js';
import type { AnyRoute } from '../../shared/routes/route.js';
import { getEvent, invokeIsolated } from '../support/bundledHandler.js';
import { functionOf } from './inspect.js';
import { minimalStage, type CfnTemplate } from './synthStage.js';

/**
 * On Lambda, GET /v1.0/openapi.json serves the document generated at `cdk synth` and
 * compiled into its bundle (the route's `inline`, infra/routeBundling.ts), without the
 * generator: classic zod and zod-to-openapi made its cold import about 1.28x the SDK floor.
 */

/** A stack of this one route (and the functions every stack has), bundled as CDK deploys it. */
const table: readonly AnyRoute[] = [docsRoutes.openapi];
const stage = stageConfig({ bundle: minimalStage('bundle') }, 'bundle');

/** esbuild on each function of the stack, on a busy 2-core machine. */
const BUNDLE_TIMEOUT = 300_000;

const outdir = mkdtempSync(path.join(tmpdir(), 'sip-openapi-bundle-'));
let bundle = '';
let code = '';

beforeAll(() => {
  const app = new App({ outdir });
  const stack = new SipRegistryStack(app, 'OpenApiBundle', { stage, routes: table });
  app.synth();
  const json = JSON.parse(readFileSync(path.join(outdir, 'OpenApiBundle.template.json'), 'utf8')) as CfnTemplate;
  const key = functionOf(stack, json, docsRoutes.openapi.operationId).properties.Code.S3Key as string;
  bundle = path.join(outdir, `asset.${key.replace(/\.zip$/, '')}`, 'index.mjs');
  code = readFileSync(bundle, 'utf8');
}, BUNDLE_TIMEOUT);

afterAll(() => rmSync(outdir, { recursive: true, force: true }));

describe('the synthesized OpenAPI function', () => {
  it('serves, from its bundle alone, exactly the document generated from the stack\'s route table', () => {
    const result = invokeIsolated(bundle, getEvent(`GET ${docsRoutes.openapi.path}`, docsRoutes.openapi.path));
    expect(result.statusCode).toBe(200);
    expect(result.headers?.['content-type']).toBe('application/json; charset=utf-8');
    expect(result.body).toBe(JSON.stringify(buildOpenApiDocument(table)));
  });

  it('does not carry the generator: no zod-to-openapi, no classic zod', () => {
    // Text only they hold: a zod-to-openapi error message, a classic zod schema class name.
    expect(code).not.toContain('Unknown zod object type');
    expect(code).not.toContain('"ZodObject"');
  });
});

describe('a route function\'s bundling options (routeBundlingOptions)', () => {
  it('are the common options for a route that inlines nothing, and for the fallback', () => {
    expect(routeBundlingOptions(healthRoutes.health)).toBe(bundlingOptions);
    expect(routeBundlingOptions()).toBe(bundlingOptions);
  });

  it('define the OpenAPI document\'s JSON text, gzipped, for the route that inlines it', () => {
    const options = routeBundlingOptions(docsRoutes.openapi, table);
    expect(options).toEqual({ ...bundlingOptions, define: { 'process.env.OPENAPI_DOCUMENT_GZIP': JSON.stringify(openApiDocumentGzip(table)) } });
    const packed = JSON.parse(options.define!['process.env.OPENAPI_DOCUMENT_GZIP']!) as string;
    expect(gunzipSync(Buffer.from(packed, 'base64')).toString('utf8')).toBe(JSON.stringify(buildOpenApiDocument(table)));
  });

  it('refuse, naming the limit, a document too large for one esbuild argument', () => {
    // Random text: gzip cannot make it smaller.
    const huge = [{ ...docsRoutes.openapi, summary: randomBytes(MAX_DEFINE_BYTES).toString('base64') }];
    expect(() => routeBundlingOptions(huge[0], huge)).toThrow(/openApiDocument is \d+ bytes, more than one esbuild argument may carry/);
  });
});

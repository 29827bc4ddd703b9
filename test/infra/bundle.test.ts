import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { build } from 'esbuild';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundlingOptions, RouteFunction } from '../../infra/routeFunction.js';
import { getEvent, invokeIsolated } from '../support/bundledHandler.js';

/** esbuild on one real handler, on a busy 2-core machine. */
const BUNDLE_TIMEOUT = 300_000;

const outdir = mkdtempSync(path.join(tmpdir(), 'sip-bundle-'));
let assetDir = '';
let files: string[] = [];
let code = '';

beforeAll(() => {
  // The real construct with bundling on (the stack tests turn it off): the health function
  // reads the table, so its bundle must carry the DynamoDB client.
  const app = new App({ outdir });
  const stack = new Stack(app, 'BundleTest');
  new RouteFunction(stack, 'Health', {
    handler: 'functions/health/get.ts',
    description: 'bundling test',
    environment: {},
    logRetention: RetentionDays.ONE_DAY,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  app.synth();
  const assets = readdirSync(outdir).filter((name) => name.startsWith('asset.'));
  expect(assets).toHaveLength(1);
  assetDir = path.join(outdir, assets[0]!);
  files = readdirSync(assetDir);
  code = readFileSync(path.join(assetDir, 'index.mjs'), 'utf8');
}, BUNDLE_TIMEOUT);

afterAll(() => rmSync(outdir, { recursive: true, force: true }));

describe('function bundles', () => {
  it('are configured as minified ESM with the SDK inside and nothing external', () => {
    expect(bundlingOptions).toMatchObject({
      format: OutputFormat.ESM,
      minify: true,
      sourceMap: false,
      bundleAwsSDK: true,
      externalModules: [],
    });
  });

  it('are one ESM file per function', () => {
    expect(files).toEqual(['index.mjs']);
    // esbuild's ESM export of the handler, and the createRequire banner needing import.meta.
    expect(code).toMatch(/export\s*\{[^}]*\bas handler\b[^}]*\}/);
    expect(code).toContain('import.meta.url');
    expect(code).not.toMatch(/\bmodule\.exports\s*=/);
  });

  it('are minified', () => {
    expect(code.length).toBeGreaterThan(50_000);
    const lines = code.split('\n').length;
    // Unminified esbuild output of this much code has tens of thousands of lines.
    expect(lines).toBeLessThan(code.length / 2_000);
  });

  it('import nothing but Node built-ins', async () => {
    // esbuild's own parser lists the bundle's imports (strings that merely mention a package,
    // like the SDK's error messages, are not imports).
    const result = await build({
      entryPoints: [path.join(assetDir, 'index.mjs')],
      bundle: true,
      write: false,
      metafile: true,
      platform: 'node',
      format: 'esm',
      packages: 'external',
      logLevel: 'silent',
    });
    const imports = Object.values(result.metafile.inputs).flatMap((input) => input.imports);
    expect(imports.length).toBeGreaterThan(0);
    for (const { path: name, kind } of imports) expect(`${kind} ${name}`).toMatch(/^(import-statement|dynamic-import|require-call) node:/);
    expect(code).not.toMatch(/\bfrom\s*["']@(aws-sdk|smithy)\//);
  });

  it(
    'carry the AWS SDK: the bundle alone, without node_modules, reads the table',
    () => {
      // The DynamoDB client is in the file (its target prefix), and it works from a directory
      // where no package can be resolved: call the handler from a copy of the bundle alone.
      expect(code).toContain('DynamoDB_20120810');
      const result = invokeIsolated(path.join(assetDir, 'index.mjs'), getEvent('GET /v1.0/health', '/v1.0/health'), {
        DYNAMODB_ENDPOINT: process.env.DYNAMODB_ENDPOINT,
        TABLE_NAME: process.env.TABLE_NAME,
        AWS_REGION: 'us-east-1',
      });
      expect(result.statusCode).toBe(200);
      expect(JSON.parse(result.body!)).toEqual({ status: 'ok' });
    },
    BUNDLE_TIMEOUT,
  );
});

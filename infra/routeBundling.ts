import type { BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import { gzipSync } from 'node:zlib';
import { buildOpenApiDocument } from '../shared/openapi/document.js';
import { routes } from '../shared/routes/index.js';
import type { AnyRoute, InlinedValue } from '../shared/routes/route.js';
import { bundlingOptions } from './routeFunction.js';

/**
 * CDK hands each define to esbuild as a command-line argument; run through npx, the whole
 * esbuild command is one `sh -c` argument and one environment variable
 * (npm_lifecycle_script), and Linux refuses any one string over 128 KiB (MAX_ARG_STRLEN)
 * with a bare E2BIG. Refuse earlier, saying why (the OpenAPI document is about 15 KiB gzipped, in base64).
 */
export const MAX_DEFINE_BYTES = 120 * 1024;

/** Each inlined value: the expression the handler reads, and its value's JS source (a literal). */
const inlined: Record<InlinedValue, { expression: string; source: (routeTable: readonly AnyRoute[]) => string }> = {
  // The JSON text of the document (what functions/openapi/get.ts serves), gzipped, in
  // base64, as a JS string literal: esbuild puts it where the handler reads
  // process.env.OPENAPI_DOCUMENT_GZIP. About 15 KB to parse at cold start instead of 94 KB.
  openApiDocument: {
    expression: 'process.env.OPENAPI_DOCUMENT_GZIP',
    source: (routeTable) => JSON.stringify(openApiDocumentGzip(routeTable)),
  },
};

/** The document's JSON text, gzipped, in base64: what the OpenAPI function unpacks. */
export const openApiDocumentGzip = (routeTable: readonly AnyRoute[]) =>
  gzipSync(JSON.stringify(buildOpenApiDocument(routeTable)), { level: 9 }).toString('base64');

/** Built once per route table and value: a synth builds many functions from one table. */
const built = new WeakMap<readonly AnyRoute[], Map<InlinedValue, string>>();

function sourceOf(value: InlinedValue, routeTable: readonly AnyRoute[]): string {
  if (!built.has(routeTable)) built.set(routeTable, new Map());
  const forTable = built.get(routeTable)!;
  const known = forTable.get(value);
  if (known !== undefined) return known;
  const source = inlined[value].source(routeTable);
  const bytes = Buffer.byteLength(source);
  if (bytes > MAX_DEFINE_BYTES) {
    throw new Error(
      `${value} is ${bytes} bytes, more than one esbuild argument may carry (${MAX_DEFINE_BYTES}): inline it another way (infra/routeBundling.ts)`,
    );
  }
  forTable.set(value, source);
  return source;
}

/**
 * How one function is bundled: infra/routeFunction.ts's bundlingOptions, plus an esbuild
 * `define` for each value its route inlines (the route table's `inline`). CDK, the bench
 * (bench/run.ts) and the bundle analysis (scripts/bundleAnalysis.ts) all take a function's
 * options from here, so they measure the bundle Lambda loads. No route (the fallback): the
 * common options.
 */
export function routeBundlingOptions(route?: Pick<AnyRoute, 'inline'>, routeTable: readonly AnyRoute[] = routes): BundlingOptions {
  const values = route?.inline ?? [];
  if (values.length === 0) return bundlingOptions;
  return {
    ...bundlingOptions,
    define: Object.fromEntries(values.map((value) => [inlined[value].expression, sourceOf(value, routeTable)])),
  };
}

/**
 * Builds a route's bundle the way CDK does (aws-lambda-nodejs runs the esbuild CLI with
 * arguments derived from infra/routeFunction.ts's bundlingOptions), so the bench and the
 * bundle analysis measure what Lambda loads. Each bundling option CDK knows is either
 * translated here or refused: a new option in bundlingOptions fails the bench (and its
 * test) instead of silently measuring a different bundle.
 */
import type { BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import { build, type BuildOptions, type Metafile } from 'esbuild';

/** The options translated below; any other key set in bundlingOptions is refused. */
const TRANSLATED = new Set([
  'format', 'target', 'minify', 'sourceMap', 'bundleAwsSDK', 'externalModules', 'mainFields', 'banner', 'tsconfig', 'define',
]);

/** esbuild options equal to the CLI arguments CDK passes for these bundling options. */
export function esbuildOptionsFor(options: BundlingOptions): BuildOptions {
  const unknown = Object.keys(options).filter((key) => !TRANSLATED.has(key));
  if (unknown.length) throw new Error(`bench/cdkBundle.ts does not translate bundling option(s): ${unknown.join(', ')}`);
  // CDK marks the SDK external unless bundleAwsSDK; externalModules replaces its default list.
  const external = options.externalModules ?? (options.bundleAwsSDK ? [] : ['@aws-sdk/*']);
  if (!options.target) throw new Error('bench/cdkBundle.ts: bundlingOptions must name its target');
  return {
    bundle: true,
    platform: 'node',
    target: options.target,
    format: options.format as BuildOptions['format'],
    minify: options.minify ?? false,
    sourcemap: options.sourceMap ?? false,
    external,
    mainFields: options.mainFields,
    ...(options.banner ? { banner: { js: options.banner } } : {}),
    ...(options.tsconfig ? { tsconfig: options.tsconfig } : {}),
    // CDK passes each as --define:key=value, the value as given (already JS source).
    ...(options.define ? { define: options.define } : {}),
    logLevel: 'silent',
  };
}

/** Bundles one entry to outfile with CDK's options; returns esbuild's metafile. */
export async function bundleLikeCdk(options: BundlingOptions, entry: string, outfile: string): Promise<Metafile> {
  const result = await build({ ...esbuildOptionsFor(options), entryPoints: [entry], outfile, metafile: true });
  return result.metafile;
}

/**
 * Bundles several entries, each with its function's options: one esbuild run per distinct
 * options object (each output is the same file a build of its entry alone gives, since
 * nothing is split); returns, per entry, the input files that contribute bytes to its
 * output (esbuild parses more than tree shaking keeps).
 */
export async function bundleManyLikeCdk(
  entries: readonly { entry: string; options: BundlingOptions }[],
  outdir: string,
): Promise<Map<string, string[]>> {
  const byOptions = new Map<BundlingOptions, number[]>();
  entries.forEach(({ options }, i) => byOptions.set(options, [...(byOptions.get(options) ?? []), i]));
  const inputs = new Map<string, string[]>();
  for (const [options, indexes] of byOptions) {
    const { metafile } = await build({
      ...esbuildOptionsFor(options),
      entryPoints: indexes.map((i) => ({ in: entries[i]!.entry, out: String(i) })),
      outdir,
      outExtension: { '.js': '.mjs' },
      metafile: true,
    });
    for (const output of Object.values(metafile.outputs)) {
      if (!output.entryPoint) continue;
      const entry = indexes.map((i) => entries[i]!.entry).find((e) => e.endsWith(output.entryPoint!));
      if (entry) inputs.set(entry, Object.entries(output.inputs).filter(([, i]) => i.bytesInOutput > 0).map(([input]) => input));
    }
  }
  return inputs;
}

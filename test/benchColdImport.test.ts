import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { esbuildOptionsFor } from '../bench/cdkBundle.js';
import { coldImport, interleavedSchedule, measureColdImports, ratiosAgainstFloor, type ImportSample } from '../bench/coldImport.js';
import { bundlingOptions } from '../infra/routeFunction.js';

/** npm run bench's cold-import measure (bench/coldImport.ts, bench/cdkBundle.ts; issue 14). */
describe('bundles are built with the options CDK passes to esbuild', () => {
  it('translates infra/routeFunction.ts bundlingOptions: ESM, minified, SDK bundled, banner, main fields', () => {
    expect(esbuildOptionsFor(bundlingOptions)).toMatchObject({
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: bundlingOptions.target,
      minify: true,
      sourcemap: false,
      external: [],
      mainFields: ['module', 'main'],
      banner: { js: bundlingOptions.banner },
      tsconfig: bundlingOptions.tsconfig,
    });
  });

  it("translates a route's define (the values it inlines at synth, infra/routeBundling.ts) as CDK passes it", () => {
    const define = { 'process.env.OPENAPI_DOCUMENT_GZIP': JSON.stringify('H4sIAAAAAAAAA6tWyi9ILcpLzEsJSi1OzUsBAJtrhPEQAAAA') };
    expect(esbuildOptionsFor({ ...bundlingOptions, define }).define).toEqual(define);
    expect(esbuildOptionsFor(bundlingOptions).define).toBeUndefined();
  });

  it('refuses a bundling option it does not translate, rather than measure another bundle', () => {
    expect(() => esbuildOptionsFor({ ...bundlingOptions, keepNames: true })).toThrow(/keepNames/);
  });

  it('leaves the SDK external when CDK would (bundleAwsSDK unset, no externalModules)', () => {
    const { externalModules: _e, bundleAwsSDK: _b, ...rest } = bundlingOptions;
    expect(esbuildOptionsFor(rest).external).toEqual(['@aws-sdk/*']);
  });
});

describe('rounds are interleaved', () => {
  it('every name once per round, the order rotated each round', () => {
    expect(interleavedSchedule(['floor', 'a', 'b'], 3)).toEqual(['floor', 'a', 'b', 'a', 'b', 'floor', 'b', 'floor', 'a']);
  });

  it('measures by the schedule and files each sample under its name', () => {
    const files = new Map([['floor', '/f'], ['a', '/a']]);
    const seen: string[] = [];
    const samples = measureColdImports(files, 2, (file) => {
      seen.push(file);
      return { ms: file === '/a' ? 2 : 1, cpuMs: 1, rssMb: 1 };
    });
    expect(seen).toEqual(['/f', '/a', '/a', '/f']);
    expect(samples.get('a')!.map((s) => s.ms)).toEqual([2, 2]);
  });
});

describe('each bundle is judged by its medians against the floor\'s', () => {
  const runs = (...cpu: number[]): ImportSample[] => cpu.map((c, i) => ({ ms: c * 3, cpuMs: c, rssMb: 40 + i }));

  it('CPU ratio and RSS ratio of medians, one outlier ignored', () => {
    const { floor, bundles } = ratiosAgainstFloor(new Map([['floor', runs(100, 100, 900)], ['a', runs(110, 5000, 110)]]), 'floor');
    expect(floor).toEqual({ ms: 300, cpuMs: 100, rssMb: 41 });
    expect(bundles).toEqual([{ name: 'a', ms: 330, cpuMs: 110, rssMb: 41, importRatio: 1.1, rssRatio: 1 }]);
  });

  it('a bundle without samples is an error, not a ratio of NaN', () => {
    expect(() => ratiosAgainstFloor(new Map([['floor', runs(1)], ['a', []]]), 'floor')).toThrow(/no cold-import sample for a/);
  });
});

describe('a cold import is measured in a fresh process', () => {
  it('reports wall time, CPU time and RSS of importing the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sip-cold-'));
    try {
      const file = join(dir, 'busy.mjs');
      // Burns 50 ms of CPU at import, however long a shared machine takes to give it.
      writeFileSync(file, 'const c = process.cpuUsage(); while (process.cpuUsage(c).user < 50_000);');
      const sample = coldImport(file);
      expect(sample.cpuMs).toBeGreaterThanOrEqual(50);
      expect(sample.ms).toBeGreaterThanOrEqual(50);
      expect(sample.rssMb).toBeGreaterThan(10);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

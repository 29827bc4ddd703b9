/**
 * Where a route bundle's bytes come from, beyond the SDK floor (bench/sdkFloor.ts): builds
 * each route's bundle as CDK does (bench/cdkBundle.ts), reads esbuild's metafile and sums
 * the bytes each package (or project directory) contributes to the output. Prints, per
 * route, the groups the floor does not have or has fewer bytes of.
 *
 *   npx tsx scripts/bundleAnalysis.ts [route filter, e.g. registrar]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Metafile } from 'esbuild';
import { bundleLikeCdk } from '../bench/cdkBundle.js';
import { routeBundlingOptions } from '../infra/routeBundling.js';
import { routes } from '../shared/routes/index.js';

const root = resolve(import.meta.dirname, '..');

/** node_modules/@scope/name/... → @scope/name; node_modules/name/... → name; shared/x/y.ts → shared/x. */
export function groupOf(input: string): string {
  const at = input.lastIndexOf('node_modules/');
  if (at >= 0) {
    const [first, second] = input.slice(at + 'node_modules/'.length).split('/');
    return first!.startsWith('@') ? `${first}/${second}` : first!;
  }
  const parts = input.split('/');
  return parts.length > 2 ? parts.slice(0, 2).join('/') : parts[0]!;
}

/** Bytes in the output per group. */
export function bytesByGroup(metafile: Metafile): Map<string, number> {
  const groups = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const group = groupOf(input);
      groups.set(group, (groups.get(group) ?? 0) + bytesInOutput);
    }
  }
  return groups;
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

async function main() {
  const filter = process.argv[2];
  const dir = mkdtempSync(join(tmpdir(), 'sip-bundles-'));
  try {
    const floor = bytesByGroup(await bundleLikeCdk(routeBundlingOptions(), join(root, 'bench/sdkFloor.ts'), join(dir, 'floor.mjs')));
    const floorTotal = [...floor.values()].reduce((a, b) => a + b, 0);
    console.log(`SDK floor: ${kb(floorTotal)}`);
    const seen = new Set<string>();
    for (const route of routes) {
      if (seen.has(route.handler) || (filter && !`${route.method} ${route.path} ${route.handler}`.includes(filter))) continue;
      seen.add(route.handler);
      const groups = bytesByGroup(await bundleLikeCdk(routeBundlingOptions(route), join(root, route.handler), join(dir, `${seen.size}.mjs`)));
      const total = [...groups.values()].reduce((a, b) => a + b, 0);
      const excess = [...groups]
        .map(([group, bytes]) => [group, bytes - (floor.get(group) ?? 0)] as const)
        .filter(([, bytes]) => bytes > 512)
        .sort((a, b) => b[1] - a[1]);
      console.log(`\n${route.method} ${route.path} (${route.handler}): ${kb(total)}, ${kb(total - floorTotal)} over the floor`);
      for (const [group, bytes] of excess) console.log(`  +${kb(bytes).padStart(9)}  ${group}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) await main();

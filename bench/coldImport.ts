/**
 * npm run bench's cold-import measure: every route bundle against the SDK floor bundle
 * (bench/sdkFloor.ts) in the same run. Rounds are interleaved (each round imports the
 * floor and every bundle once, in an order rotated per round) so drift in machine load
 * hits every bundle alike; each bundle is judged by its median over the rounds.
 *
 * Judged by the CPU time of the import, not its wall time: on this shared 2-core machine
 * wall time is mostly waiting for a core (a 150 ms import took 550 ms under load, and
 * ratios of the same bundle ranged 0.7x-1.5x between neighbours); the CPU an import burns
 * is what a cold start costs and barely moves with load. Wall time is printed beside it.
 */
import { execFileSync } from 'node:child_process';
import { median } from './measured.js';

export interface ImportSample {
  /** Wall time of the import. */
  ms: number;
  /** CPU time (user + system) the process spent in the import: what is judged. */
  cpuMs: number;
  rssMb: number;
}

/**
 * The order of imports: `rounds` rounds, each with every name once, the round's order
 * rotated by one each time (no bundle always runs first, right after a build, or last).
 */
export function interleavedSchedule(names: readonly string[], rounds: number): string[] {
  const order: string[] = [];
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < names.length; i++) order.push(names[(i + round) % names.length]!);
  }
  return order;
}

export interface BundleRatio {
  name: string;
  ms: number;
  cpuMs: number;
  rssMb: number;
  /** Median import CPU time over the floor's median import CPU time. */
  importRatio: number;
  /** Median RSS after import over the floor's. */
  rssRatio: number;
}

/** Each bundle's medians as ratios against the floor's medians. */
export function ratiosAgainstFloor(samples: ReadonlyMap<string, ImportSample[]>, floor: string): { floor: ImportSample; bundles: BundleRatio[] } {
  const medians = (runs: ImportSample[] | undefined, name: string): ImportSample => {
    if (!runs?.length) throw new Error(`no cold-import sample for ${name}`);
    return { ms: median(runs.map((r) => r.ms)), cpuMs: median(runs.map((r) => r.cpuMs)), rssMb: median(runs.map((r) => r.rssMb)) };
  };
  const base = medians(samples.get(floor), floor);
  const bundles = [...samples.keys()]
    .filter((name) => name !== floor)
    .map((name) => {
      const { ms, cpuMs, rssMb } = medians(samples.get(name), name);
      return { name, ms, cpuMs, rssMb, importRatio: cpuMs / base.cpuMs, rssRatio: rssMb / base.rssMb };
    });
  return { floor: base, bundles };
}

/** Import time and RSS of a bundle in a fresh Node process, measured inside that process. */
export function coldImport(file: string): ImportSample {
  const script = `const c=process.cpuUsage(),t=performance.now();await import(${JSON.stringify(file)});` +
    `const ms=performance.now()-t,u=process.cpuUsage(c);` +
    `console.log(JSON.stringify({ms,cpu:(u.user+u.system)/1000,rss:process.memoryUsage().rss}))`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', NODE_NO_WARNINGS: '1' },
  }).toString();
  const { ms, cpu, rss } = JSON.parse(out.trim().split('\n').pop()!) as { ms: number; cpu: number; rss: number };
  return { ms, cpuMs: cpu, rssMb: rss / 1024 / 1024 };
}

/** Runs the schedule and collects every name's samples. */
export function measureColdImports(files: ReadonlyMap<string, string>, rounds: number, run = coldImport): Map<string, ImportSample[]> {
  const samples = new Map<string, ImportSample[]>([...files.keys()].map((name) => [name, []]));
  for (const name of interleavedSchedule([...files.keys()], rounds)) samples.get(name)!.push(run(files.get(name)!));
  return samples;
}

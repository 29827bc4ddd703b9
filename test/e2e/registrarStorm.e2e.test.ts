import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { requireRegistrarTools } from '../support/registrarTools.js';

/**
 * Smoke test of `npm run bench:registrar` (bench/registrarStorm.ts): the real command at a
 * tiny scale (20 devices, 20 REGISTER/s for 3 s), in both scenarios (warm: the devices
 * registered beforehand refresh while new ones register; burst: everyone registers
 * first). It starts its own DynamoDB Local, API (tsx local/start.ts) and Kamailio on free
 * ports; this checks its JSON report and that every device shows as registered through
 * the API afterwards. Whether the tiny run meets
 * the throughput target is not asserted (a busy machine may miss p99): exit 0 or 1, never 2.
 */
const { missing } = requireRegistrarTools('registrar storm smoke test');

const root = resolve(import.meta.dirname, '..', '..');

function runBench(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolveRun, reject) => {
    // The real command, as documented: npm run bench:registrar -- ...
    // The vitest setup's table and endpoint are not the bench's: it runs its own.
    const env = { ...process.env };
    delete env.DYNAMODB_ENDPOINT;
    delete env.TABLE_NAME;
    const child = spawn('npm', ['run', '--silent', 'bench:registrar', '--', ...args], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      env,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolveRun({ code, stdout, stderr }));
  });
}

/** The report's invariants, whatever the scenario. */
function checkReport(report: Record<string, any>, code: number | null, stderr: string) {
  expect(report.setup_error, JSON.stringify(report.setup_error)).toBeUndefined();
  expect([0, 1], `exit ${code}; stderr:\n${stderr.slice(-3000)}`).toContain(code);
  expect(report.meets_target).toBe(code === 0);
  expect(report.dynamodb).toBe('memory');
  expect(report.offered.sent).toBeGreaterThan(0);
  expect(report.offered.sent_rate).toBeGreaterThan(0);
  expect(report.completed.transactions).toBeGreaterThan(0);
  expect(report.completed.rate).toBeGreaterThan(0);
  expect(typeof report.completed.share).toBe('number');
  expect(report.lost.transactions).toBe(report.offered.transactions - report.completed.transactions);
  const { rejected, timed_out, open_at_stop, not_sent } = report.lost;
  expect(report.lost.transactions).toBe(rejected + timed_out + open_at_stop + not_sent);
  expect(Number.isInteger(report.retransmissions)).toBe(true);
  expect(report.response_ms.samples).toBe(report.completed.transactions);
  expect(report.response_ms.p50).toBeGreaterThanOrEqual(0);
  expect(report.response_ms.p99).toBeGreaterThanOrEqual(report.response_ms.p50);
  expect(report.response_ms.source).toMatch(/trace_rtt/);
  // Split by kind (SIPp's rtd names): every sample is a first registration or a refresh.
  const { first_registrations: first, refreshes } = report.response_ms;
  expect(first.samples + refreshes.samples).toBe(report.response_ms.samples);
  expect(first.samples).toBeLessThanOrEqual(report.offered.first_registrations);
  expect(refreshes.samples).toBeLessThanOrEqual(report.offered.refreshes);
  expect(report.response_ms.timeline.reduce((n: number, w: { completed: number }) => n + w.completed, 0)).toBe(report.completed.transactions);
  for (const key of ['at_start', 'storm_start', 'storm_end']) expect(report.load_average[key]).toHaveLength(3);
  expect(Array.isArray(report.missed)).toBe(true);
  expect(report.missed.length === 0).toBe(report.meets_target);
}

async function runJson(args: string[]) {
  const run = await runBench([...args, '--json']);
  const line = run.stdout.trim().split('\n').filter((l) => l.startsWith('{')).at(-1);
  expect(line, `no JSON on stdout (exit ${run.code}):\n${run.stdout}\n${run.stderr.slice(-3000)}`).toBeDefined();
  return { ...run, report: JSON.parse(line!) as Record<string, any> };
}

describe.skipIf(missing)('npm run bench:registrar (smoke, tiny scale)', () => {
  it('warm (default): 20 registered devices refresh, new ones register; all 26 in the API', { timeout: 240_000 }, async () => {
    const run = await runJson(['--rate', '20', '--duration', '3', '--devices', '20']);
    const { report } = run;
    checkReport(report, run.code, run.stderr);
    expect(report.scenario).toBe('warm');
    expect(report.target).toEqual({ rate: 20, duration_s: 3, devices: 20 });
    // The warm-up (not measured): the 20 devices registered once and showed in the API.
    expect(report.warmup).toMatchObject({ devices: 20, rate: 100, ok: 20, api_registered: 20 });
    // 60 transactions: 10% (6) first registrations of new devices, 54 refreshes of the 20.
    expect(report.offered).toMatchObject({ transactions: 60, first_registrations: 6, refreshes: 54, rate: 20 });
    // Every device, old and new, visible through the API; Kamailio holds one binding each.
    expect(report.api).toMatchObject({ registered: 26, expected: 26 });
    expect(report.diagnostics.kamailio_bindings).toBe(26);
  });

  it('burst: every device registers first, then refreshes; all 20 in the API', { timeout: 240_000 }, async () => {
    const run = await runJson(['--scenario', 'burst', '--rate', '20', '--duration', '3', '--devices', '20']);
    const { report } = run;
    checkReport(report, run.code, run.stderr);
    expect(report.scenario).toBe('burst');
    expect(report.warmup).toBeUndefined();
    expect(report.target).toEqual({ rate: 20, duration_s: 3, devices: 20 });
    // 60 transactions: every device's first REGISTER is a registration, the rest refreshes.
    expect(report.offered).toMatchObject({ transactions: 60, first_registrations: 20, refreshes: 40, rate: 20 });
    expect(report.api).toMatchObject({ registered: 20, expected: 20 });
    expect(report.diagnostics.kamailio_bindings).toBe(20);
  });

  it('exits 2 and names the problem on bad flags', { timeout: 60_000 }, async () => {
    for (const [args, message] of [
      [['--rate', 'fast'], /--rate must be a positive number/],
      [['--scenario', 'storm'], /--scenario must be one of warm, burst/],
      [['--dynamodb', 'ssd'], /--dynamodb must be one of memory, disk/],
      [['--new-share', '2'], /--new-share must be a number from 0 to 1/],
    ] as const) {
      const run = await runBench([...args]);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr).toMatch(message);
    }
  });
});

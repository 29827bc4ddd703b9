import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it, vi } from 'vitest';
import { accessLogFields } from '../infra/api.js';
import { projectRoot } from '../infra/routeFunction.js';
import { sampleLogLines } from '../scripts/cost/model.js';
import { logger } from '../shared/log.js';

const run = promisify(execFile);
const TIMEOUT = 120_000;

/** The real command: npm run cost -- ARGS. */
async function cost(args: string[]) {
  try {
    const { stdout, stderr } = await run('npm', ['run', '-s', 'cost', '--', ...args], { cwd: projectRoot });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

interface Estimate {
  billing: string;
  prices: { date: string; source: string };
  terms: Record<string, { usd_per_month: number; quantity: number; unit: string }>;
  total_usd_per_month: number;
}

async function estimate(args: string[]): Promise<Estimate> {
  const result = await cost([...args, '--json']);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as Estimate;
}

describe('npm run cost', () => {
  it.each(['provisioned', 'on-demand'])(
    'prints one JSON object whose %s terms add up to the total',
    async (billing) => {
      const result = await estimate(['--devices', '100000', '--refresh', '300', '--billing', billing]);
      expect(result.billing).toBe(billing);
      expect(result.prices.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(result.prices.source.length).toBeGreaterThan(20);
      const terms = Object.values(result.terms);
      for (const name of ['api_gateway_requests', 'lambda_requests', 'lambda_compute', 'cloudwatch_logs', 'xray_traces', 'secrets_manager']) {
        expect(result.terms[name], name).toBeDefined();
      }
      const dynamo = billing === 'provisioned' ? ['dynamodb_write_capacity', 'dynamodb_read_capacity'] : ['dynamodb_writes', 'dynamodb_reads'];
      for (const name of dynamo) expect(result.terms[name], name).toBeDefined();
      const sum = terms.reduce((s, t) => s + t.usd_per_month, 0);
      // Each term is rounded to cents, the total too.
      expect(Math.abs(sum - result.total_usd_per_month)).toBeLessThanOrEqual(0.01 * terms.length);
      for (const term of terms) expect(term.usd_per_month).toBeGreaterThanOrEqual(0);
    },
    TIMEOUT,
  );

  it(
    'keeps 100,000 devices at 300 s within $500 a month with provisioned DynamoDB, cheaper than on-demand',
    async () => {
      const provisioned = await estimate(['--devices', '100000', '--refresh', '300', '--billing', 'provisioned']);
      const onDemand = await estimate(['--devices', '100000', '--refresh', '300', '--billing', 'on-demand']);
      expect(provisioned.total_usd_per_month).toBeLessThanOrEqual(500);
      expect(provisioned.total_usd_per_month).toBeLessThan(onDemand.total_usd_per_month);
    },
    TIMEOUT,
  );

  it(
    'roughly doubles the variable terms when the devices double',
    async () => {
      const [one, two] = await Promise.all([
        estimate(['--devices', '100000', '--refresh', '300', '--billing', 'on-demand']),
        estimate(['--devices', '200000', '--refresh', '300', '--billing', 'on-demand']),
      ]);
      // State-change POSTs grow a little slower (more changes share a sender tick): "roughly".
      for (const name of ['api_gateway_requests', 'lambda_requests', 'lambda_compute', 'dynamodb_writes', 'dynamodb_reads', 'cloudwatch_logs']) {
        const ratio = two.terms[name]!.usd_per_month / one.terms[name]!.usd_per_month;
        expect(ratio, name).toBeGreaterThan(1.85);
        expect(ratio, name).toBeLessThan(2.05);
      }
      const ratio = two.total_usd_per_month / one.total_usd_per_month;
      expect(ratio).toBeGreaterThan(1.7);
      expect(ratio).toBeLessThan(2.05);
    },
    TIMEOUT,
  );

  it(
    'prints the terms and the other mode as text',
    async () => {
      const result = await cost(['--devices', '100000', '--refresh', '300']);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toMatch(/DynamoDB provisioned/);
      expect(result.stdout).toMatch(/^\s+total\s+\$[\d,.]+\s+per month$/m);
      expect(result.stdout).toMatch(/\(on-demand: \$[\d,.]+ per month\)/);
    },
    TIMEOUT,
  );

  it.each([
    [['--devices', 'abc'], /--devices must be a number/],
    [['--devices', '1.5'], /--devices: .*expected int/],
    [['--refresh', '5'], /--refresh: .*>=30/],
    [['--billing', 'cheap'], /--billing: .*"provisioned"\|"on-demand"/],
    [['--bogus'], /Unknown option '--bogus'/],
    [['--target-utilization', '0'], /--target-utilization/],
  ])(
    'refuses %j with a clear error and exit code 2',
    async (args, message) => {
      const result = await cost(args);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(message);
      expect(result.stderr).toContain('Usage: npm run cost');
      expect(result.stdout).toBe('');
    },
    TIMEOUT,
  );

  it(
    'matches the table in docs/cost.md (regenerate it with npm run cost -- --docs-table)',
    async () => {
      const result = await cost(['--docs-table']);
      expect(result.code, result.stderr).toBe(0);
      const doc = readFileSync(path.join(projectRoot, 'docs/cost.md'), 'utf8');
      const table = /<!-- cost-table:start -->\n([\s\S]*?)\n<!-- cost-table:end -->/.exec(doc)?.[1];
      expect(table).toBeDefined();
      expect(table).toBe(result.stdout.trim());
    },
    TIMEOUT,
  );
});

describe('log bytes per request', () => {
  it('counts a function access line of the real shape', () => {
    const chunks: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => {
      chunks.push(String(chunk));
      return true;
    });
    const level = logger.getLevelName();
    logger.setLogLevel('INFO');
    try {
      // What shared/http/handler.ts's access log writes for a webhook POST.
      logger.info('request', { request_id: 'Zb3kqjQ8oAMEVXw=', route: 'POST /v1.0/registrar/webhook', status: 200, duration_ms: 12.34 });
    } finally {
      logger.setLogLevel(level);
      vi.restoreAllMocks();
    }
    const real = JSON.parse(chunks.join('')) as Record<string, unknown>;
    const sample = JSON.parse(sampleLogLines.functionAccessLog) as Record<string, unknown>;
    // On Lambda, shared/log.ts adds the X-Ray trace id (from _X_AMZN_TRACE_ID); locally there is none.
    expect(Object.keys(sample).sort()).toEqual([...Object.keys(real), 'xray_trace_id'].sort());
    const { xray_trace_id: traceId, ...rest } = sample;
    expect(JSON.stringify(rest).length).toBeGreaterThanOrEqual(JSON.stringify(real).length - 5);
    expect(String(traceId)).toMatch(/^1-[0-9a-f]{8}-[0-9a-f]{24}$/);
  });

  it("counts an API Gateway access line with exactly the stage's fields", () => {
    const sample = JSON.parse(sampleLogLines.apiAccessLog) as Record<string, unknown>;
    expect(Object.keys(sample)).toEqual(Object.keys(accessLogFields));
    for (const value of Object.values(sample)) expect(typeof value).toBe('string');
  });
});

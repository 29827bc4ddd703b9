import { parseArgs } from 'node:util';
import { readEventCosts } from '../infra/registrarLoad.js';
import { type CostEstimate, costInputs, type CostInputs, defaultLogBytesPerRequest, estimateCost, readPrices } from './cost/model.js';

/**
 * npm run cost -- --devices N --refresh S [--billing provisioned|on-demand] [--json]
 * The monthly AWS cost of the registrar path, term by term (scripts/cost/model.ts; docs/cost.md).
 */

const usage = `Usage: npm run cost -- [options]
  --devices N               registered devices (default 100000)
  --refresh S               REGISTER refresh interval, seconds (default 300)
  --billing MODE            provisioned (default) or on-demand DynamoDB
  --batch N                 events per webhook POST at most (default 100, the registrar's BATCH_MAX)
  --refresh-flush S         registrar sends waiting refreshes at least this often (default 2)
  --sender-tick S           registrar's sender interval; state changes go every tick (default 0.2)
  --nodes N                 registrar (Kamailio) nodes, each batching on its own (default 1)
  --credential-ttl S        registrar's credential (HA1) cache, seconds (default 3600)
  --state-changes N         registrations + unregistrations + expiries per device per day (default 4)
  --memory MB               Lambda memory, arm64 (default 256)
  --lookup-ms MS            credential lookup duration, estimate (default 15)
  --webhook-ms MS           webhook POST duration, fixed part, estimate (default 15)
  --webhook-event-ms MS     webhook duration per event, estimate (default 2)
  --log-bytes B             CloudWatch Logs bytes per request (default ${defaultLogBytesPerRequest}: the three lines per request)
  --xray-reservoir N        X-Ray traces per second per function before sampling (default 1)
  --xray-rate F             X-Ray sampling rate beyond the reservoir (default 0.05)
  --secrets-cache S         secret cache per Lambda instance, seconds (default 300)
  --target-utilization F    provisioned autoscaling target (default 0.7)
  --json                    one JSON object: inputs, load, terms, total_usd_per_month
  --docs-table              the table of docs/cost.md (10k/100k/1M devices x 300/3600 s x both modes)
  --help`;

/** Flag -> model input; every numeric flag goes through the model's zod schema. */
const numericFlags = {
  devices: 'devices',
  refresh: 'refreshSeconds',
  batch: 'eventsPerBatch',
  'refresh-flush': 'refreshFlushSeconds',
  'sender-tick': 'senderTickSeconds',
  nodes: 'registrarNodes',
  'credential-ttl': 'credentialCacheSeconds',
  'state-changes': 'stateChangesPerDevicePerDay',
  memory: 'lambdaMemoryMb',
  'lookup-ms': 'lookupMs',
  'webhook-ms': 'webhookMs',
  'webhook-event-ms': 'webhookEventMs',
  'log-bytes': 'logBytesPerRequest',
  'xray-reservoir': 'xrayReservoirPerSecond',
  'xray-rate': 'xrayRate',
  'secrets-cache': 'secretsCacheSeconds',
  'target-utilization': 'targetUtilization',
} as const satisfies Record<string, keyof CostInputs>;

class UsageError extends Error {}

function parse(argv: string[]) {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        ...Object.fromEntries(Object.keys(numericFlags).map((flag) => [flag, { type: 'string' as const }])),
        billing: { type: 'string' },
        json: { type: 'boolean' },
        'docs-table': { type: 'boolean' },
        help: { type: 'boolean' },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  const input: Record<string, unknown> = { devices: 100_000, refreshSeconds: 300 };
  for (const [flag, key] of Object.entries(numericFlags)) {
    const raw = values[flag];
    if (raw === undefined) continue;
    const value = Number(raw);
    if (typeof raw !== 'string' || raw.trim() === '' || !Number.isFinite(value)) throw new UsageError(`--${flag} must be a number, got ${JSON.stringify(raw)}`);
    input[key] = value;
  }
  if (values.billing !== undefined) input.billing = values.billing;
  const checked = costInputs.safeParse(input);
  if (!checked.success) {
    const byKey = Object.fromEntries(Object.entries(numericFlags).map(([flag, key]) => [key, `--${flag}`]));
    const issue = checked.error.issues[0]!;
    const key = String(issue.path[0]);
    throw new UsageError(`${byKey[key] ?? `--${key}`}: ${issue.message}`);
  }
  return { input: input as CostInputs, json: values.json === true, docsTable: values['docs-table'] === true, help: values.help === true };
}

const money = (usd: number) => `$${usd.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;

function text(estimate: CostEstimate, other: CostEstimate): string {
  const { inputs, load } = estimate;
  const lines = [
    `Registrar path, ${inputs.devices.toLocaleString('en-US')} devices refreshing every ${inputs.refreshSeconds} s, DynamoDB ${estimate.billing}`,
    `  credential lookups ${load.requests_per_second.credentials.toFixed(1)}/s, webhook POSTs ${load.requests_per_second.webhook.toFixed(1)}/s, ` +
      `DynamoDB ${load.dynamodb_units_per_second.write.toFixed(1)} writes/s + ${load.dynamodb_units_per_second.index_write.toFixed(1)} index writes/s, ${load.dynamodb_units_per_second.read.toFixed(1)} reads/s`,
    `  prices: ${estimate.prices.region}, ${estimate.prices.date}`,
    '',
  ];
  const width = Math.max(...Object.keys(estimate.terms).map((name) => name.length));
  for (const [name, term] of Object.entries(estimate.terms)) {
    lines.push(`  ${name.padEnd(width)}  ${money(term.usd_per_month).padStart(11)}  ${term.quantity.toLocaleString('en-US')} ${term.unit}: ${term.what}`);
  }
  lines.push(`  ${'total'.padEnd(width)}  ${money(estimate.total_usd_per_month).padStart(11)}  per month`);
  lines.push('', `  (${other.billing}: ${money(other.total_usd_per_month)} per month)`);
  return lines.join('\n');
}

/** The table in docs/cost.md; test/cost.test.ts checks the document still says exactly this. */
function docsTable(input: CostInputs, estimate: (input: CostInputs) => CostEstimate): string {
  const rows = ['| devices | refresh | provisioned | on-demand |', '| ---: | ---: | ---: | ---: |'];
  for (const devices of [10_000, 100_000, 1_000_000]) {
    for (const refreshSeconds of [300, 3600]) {
      const cost = (billing: 'provisioned' | 'on-demand') => money(estimate({ ...input, devices, refreshSeconds, billing }).total_usd_per_month);
      rows.push(`| ${devices.toLocaleString('en-US')} | ${refreshSeconds} s | ${cost('provisioned')} | ${cost('on-demand')} |`);
    }
  }
  return rows.join('\n');
}

function main(argv: string[]): number {
  let options;
  try {
    options = parse(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`cost: ${error.message}\n\n${usage}`);
    return 2;
  }
  if (options.help) {
    console.log(usage);
    return 0;
  }
  const costs = readEventCosts();
  const prices = readPrices();
  const estimate = (input: CostInputs) => estimateCost(input, costs, prices);
  if (options.docsTable) {
    console.log(docsTable(options.input, estimate));
    return 0;
  }
  const result = estimate(options.input);
  if (options.json) {
    console.log(JSON.stringify(result, null, 2));
    return 0;
  }
  const otherBilling = result.billing === 'provisioned' ? 'on-demand' : 'provisioned';
  console.log(text(result, estimate({ ...options.input, billing: otherBilling })));
  return 0;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (error) {
  console.error(`cost: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as z from 'zod';
import { type EventCosts, registrarLoad, registrarLoadInputs, type RegistrarLoad } from '../../infra/registrarLoad.js';
import { provisionedUnits, sizingDefaults, tableCapacity } from '../../infra/registrarSizing.js';

/**
 * Monthly AWS cost of the registrar path (credential lookups and webhooks) from the load model
 * and a prices file. Customer API traffic, storage, backups and free tiers are left out: this
 * prices what grows with devices and refreshes. Every number it assumes is an input below.
 */

const usd = z.number().min(0);
export const pricesSchema = z.object({
  region: z.string(),
  date: z.iso.date(),
  source: z.string().min(1),
  api_gateway: z.object({ usd_per_million_requests: usd, metered_request_bytes: z.number().int().positive() }),
  lambda: z.object({ usd_per_million_requests: usd, usd_per_gb_second_arm64: usd }),
  dynamodb: z.object({
    on_demand: z.object({ usd_per_million_write_units: usd, usd_per_million_read_units: usd }),
    provisioned: z.object({ usd_per_wcu_hour: usd, usd_per_rcu_hour: usd }),
  }),
  cloudwatch_logs: z.object({ usd_per_gb_ingested: usd }),
  xray: z.object({ usd_per_million_traces_recorded: usd }),
  secrets_manager: z.object({ usd_per_secret_month: usd, usd_per_10k_api_calls: usd }),
});
export type Prices = z.output<typeof pricesSchema>;

export const pricesFile = fileURLToPath(new URL('./prices-us-east-1.json', import.meta.url));

export function readPrices(file = pricesFile): Prices {
  const parsed = pricesSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success) throw new Error(`${file}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

/**
 * What one request writes to CloudWatch Logs, as real lines of today's shapes (tested against
 * the code in test/cost.test.ts): our function's access log line (shared/http/handler.ts, with
 * the X-Ray trace id Powertools adds on Lambda), Lambda's own START/END/REPORT lines (with the
 * XRAY line of active tracing), and API Gateway's access log line (infra/api.ts).
 */
export const sampleLogLines = {
  functionAccessLog:
    '{"level":"INFO","message":"request","timestamp":"2026-12-01T21:01:58.492Z","service":"sip-registry","sampling_rate":0,"xray_trace_id":"1-674cd0a6-3f0b2c9d8e7a6b5c4d3e2f1a","request_id":"Zb3kqjQ8oAMEVXw=","route":"POST /v1.0/registrar/webhook","status":200,"duration_ms":12.34}\n',
  lambdaPlatform:
    'START RequestId: 8f5e1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b Version: $LATEST\n' +
    'END RequestId: 8f5e1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b\n' +
    'REPORT RequestId: 8f5e1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b\tDuration: 14.52 ms\tBilled Duration: 15 ms\tMemory Size: 256 MB\tMax Memory Used: 94 MB\t\n' +
    'XRAY TraceId: 1-674cd0a6-3f0b2c9d8e7a6b5c4d3e2f1a\tSegmentId: 0a1b2c3d4e5f6a7b\tSampled: true\t\n',
  apiAccessLog:
    '{"requestId":"Zb3kqjQ8oAMEVXw=","requestTime":"01/Dec/2026:21:01:58 +0000","routeKey":"POST /v1.0/registrar/webhook","method":"POST","path":"/v1.0/registrar/webhook","status":"200","protocol":"HTTP/1.1","responseLength":"24","latency":"35","integrationLatency":"31","integrationStatus":"200","integrationError":"-","error":"-","sourceIp":"203.0.113.10","userAgent":"sip-registry-registrar"}\n',
};
export const defaultLogBytesPerRequest = Object.values(sampleLogLines).reduce((sum, line) => sum + Buffer.byteLength(line), 0);

/**
 * The registrar caps a batch's events at about BATCH_BYTES (registrar/kamailio/kamailio.cfg),
 * so a webhook POST is always one metered API Gateway request (512 KB).
 */
export const WEBHOOK_BATCH_MAX_BYTES = 40_000;

export const costInputs = registrarLoadInputs.extend({
  billing: z.enum(['provisioned', 'on-demand']).default('provisioned'),
  /** Memory of the registrar functions (infra/routeFunction.ts), arm64. */
  lambdaMemoryMb: z.number().int().min(128).max(10_240).default(256),
  /** Estimate: warm credential lookup, one GetItem plus auth and logging. */
  lookupMs: z.number().positive().default(15),
  /** Estimate: a webhook POST costs this much plus webhookEventMs per event it carries. */
  webhookMs: z.number().positive().default(15),
  webhookEventMs: z.number().min(0).default(2),
  /** CloudWatch Logs bytes per request, all three lines (see sampleLogLines). */
  logBytesPerRequest: z.number().int().min(0).default(defaultLogBytesPerRequest),
  /** Lambda active tracing's default sampling: the first request each second, then 5 %. Per function. */
  xrayReservoirPerSecond: z.number().min(0).default(1),
  xrayRate: z.number().min(0).max(1).default(0.05),
  /** Each function instance re-reads the registrar secret this often (shared/registrar/secrets.ts). */
  secretsCacheSeconds: z.number().int().positive().default(300),
  /** Provisioned mode: autoscaling's target utilization. */
  targetUtilization: z.number().gt(0).max(1).default(sizingDefaults.targetUtilization),
});
export type CostInputs = z.input<typeof costInputs>;
export type CostSettings = z.output<typeof costInputs>;

export interface CostTerm {
  usd_per_month: number;
  quantity: number;
  unit: string;
  what: string;
}

export interface CostEstimate {
  billing: CostSettings['billing'];
  inputs: CostSettings;
  prices: { region: string; date: string; source: string };
  load: {
    requests_per_second: RegistrarLoad['requestsPerSecond'];
    events_per_second: RegistrarLoad['eventsPerSecond'];
    dynamodb_units_per_second: { read: number; write: number; index_write: number };
    provisioned_units?: { read: number; write: number };
  };
  terms: Record<string, CostTerm>;
  total_usd_per_month: number;
}

/** A 30-day month, as AWS's examples count (100,000 devices at 300 s = 864 M refreshes). */
export const SECONDS_PER_MONTH = 30 * 86_400;
export const HOURS_PER_MONTH = SECONDS_PER_MONTH / 3600;

const cents = (x: number) => Math.round(x * 100) / 100;

export function estimateCost(input: CostInputs, costs: EventCosts, prices: Prices): CostEstimate {
  const inputs = costInputs.parse(input);
  const load = registrarLoad(inputs, costs);
  const perMonth = (perSecond: number) => perSecond * SECONDS_PER_MONTH;
  const { credentials, webhook } = load.requestsPerSecond;
  const requests = perMonth(credentials + webhook);
  const terms: Record<string, CostTerm> = {};
  const term = (name: string, usdPerMonth: number, quantity: number, unit: string, what: string) => {
    terms[name] = { usd_per_month: cents(usdPerMonth), quantity: Number(quantity.toPrecision(6)), unit, what };
  };

  const meteredPerBatch = Math.ceil(WEBHOOK_BATCH_MAX_BYTES / prices.api_gateway.metered_request_bytes);
  const meteredRequests =
    perMonth(credentials + load.webhookPostsPerSecond.stateChanges) + perMonth(load.webhookPostsPerSecond.refreshes) * meteredPerBatch;
  term('api_gateway_requests', (meteredRequests / 1e6) * prices.api_gateway.usd_per_million_requests, meteredRequests, 'requests', 'HTTP API requests: credential lookups and webhook POSTs (each under 512 KB)');

  term('lambda_requests', (requests / 1e6) * prices.lambda.usd_per_million_requests, requests, 'invocations', 'one invocation per API request');

  // A POST's duration: a fixed part plus a part per event it carries (all events are carried once).
  const events = Object.values(load.eventsPerSecond).reduce((sum, rate) => sum + rate, 0);
  const durationSecondsPerSecond = {
    credentials: (credentials * inputs.lookupMs) / 1000,
    webhook: (webhook * inputs.webhookMs + events * inputs.webhookEventMs) / 1000,
  };
  const gbSeconds = perMonth(durationSecondsPerSecond.credentials + durationSecondsPerSecond.webhook) * (inputs.lambdaMemoryMb / 1024);
  term('lambda_compute', gbSeconds * prices.lambda.usd_per_gb_second_arm64, gbSeconds, 'GB-seconds', `arm64, ${inputs.lambdaMemoryMb} MB, estimated durations`);

  const { readUnitsPerSecond, writeUnitsPerSecond, indexWriteUnitsPerSecond } = load.dynamodb;
  let provisioned: { read: number; write: number } | undefined;
  if (inputs.billing === 'on-demand') {
    const writes = perMonth(writeUnitsPerSecond + indexWriteUnitsPerSecond);
    const reads = perMonth(readUnitsPerSecond);
    term('dynamodb_writes', (writes / 1e6) * prices.dynamodb.on_demand.usd_per_million_write_units, writes, 'write request units', 'on-demand, table and index writes');
    term('dynamodb_reads', (reads / 1e6) * prices.dynamodb.on_demand.usd_per_million_read_units, reads, 'read request units', 'on-demand, strongly consistent reads');
  } else {
    provisioned = provisionedUnits(tableCapacity(load, { targetUtilization: inputs.targetUtilization }));
    const wcuHours = provisioned.write * HOURS_PER_MONTH;
    const rcuHours = provisioned.read * HOURS_PER_MONTH;
    term('dynamodb_write_capacity', wcuHours * prices.dynamodb.provisioned.usd_per_wcu_hour, wcuHours, 'WCU-hours', `table + ${Object.keys(tableCapacity(load).indexes).length} GSIs at ${inputs.targetUtilization * 100} % target utilization, ${sizingDefaults.minCapacityUnits} units minimum each`);
    term('dynamodb_read_capacity', rcuHours * prices.dynamodb.provisioned.usd_per_rcu_hour, rcuHours, 'RCU-hours', 'likewise, reads');
  }

  const logGb = (requests * inputs.logBytesPerRequest) / 1e9;
  term('cloudwatch_logs', logGb * prices.cloudwatch_logs.usd_per_gb_ingested, logGb, 'GB ingested', `${inputs.logBytesPerRequest} bytes per request: function access line, Lambda platform lines, API access line`);

  const sampled = (rate: number) => Math.min(rate, inputs.xrayReservoirPerSecond) + inputs.xrayRate * Math.max(0, rate - inputs.xrayReservoirPerSecond);
  const traces = perMonth(sampled(credentials) + sampled(webhook));
  term('xray_traces', (traces / 1e6) * prices.xray.usd_per_million_traces_recorded, traces, 'traces', `Lambda active tracing, ${inputs.xrayReservoirPerSecond}/s + ${inputs.xrayRate * 100} % per function`);

  // Little's law gives the instances busy at once; one more per function stays warm between them.
  const instances = Math.ceil(durationSecondsPerSecond.credentials) + Math.ceil(durationSecondsPerSecond.webhook) + 2;
  const secretCalls = (instances * SECONDS_PER_MONTH) / inputs.secretsCacheSeconds;
  term(
    'secrets_manager',
    prices.secrets_manager.usd_per_secret_month + (secretCalls / 10_000) * prices.secrets_manager.usd_per_10k_api_calls,
    secretCalls,
    'API calls',
    `the registrar secret, re-read every ${inputs.secretsCacheSeconds} s by ${instances} instances`,
  );

  const total = Object.values(terms).reduce((sum, t) => sum + t.usd_per_month, 0);
  return {
    billing: inputs.billing,
    inputs,
    prices: { region: prices.region, date: prices.date, source: prices.source },
    load: {
      requests_per_second: load.requestsPerSecond,
      events_per_second: load.eventsPerSecond,
      dynamodb_units_per_second: { read: readUnitsPerSecond, write: writeUnitsPerSecond, index_write: indexWriteUnitsPerSecond },
      ...(provisioned ? { provisioned_units: provisioned } : {}),
    },
    terms,
    total_usd_per_month: cents(total),
  };
}

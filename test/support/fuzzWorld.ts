import { createHash } from 'node:crypto';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { createCustomer } from '../../shared/domain/customers.js';
import { db, tableName } from '../../shared/table/client.js';
import { ensureTable } from '../../shared/table/ensure.js';
import { invoke } from './fuzzInvoke.js';
import { updateConfig } from '../../shared/config.js';

/** The real things a hostile request can name: the caller's own, and another customer's. */
export interface FuzzCustomer {
  customerId: string;
  token: string;
  accessKeyIds: string[];
  domainIds: string[];
  extensionIds: string[];
  realms: string[];
  /** A real next_page_token of each listing (page_size=1), keyed by list path. */
  pageTokens: Record<string, string>;
}

export interface FuzzWorld {
  own: FuzzCustomer;
  foreign: FuzzCustomer;
  /** A key of the caller's that was deleted. */
  revokedToken: string;
  registrarSecret: string;
}

/**
 * A table of its own for the fuzz run (this test file's process only): the digest of the
 * whole table then changes only through the fuzzer's requests, not other test files'.
 */
export async function useOwnTable(): Promise<() => Promise<void>> {
  const name = `sip-registry-fuzz-${process.pid}-${Date.now()}`;
  const client = new DynamoDBClient({
    endpoint: process.env.DYNAMODB_ENDPOINT,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  await ensureTable(client, name);
  updateConfig({ tableName: name });
  return async () => {
    await client.send(new DeleteTableCommand({ TableName: name }));
    client.destroy();
  };
}

async function call(method: string, url: string, token: string, body?: unknown) {
  const reply = await invoke({
    method,
    url: `${url}${url.includes('?') ? '&' : '?'}token=${encodeURIComponent(token)}`,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: Buffer.from(JSON.stringify(body)) }),
  });
  if (reply.status !== 200) throw new Error(`fuzz world: ${method} ${url} answered ${reply.status} ${reply.text}`);
  return reply.body as Record<string, any>;
}

async function newFuzzCustomer(label: string): Promise<FuzzCustomer> {
  const { customer, accessKey } = await createCustomer(`fuzz ${label}`);
  const token = accessKey.token;
  const second = await call('POST', '/v1.0/accesskeys', token, { name: `${label} second` });
  const domains = [
    await call('POST', '/v1.0/domains', token, { domain_name: `fuzz-${label}-${customer.id.slice(0, 8)}-a` }),
    await call('POST', '/v1.0/domains', token, { domain_name: `fuzz-${label}-${customer.id.slice(0, 8)}-b` }),
  ];
  const extensions = [
    await call('POST', '/v1.0/extensions', token, { domain_id: domains[0]!.id, extension: '100' }),
    await call('POST', '/v1.0/extensions', token, { domain_id: domains[0]!.id, extension: '101' }),
  ];
  const pageTokens: Record<string, string> = {};
  for (const list of ['/v1.0/accesskeys', '/v1.0/domains', '/v1.0/extensions', `/v1.0/extensions?domain_id=${domains[0]!.id}`]) {
    const page = await call('GET', `${list}${list.includes('?') ? '&' : '?'}page_size=1`, token);
    if (page.next_page_token) pageTokens[list] = page.next_page_token as string;
  }
  return {
    customerId: customer.id,
    token,
    accessKeyIds: [accessKey.id, second.id as string],
    domainIds: domains.map((d) => d.id as string),
    extensionIds: extensions.map((e) => e.id as string),
    realms: domains.map((d) => d.realm as string),
    pageTokens,
  };
}

export async function buildFuzzWorld(registrarSecret: string): Promise<FuzzWorld> {
  const own = await newFuzzCustomer('own');
  const foreign = await newFuzzCustomer('foreign');
  const revoked = await call('POST', '/v1.0/accesskeys', own.token, { name: 'revoked' });
  await call('DELETE', `/v1.0/accesskeys/${revoked.id}`, own.token);
  return { own, foreign, revokedToken: revoked.token as string, registrarSecret };
}

const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'TransactWriteItems', 'BatchWriteItem']);

/**
 * Counts the write commands the handlers send (they all use the one db() client). The fuzz
 * table is this process's own, so a request that sent none cannot have changed it: the
 * digest (a Scan) is taken only after requests that sent a write.
 */
export function countWrites(): () => number {
  let writes = 0;
  db().middlewareStack.add(
    (next, context) => async (args) => {
      if (WRITES.has(String(context.commandName).replace(/Command$/, ''))) writes += 1;
      return next(args);
    },
    { step: 'initialize', name: 'fuzzWriteCounter' },
  );
  return () => writes;
}

/**
 * What a rejected request may leave behind: nothing, except the stored reply of a request
 * that carried an Idempotency-Key (README, Idempotent POSTs: the route's own 4xx is kept).
 */
const ALLOWED_ON_REJECTION = (item: Record<string, unknown>) => item.entity === 'idempotency_key';

/** A digest of every item of the fuzz table (a test-only Scan, strongly consistent). */
export async function tableDigest(): Promise<{ digest: string; items: number }> {
  const lines: string[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await db().send(new ScanCommand({ TableName: tableName(), ConsistentRead: true, ExclusiveStartKey: start }));
    for (const item of page.Items ?? []) if (!ALLOWED_ON_REJECTION(item)) lines.push(canonical(item));
    start = page.LastEvaluatedKey;
  } while (start);
  lines.sort();
  return { digest: createHash('sha256').update(lines.join('\n')).digest('hex'), items: lines.length };
}

function canonical(value: unknown): string {
  if (value instanceof Set) return `Set(${[...value].map(canonical).sort().join(',')})`;
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object' && !(value instanceof Uint8Array)) {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value instanceof Uint8Array ? Buffer.from(value).toString('base64') : value);
}

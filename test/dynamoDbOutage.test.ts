import { updateConfig } from '../shared/config.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { directHashKey, domainNameKey, sipCredentialKey } from '../shared/table/keys.js';
import { expectEnvelope, newCustomer, useApi, type ApiResponse } from './support/api.js';
import { startKillableDynamoDb, type KillableDynamoDb } from './support/dynamoDbLocal.js';

/**
 * This file runs against a DynamoDB Local of its own (on disk, so its data survives a
 * crash), which it kills and brings back: issue 12.2 (503 + Retry-After instead of 500)
 * and 12.9 (a crash under write load loses or half-writes nothing).
 */
let ddb: KillableDynamoDb;
beforeAll(async () => {
  ddb = await startKillableDynamoDb();
  // Configuration is fixed per process (shared/config.ts): point this file's at its own database.
  updateConfig({ dynamodbEndpoint: ddb.endpoint, tableName: ddb.tableName });
}, 60_000);
afterAll(async () => {
  ddb?.thaw();
  await ddb?.dispose();
});
const api = useApi();

/** How long DynamoDB Local may keep an acknowledged transaction in memory (see below). */
const DYNAMODB_LOCAL_WRITE_BEHIND_MS = 2000;

/** No request may hang: whatever the database does, an answer within this bound. */
const ANSWER_BOUND_MS = 10_000;

async function timed(call: () => Promise<ApiResponse>) {
  const started = performance.now();
  const reply = await call();
  return { reply, ms: performance.now() - started };
}

function expectDatabaseUnavailable(reply: ApiResponse) {
  expectEnvelope(reply, 503, 'UNAVAILABLE', 'DATABASE_UNAVAILABLE');
  expect(Number(reply.headers.get('retry-after'))).toBeGreaterThan(0);
}

describe('the database is unavailable', () => {
  it('answers 503 DATABASE_UNAVAILABLE with Retry-After on every kind of route while it is down, and 200 once it is back', async () => {
    const { token } = await newCustomer();
    const domain = await api.call('POST', '/v1.0/domains', { token, body: { domain_name: `out${Date.now().toString(36)}` } });
    expect(domain.status).toBe(200);
    expect((await api.call('GET', '/v1.0/accesskeys', { token })).status).toBe(200);

    await ddb.kill();
    const calls: [string, () => Promise<ApiResponse>][] = [
      ['list (cached key)', () => api.call('GET', '/v1.0/accesskeys', { token })],
      ['create', () => api.call('POST', '/v1.0/extensions', { token, body: { domain_id: domain.body.id, extension: '2001' } })],
      ['update', () => api.call('PUT', `/v1.0/domains/${domain.body.id}`, { token, body: { name: 'x' } })],
      ['delete', () => api.call('DELETE', `/v1.0/domains/${domain.body.id}`, { token })],
      ['authentication itself', () => api.call('GET', '/v1.0/me', { token: 'a-key-never-cached' })],
    ];
    for (const [what, call] of calls) {
      const { reply, ms } = await timed(call);
      expect(reply.status, `${what}: ${reply.text}`).toBe(503);
      expectDatabaseUnavailable(reply);
      expect(ms, what).toBeLessThan(ANSWER_BOUND_MS);
    }
    const health = await api.call('GET', '/v1.0/health');
    expect(health.status).toBe(503);

    await ddb.restart();
    expect((await api.call('GET', '/v1.0/accesskeys', { token })).status).toBe(200);
    // Nothing the 503s refused was done.
    const after = await api.call('GET', `/v1.0/domains/${domain.body.id}`, { token });
    expect(after.status).toBe(200);
    expect(after.body.name).not.toBe('x');
  }, 120_000);

  it('answers 503 within the bound when the database accepts connections but never answers', async () => {
    const { token } = await newCustomer('frozen');
    ddb.freeze();
    try {
      const { reply, ms } = await timed(() => api.call('GET', '/v1.0/me', { token: `${token}-not-cached` }));
      expectDatabaseUnavailable(reply);
      expect(ms).toBeLessThan(ANSWER_BOUND_MS);
    } finally {
      ddb.thaw();
    }
    expect((await api.call('GET', '/v1.0/me', { token })).status).toBe(200);
  }, 60_000);
});

interface Attempt {
  op: 'create-extension' | 'update-extension' | 'delete-extension' | 'create-domain' | 'delete-domain';
  id?: string;
  name?: string;
  status: number;
  ms: number;
  at: number;
}

describe('DynamoDB Local killed during a write load and brought back', () => {
  it('every client gets an answer within the bound, every 200 was really written, and every invariant holds', async () => {
    const { token, customerId } = await newCustomer('fault');
    const domains: string[] = [];
    for (let i = 0; i < 2; i++) {
      const created = await api.call('POST', '/v1.0/domains', { token, body: { domain_name: `flt${i}${Date.now().toString(36)}` } });
      expect(created.status).toBe(200);
      domains.push(created.body.id);
    }

    const attempts: Attempt[] = [];
    let stop = false;
    const record = async (op: Attempt['op'], call: () => Promise<ApiResponse>, id?: string, name?: string) => {
      const at = performance.now();
      const { reply, ms } = await timed(call);
      // Never a 500: a failure of the database is a 503 the client can retry.
      if (reply.status === 503) expectDatabaseUnavailable(reply);
      attempts.push({ op, id: id ?? (op.startsWith('create') && reply.status === 200 ? reply.body.id : undefined), name, status: reply.status, ms, at });
      return reply;
    };

    // Each worker owns the extensions and domains it creates, so its operations on them are ordered.
    const worker = async (w: number) => {
      const mine: string[] = [];
      for (let i = 0; !stop && i < 400; i++) {
        const choice = i % 5;
        if (choice <= 1 || mine.length === 0) {
          await record('create-extension', () =>
            api.call('POST', '/v1.0/extensions', { token, body: { domain_id: domains[i % 2], extension: `${w}${String(i).padStart(4, '0')}` } }),
          ).then((r) => r.status === 200 && mine.push(r.body.id));
        } else if (choice === 2) {
          const id = mine[i % mine.length]!;
          const name = `w${w}-${i}`;
          await record('update-extension', () => api.call('PUT', `/v1.0/extensions/${id}`, { token, body: { name } }), id, name);
        } else if (choice === 3) {
          const id = mine.shift()!;
          await record('delete-extension', () => api.call('DELETE', `/v1.0/extensions/${id}`, { token }), id);
        } else {
          const created = await record('create-domain', () =>
            api.call('POST', '/v1.0/domains', { token, body: { domain_name: `tmp${w}x${i}${Date.now().toString(36)}` } }),
          );
          if (created.status === 200) {
            const id = created.body.id as string;
            await record('delete-domain', () => api.call('DELETE', `/v1.0/domains/${id}`, { token }), id);
          }
        }
      }
    };

    const load = Promise.all([0, 1, 2].map(worker));
    /** Bounded waits: until `count` writes succeeded since `since`, at most 30 s. */
    const successesSince = async (since: number, count: number) => {
      const deadline = performance.now() + 30_000;
      while (attempts.filter((a) => a.status === 200 && a.at >= since).length < count && performance.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };
    await successesSince(0, 40);
    const killedAt = performance.now();
    await ddb.kill();
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const restartAt = performance.now();
    await ddb.restart();
    const outage = { from: killedAt, to: restartAt };
    await successesSince(restartAt, 20);
    stop = true;
    await load;
    const phase = (a: Attempt) => (a.at < killedAt ? 'before' : a.at < restartAt ? 'outage' : 'after');
    const timeline: Record<string, Record<number, number>> = {};
    for (const a of attempts) (timeline[phase(a)] ??= {})[a.status] = (timeline[phase(a)]![a.status] ?? 0) + 1;
    console.log('fault load by phase', JSON.stringify(timeline));

    // 1. Every request was answered within the bound, never with a 5xx other than 503.
    const statuses = new Map<number, number>();
    for (const a of attempts) statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);
    const summary = JSON.stringify(Object.fromEntries(statuses));
    for (const a of attempts) {
      expect([200, 404, 409, 503], `${a.op} ${summary}`).toContain(a.status);
      expect(a.ms, a.op).toBeLessThan(ANSWER_BOUND_MS);
    }
    const duringOutage = attempts.filter((a) => a.at > outage.from + 100 && a.at + a.ms < outage.to);
    expect(duringOutage.length, summary).toBeGreaterThan(0);
    expect(duringOutage.every((a) => a.status === 503), summary).toBe(true);
    expect(attempts.filter((a) => a.status === 200 && a.at > outage.to).length, `writes resumed: ${summary}`).toBeGreaterThan(0);

    // 2. Every 200 was really written: the last answered state of each resource is in the table,
    //    unless a later attempt (answered 503) may itself have been applied before the crash.
    const items = await ddb.scanAll();
    const extensions = new Map(items.filter((i) => i.entity === 'extension').map((i) => [i.id as string, i]));
    const domainItems = new Map(items.filter((i) => i.entity === 'domain').map((i) => [i.id as string, i]));
    const byId = new Map<string, Attempt[]>();
    for (const a of attempts) if (a.id) byId.set(a.id, [...(byId.get(a.id) ?? []), a]);
    // DynamoDB Local itself acknowledges a transaction up to about a second before it reaches
    // its file (measured: a TransactWriteItems answered and SIGKILLed at once is lost, both
    // items; 1.5 s later it survives). Writes answered in that window before the crash are
    // the stand-in's to lose, not ours: they are not checked; all others are.
    const durableUntil = killedAt - DYNAMODB_LOCAL_WRITE_BEHIND_MS;
    let verified = 0;
    for (const [id, list] of byId) {
      const lastOk = list.findLastIndex((a) => a.status === 200);
      if (lastOk < 0 || lastOk !== list.length - 1) continue;
      const last = list[lastOk]!;
      if (last.at + last.ms > durableUntil && last.at < restartAt) continue;
      verified++;
      if (last.op === 'delete-extension') expect(extensions.has(id), `${id} deleted`).toBe(false);
      if (last.op === 'delete-domain') expect(domainItems.has(id), `${id} deleted`).toBe(false);
      if (last.op === 'create-domain') expect(domainItems.has(id), `${id} created`).toBe(true);
      if (last.op === 'create-extension') expect(extensions.has(id), `${id} created`).toBe(true);
      if (last.op === 'update-extension') expect(extensions.get(id)?.name, `${id} updated`).toBe(last.name);
    }
    expect(verified).toBeGreaterThan(10);

    // 3. Invariants over everything of this customer.
    const mineOnly = items.filter((i) => i.customer_id === customerId);
    const get = (key: { PK: string; SK: string }) => items.find((i) => i.PK === key.PK && i.SK === key.SK);
    for (const ext of mineOnly.filter((i) => i.entity === 'extension')) {
      const credential = get(sipCredentialKey(ext.realm, ext.extension));
      expect(credential?.extension_id, `credential of ${ext.id}`).toBe(ext.id);
      expect(get(directHashKey(ext.direct_hash))?.extension_id, `direct hash of ${ext.id}`).toBe(ext.id);
      expect(domainItems.has(ext.domain_id), `domain of ${ext.id}`).toBe(true);
    }
    for (const claim of mineOnly.filter((i) => i.entity === 'sip-credential' || i.entity === 'direct-hash')) {
      expect(extensions.has(claim.extension_id), `${claim.entity} without its extension ${claim.extension_id}`).toBe(true);
    }
    for (const domain of mineOnly.filter((i) => i.entity === 'domain')) {
      expect(get(domainNameKey(domain.domain_name))?.domain_id, `name claim of ${domain.id}`).toBe(domain.id);
      const count = [...extensions.values()].filter((e) => e.domain_id === domain.id).length;
      expect(Number(domain.extension_count ?? 0), `extension_count of ${domain.id}`).toBe(count);
    }
    for (const claim of mineOnly.filter((i) => i.entity === 'domain-name')) {
      expect(domainItems.has(claim.domain_id), `name claim without its domain ${claim.domain_id}`).toBe(true);
    }
    // Printed for the report: how the load went.
    console.log(`fault load: ${attempts.length} requests ${summary}, ${duringOutage.length} during the outage, ${verified} 200s verified`);
  }, 180_000);
});

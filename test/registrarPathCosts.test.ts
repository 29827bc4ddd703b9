import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newCustomer, useApi } from './support/api.js';
import { recordDynamoDb, type RecordedCall } from './support/dynamoRecorder.js';
import { deliver, newExtension, nowSeconds, ruid, SECRET_A, useRegistrarSecrets, type Fixture } from './support/registrar.js';

/**
 * What one registrar event costs the API in DynamoDB, per kind, as Kamailio sends it
 * (registrar/kamailio/kamailio.cfg): state changes with the AOR's snapshot and the owner
 * ids from its credential cache, pure refreshes with the ids and no snapshot. The
 * figures feed the cost model (npm run cost) through bench/registrar-event-costs.json:
 * this test fails when the code and that file disagree, and rewrites the file when
 * UPDATE_EVENT_COSTS=1.
 */
useRegistrarSecrets(SECRET_A);
const api = useApi();
const COSTS_FILE = resolve(import.meta.dirname, '..', 'bench', 'registrar-event-costs.json');

interface EventCost {
  commands: Record<string, number>;
  read_units: number;
  write_units: number;
  index_write_units: number;
}

const costOf = (calls: RecordedCall[]): EventCost => {
  const commands: Record<string, number> = {};
  let read = 0;
  let write = 0;
  let indexWrite = 0;
  for (const call of calls) {
    commands[call.operation] = (commands[call.operation] ?? 0) + 1;
    for (const c of call.capacity) {
      const isWrite = !['GetItem', 'Query', 'BatchGetItem'].includes(call.operation);
      const table = c.Table?.CapacityUnits ?? c.CapacityUnits ?? 0;
      const indexes = Object.values(c.GlobalSecondaryIndexes ?? {}).reduce((sum, i) => sum + (i.CapacityUnits ?? 0), 0);
      if (isWrite) {
        write += table;
        indexWrite += indexes;
      } else read += table + indexes;
    }
  }
  return { commands, read_units: read, write_units: write, index_write_units: indexWrite };
};

/** A binding as a real phone leaves it: realistic lengths decide the item's size. */
const phoneBinding = (registrationId: string, cseq: number, expiresAt: number) => ({
  registration_id: registrationId,
  contact: 'sip:1001@192.168.178.42:5062;transport=udp;rinstance=5f1e8c2a9b7d4e61',
  received: 'sip:203.0.113.7:62338',
  user_agent: 'Yealink SIP-T46U 108.86.0.45',
  call_id: '0_2870741389@192.168.178.42',
  cseq,
  expires_at: expiresAt,
});

describe('DynamoDB work per registrar event', () => {
  let recorder: ReturnType<typeof recordDynamoDb>;
  let token = '';
  let customerId = '';
  let ext: Fixture;
  const measured: Record<string, EventCost> = {};

  beforeAll(async () => {
    ({ token, customerId } = await newCustomer('event costs'));
    ext = await newExtension(api, token);
    recorder = recordDynamoDb();
  });
  afterAll(() => recorder.stop());

  const id = ruid();
  const expiresAt = nowSeconds() + 3600;
  const owner = () => ({ customer_id: customerId, extension_id: ext.extensionId });
  const live = (cseq: number, expires = expiresAt) => phoneBinding(id, cseq, expires);

  async function measure(kind: string, event: Record<string, unknown>, expectApplied = 1) {
    recorder.clear();
    const response = await deliver(api, { events: [event] });
    expect(response.status, response.text).toBe(200);
    expect(response.body.results[0], response.text).toMatchObject({ outcome: 'applied', applied: expectApplied });
    measured[kind] = costOf(recorder.calls);
    return measured[kind]!;
  }

  it('a new binding: one Query (proves the owner, reads the stored bindings) and one write, indexed', async () => {
    const cost = await measure('registered', {
      event: 'registered',
      aor: ext.aor,
      ...owner(),
      binding: live(2),
      bindings: [live(2)],
      event_time: nowSeconds() - 30,
    });
    expect(cost.commands).toEqual({ Query: 1, UpdateItem: 1 });
    expect(cost.write_units).toBe(1);
  });

  it('a refresh: exactly one UpdateItem, one write unit, no read, no index write', async () => {
    const cost = await measure('refreshed', {
      event: 'refreshed',
      aor: ext.aor,
      ...owner(),
      binding: live(4, expiresAt + 300),
      event_time: nowSeconds() - 20,
    });
    expect(cost).toEqual({ commands: { UpdateItem: 1 }, read_units: 0, write_units: 1, index_write_units: 0 });
  });

  it('an unregistration: one Query and one write', async () => {
    const cost = await measure('unregistered', {
      event: 'unregistered',
      aor: ext.aor,
      ...owner(),
      binding: { ...live(6), expires_at: nowSeconds() },
      bindings: [],
      event_time: nowSeconds() - 10,
    });
    expect(cost.commands).toEqual({ Query: 1, UpdateItem: 1 });
    expect(cost.index_write_units).toBe(0);
  });

  it('an expiry: one Query and one write', async () => {
    const other = ruid();
    await deliver(api, {
      event: 'registered',
      aor: ext.aor,
      ...owner(),
      binding: phoneBinding(other, 1, nowSeconds() - 1),
      event_time: nowSeconds() - 60,
    });
    const cost = await measure('expired', {
      event: 'expired',
      aor: ext.aor,
      ...owner(),
      binding: phoneBinding(other, 1, nowSeconds() - 1),
      bindings: [],
      event_time: nowSeconds() - 5,
    });
    expect(cost.commands).toEqual({ Query: 1, UpdateItem: 1 });
    expect(cost.index_write_units).toBe(0);
  });

  it('a credential lookup (cache miss at the registrar): one GetItem', async () => {
    recorder.clear();
    const response = await api.call('GET', `/v1.0/registrar/credentials?username=${ext.username}&realm=${ext.realm}`, {
      headers: { authorization: `Bearer ${SECRET_A}` },
    });
    expect(response.status, response.text).toBe(200);
    const cost = costOf(recorder.calls);
    expect(cost.commands).toEqual({ GetItem: 1 });
    measured.credential_lookup = cost;
  });

  it('matches bench/registrar-event-costs.json, which the cost model reads', () => {
    const file = JSON.parse(readFileSync(COSTS_FILE, 'utf8'));
    const { credential_lookup, ...events } = measured;
    if (process.env.UPDATE_EVENT_COSTS === '1') {
      writeFileSync(COSTS_FILE, `${JSON.stringify({ ...file, events, credential_lookup }, null, 2)}\n`);
      return;
    }
    expect({ events: file.events, credential_lookup: file.credential_lookup }).toEqual({ events, credential_lookup });
  });
});

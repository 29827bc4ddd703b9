import { beforeAll, describe, expect, it } from 'vitest';
import { MAX_BATCH_EVENTS } from '../shared/schemas/registrarEvents.js';
import { queryBindings } from '../shared/store/bindings.js';
import { expectEnvelope, newCustomerWithDomain, useApi } from './support/api.js';
import {
  binding,
  deliver,
  newExtension,
  nowSeconds,
  ruid,
  SECRET_A,
  sign,
  useRegistrarSecrets,
  withoutCountdown,
  type Fixture,
} from './support/registrar.js';

/**
 * Protocol 2 (docs/registrar-protocol.md): many events in one signed delivery, each
 * applied as if delivered alone, with a result per event.
 */
useRegistrarSecrets(SECRET_A);
const api = useApi();

let token = '';
let customerId = '';
let domain: { id: string; realm: string };
beforeAll(async () => {
  ({ token, customerId, domain } = await newCustomerWithDomain(api, 'batches', 'batch'));
});

const fixture = () => newExtension(api, token, domain);
const regInfo = async (ext: Fixture) => {
  const response = await api.call('GET', `/v1.0/extensions/${ext.extensionId}/registrations`, { token });
  expect(response.status, response.text).toBe(200);
  return response.body as { extension_id: string; registered: boolean; registrations: any[] };
};
const registered = (ext: Fixture, id = ruid(), cseq = 2) => ({
  event: 'registered',
  aor: ext.aor,
  binding: binding({ registration_id: id, cseq, expires_at: nowSeconds() + 3600 }),
});
async function sendBatch(events: unknown[]) {
  const response = await deliver(api, { events });
  expect(response.status, response.text).toBe(200);
  return response.body as { status: 'ok'; applied: number; rejected: number; results: any[] };
}

describe('a batch', () => {
  it('applies every event as a single delivery would, with one result per event in order', async () => {
    const [a, b, c] = await Promise.all([fixture(), fixture(), fixture()]);
    const reply = await sendBatch([registered(a!), registered(b!), registered(c!)]);
    expect(reply).toEqual({
      status: 'ok',
      applied: 3,
      rejected: 0,
      results: [0, 1, 2].map((index) => ({ index, outcome: 'applied', applied: 1 })),
    });
    for (const ext of [a!, b!, c!]) expect((await regInfo(ext)).registered).toBe(true);
  });

  it('rejects only the malformed, unknown or impossible event, and says why', async () => {
    const ext = await fixture();
    const good = registered(ext);
    const alsoGood = registered(ext);
    const reply = await sendBatch([
      good,
      { event: 'registered', aor: ext.aor },
      { ...registered(ext), aor: `nobody@${ext.realm}` },
      { ...registered(ext), event_time: nowSeconds() + 100 },
      { ...registered(ext), customer_id: 'not-a-uuid', extension_id: ext.extensionId },
      42,
      alsoGood,
    ]);
    expect(reply.applied).toBe(2);
    expect(reply.rejected).toBe(5);
    expect(reply.results.map((r) => [r.outcome, r.reason])).toEqual([
      ['applied', undefined],
      ['rejected', 'INVALID_EVENT'],
      ['rejected', 'AOR_NOT_FOUND'],
      ['rejected', 'INVALID_EVENT_TIME'],
      ['rejected', 'INVALID_EVENT'],
      ['rejected', 'INVALID_EVENT'],
      ['applied', undefined],
    ]);
    expect(reply.results[1].message).toMatch(/binding/);
    const stored = (await queryBindings(customerId, ext.extensionId)).map((b) => b.registration_id).sort();
    expect(stored).toEqual([good.binding.registration_id, alsoGood.binding.registration_id].sort());
  });

  it(`is 413 with more than ${MAX_BATCH_EVENTS} events, and nothing is applied`, async () => {
    const ext = await fixture();
    const events = Array.from({ length: MAX_BATCH_EVENTS + 1 }, () => ({
      event: 'refreshed',
      aor: ext.aor,
      binding: { registration_id: ruid(), contact: 'sip:x@h', call_id: 'c', cseq: 1, expires_at: nowSeconds() + 60 },
    }));
    expectEnvelope(await deliver(api, { events }), 413, 'PAYLOAD_TOO_LARGE', 'BATCH_TOO_LARGE');
    expect(await queryBindings(customerId, ext.extensionId)).toEqual([]);
  });

  it('is 413 over 512 KB, and nothing is applied', async () => {
    const ext = await fixture();
    const events = [registered(ext), { padding: 'x'.repeat(520 * 1024) }];
    expectEnvelope(await deliver(api, { events }), 413, 'PAYLOAD_TOO_LARGE', 'BODY_TOO_LARGE');
    expect(await queryBindings(customerId, ext.extensionId)).toEqual([]);
  });

  it('is refused whole when forged or stale (401), and changes nothing when replayed', async () => {
    const ext = await fixture();
    const events = [registered(ext)];
    const text = JSON.stringify({ events });
    const now = nowSeconds();
    const forged = await api.call('POST', '/v1.0/registrar/webhook', {
      rawBody: text,
      headers: {
        'content-type': 'application/json',
        'x-registrar-timestamp': String(now),
        'x-registrar-signature': sign('not-the-secret', String(now), text),
      },
    });
    expectEnvelope(forged, 401, 'UNAUTHENTICATED');
    expectEnvelope(await deliver(api, { events }, { timestamp: now - 1000 }), 401, 'UNAUTHENTICATED');
    expect(await queryBindings(customerId, ext.extensionId)).toEqual([]);

    const first = await deliver(api, { events }, { timestamp: now });
    expect(first.body.applied).toBe(1);
    const before = withoutCountdown(await regInfo(ext));
    const replay = await deliver(api, { events }, { timestamp: now });
    expect(replay.status).toBe(200);
    expect(replay.body).toMatchObject({ applied: 0, results: [{ outcome: 'unchanged', applied: 0 }] });
    expect(withoutCountdown(await regInfo(ext))).toEqual(before);
  });

  it('applies a duplicate within one batch once', async () => {
    const ext = await fixture();
    const event = registered(ext);
    const reply = await sendBatch([event, event]);
    expect(reply.results.map((r) => r.outcome)).toEqual(['applied', 'unchanged']);
  });
});

describe('a batch in any order', () => {
  const t0 = nowSeconds() - 100;
  /** One binding's life: registered, refreshed twice, unregistered; event times in order. */
  const life = (ext: Fixture, id: string) => [
    { event: 'registered', aor: ext.aor, binding: binding({ registration_id: id, cseq: 2, expires_at: t0 + 3600 }), event_time: t0 + 1 },
    { event: 'refreshed', aor: ext.aor, binding: binding({ registration_id: id, cseq: 4, expires_at: t0 + 3700 }), event_time: t0 + 2 },
    { event: 'refreshed', aor: ext.aor, binding: binding({ registration_id: id, cseq: 6, expires_at: t0 + 3800 }), event_time: t0 + 3 },
    {
      event: 'unregistered',
      aor: ext.aor,
      binding: { registration_id: id, call_id: `call-${id}`, cseq: 8 },
      bindings: [],
      event_time: t0 + 4,
    },
  ];
  const orders = [
    [0, 1, 2, 3],
    [3, 2, 1, 0],
    [1, 3, 0, 2],
    [2, 0, 3, 1],
  ];

  /** What is stored, less the API's own clock (created_at/updated_at) and the ids. */
  const storedState = async (ext: Fixture) =>
    (await queryBindings(customerId, ext.extensionId)).map(
      ({ created_at: _c, updated_at: _u, extension_id: _e, customer_id: _cu, aor: _a, ...rest }) => rest,
    );

  it('leaves exactly what the same events delivered one by one in that order leave', async () => {
    for (const order of orders) {
      const id = ruid();
      const [inBatch, oneByOne] = await Promise.all([fixture(), fixture()]);
      await sendBatch(order.map((i) => life(inBatch!, id)[i]));
      for (const i of order) expect((await deliver(api, life(oneByOne!, id)[i])).status).toBe(200);
      const batchState = await storedState(inBatch!);
      expect(batchState, `order ${order.join(',')}`).toEqual(await storedState(oneByOne!));
      expect((await regInfo(inBatch!)).registered, `order ${order.join(',')}`).toBe(false);
    }
  });
});

describe('owner ids from the registrar cache', () => {
  const refresh = (ext: Fixture, id: string, cseq: number, ids: { customer_id: string; extension_id: string }) => ({
    event: 'refreshed',
    aor: ext.aor,
    ...ids,
    binding: binding({ registration_id: id, cseq, expires_at: nowSeconds() + 3600 }),
  });

  it('write a known binding directly, and a binding the API never saw after proving the owner', async () => {
    const ext = await fixture();
    const ids = { customer_id: customerId, extension_id: ext.extensionId };
    const id = ruid();
    // The `registered` event was lost: the refresh still creates the binding (owner proven by the lookup).
    expect((await sendBatch([refresh(ext, id, 3, ids)])).results[0].outcome).toBe('applied');
    expect((await sendBatch([refresh(ext, id, 5, ids)])).results[0].outcome).toBe('applied');
    const info = await regInfo(ext);
    expect(info.registrations.map((r) => r.registration_id)).toEqual([id]);
  });

  it("cannot put a binding into another customer's extension: the AOR decides", async () => {
    const ours = await fixture();
    const other = await newCustomerWithDomain(api, 'other tenant', 'batch-other');
    const theirs = await newExtension(api, other.token, other.domain);
    const id = ruid();
    // Our AOR with their ids: written to OUR extension, nothing in theirs.
    const reply = await sendBatch([refresh(ours, id, 3, { customer_id: other.customerId, extension_id: theirs.extensionId })]);
    expect(reply.results[0].outcome).toBe('applied');
    expect((await queryBindings(customerId, ours.extensionId)).map((b) => b.registration_id)).toEqual([id]);
    expect(await queryBindings(other.customerId, theirs.extensionId)).toEqual([]);

    // Their binding exists; a refresh naming it with our AOR and their ids still cannot touch it.
    const theirId = ruid();
    await sendBatch([refresh(theirs, theirId, 3, { customer_id: other.customerId, extension_id: theirs.extensionId })]);
    const before = await queryBindings(other.customerId, theirs.extensionId);
    await sendBatch([refresh(ours, theirId, 9, { customer_id: other.customerId, extension_id: theirs.extensionId })]);
    expect(await queryBindings(other.customerId, theirs.extensionId)).toEqual(before);
  });

  it('ignore a stale refresh of a known binding without any read', async () => {
    const ext = await fixture();
    const ids = { customer_id: customerId, extension_id: ext.extensionId };
    const id = ruid();
    await sendBatch([refresh(ext, id, 5, ids)]);
    const reply = await sendBatch([refresh(ext, id, 3, ids)]);
    expect(reply.results[0].outcome).toBe('unchanged');
  });
});

describe('deleting an extension with many bindings', () => {
  it('removes them all, also beyond what its delete transaction holds (batch deletes after the commit)', async () => {
    const ext = await fixture();
    const events = Array.from({ length: 120 }, () => registered(ext));
    expect((await sendBatch(events)).applied).toBe(120);
    expect(await queryBindings(customerId, ext.extensionId)).toHaveLength(120);
    const deleted = await api.call('DELETE', `/v1.0/extensions/${ext.extensionId}`, { token });
    expect(deleted.status, deleted.text).toBe(200);
    expect(await queryBindings(customerId, ext.extensionId)).toEqual([]);
  });
});

import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { REGISTRAR_AUTH_REJECTED } from '../shared/http/registrarAuth.js';
import { logger } from '../shared/log.js';
import { queryBindings } from '../shared/store/bindings.js';
import { expectEnvelope, newCustomerWithDomain, useApi } from './support/api.js';
import {
  binding,
  deliver,
  newExtension,
  nowSeconds,
  ruid,
  SECRET_A,
  SECRET_B,
  sign,
  useRegistrarSecrets,
  type Fixture,
  withoutCountdown,
} from './support/registrar.js';

useRegistrarSecrets(SECRET_A, SECRET_B);
const api = useApi();

let token = '';
let customerId = '';
let domain: { id: string; realm: string };
beforeAll(async () => {
  ({ token, customerId, domain } = await newCustomerWithDomain(api, 'test customer', 'wh'));
});
afterEach(() => {
  vi.restoreAllMocks();
});

const fixture = () => newExtension(api, token, domain);
const regInfo = async (ext: Fixture) => {
  const response = await api.call('GET', `/v1.0/extensions/${ext.extensionId}/registrations`, { token });
  expect(response.status, response.text).toBe(200);
  return response.body as { extension_id: string; registered: boolean; registrations: any[] };
};
const stamp = (seconds: number) => new Date(seconds * 1000).toISOString().replace('T', ' ').replace('Z', '000');

async function send(event: unknown, timestamp?: number) {
  const response = await deliver(api, event, { timestamp });
  expect(response.status, response.text).toBe(200);
  return response.body as { status: 'ok'; applied: number };
}

describe('signature', () => {
  const event = (ext: Fixture) => ({
    event: 'registered',
    aor: ext.aor,
    binding: binding({ registration_id: ruid(), expires_at: nowSeconds() + 3600 }),
  });

  it('accepts a body signed with any configured secret', async () => {
    const ext = await fixture();
    expect((await deliver(api, event(ext), { secret: SECRET_A })).status).toBe(200);
    expect((await deliver(api, event(ext), { secret: SECRET_B })).status).toBe(200);
    expect((await regInfo(ext)).registrations).toHaveLength(2);
  });

  it('refuses bad, stale, missing and tampered signatures, writes nothing and logs only the reason', async () => {
    const ext = await fixture();
    const warn = vi.spyOn(logger, 'warn');
    const body = event(ext);
    const text = JSON.stringify(body);
    const now = nowSeconds();
    // The API's clock stands still, so ±301 s is exactly that however slow the machine is.
    vi.spyOn(Date, 'now').mockReturnValue(now * 1000);
    const attempts: [string, Parameters<typeof deliver>[2]][] = [
      ['bad_signature', { secret: 'not-the-secret' }],
      ['stale_timestamp', { timestamp: now - 301 }],
      ['stale_timestamp', { timestamp: now + 301 }],
      ['missing_signature', { headers: { 'x-registrar-signature': '' } }],
      ['missing_timestamp', { headers: { 'x-registrar-timestamp': '' } }],
      ['malformed_timestamp', { headers: { 'x-registrar-timestamp': '12.5' } }],
      ['malformed_signature', { headers: { 'x-registrar-signature': 'abc' } }],
      // Signed for one timestamp, sent with another.
      ['bad_signature', { headers: { 'x-registrar-timestamp': String(now - 1) }, timestamp: now }],
      // Body changed after signing (still valid JSON, still a valid event).
      ['bad_signature', { sendBody: text.replace('"cseq":1', '"cseq":7') }],
      ['bad_signature', { sendBody: `${text} ` }],
      // Unsigned garbage is refused as unsigned (401), not parsed first (that would be 400).
      ['bad_signature', { sendBody: '{not json' }],
      // A customer's access key is no registrar credential.
      ['bad_signature', { secret: token }],
    ];
    for (const [reason, options] of attempts) {
      warn.mockClear();
      const response = await deliver(api, body, options);
      expectEnvelope(response, 401, 'UNAUTHENTICATED');
      expect(warn, reason).toHaveBeenCalledWith(REGISTRAR_AUTH_REJECTED, { mode: 'signature', reason });
    }
    // Nor as a bearer token.
    const bearer = await api.call('POST', '/v1.0/registrar/webhook', {
      rawBody: text,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${SECRET_A}` },
    });
    expectEnvelope(bearer, 401, 'UNAUTHENTICATED');
    expect(await regInfo(ext)).toEqual({ extension_id: ext.extensionId, registered: false, registrations: [] });
    expect(await queryBindings(customerId, ext.extensionId)).toEqual([]);
    const logged = JSON.stringify(warn.mock.calls);
    for (const secret of [SECRET_A, SECRET_B, token, sign(SECRET_A, String(now), text), ext.aor]) {
      expect(logged).not.toContain(secret);
    }
  });

  it('accepts timestamps up to 300 s away', async () => {
    const ext = await fixture();
    const now = nowSeconds();
    vi.spyOn(Date, 'now').mockReturnValue(now * 1000);
    expect((await deliver(api, event(ext), { timestamp: now - 300 })).status).toBe(200);
    expect((await deliver(api, event(ext), { timestamp: now + 300 })).status).toBe(200);
  });
});

describe('payload', () => {
  it('answers 404 for an unknown AOR and 400 for a malformed event', async () => {
    const ext = await fixture();
    const b = binding({ registration_id: ruid(), expires_at: nowSeconds() + 60 });
    expectEnvelope(await deliver(api, { event: 'registered', aor: `nobody@${ext.realm}`, binding: b }), 404, 'NOT_FOUND', 'AOR_NOT_FOUND');
    expectEnvelope(await deliver(api, { event: 'registered', aor: `${ext.username}@elsewhere.sip.test`, binding: b }), 404, 'NOT_FOUND');
    expectEnvelope(await deliver(api, { event: 'registered', aor: 'no-at-sign', binding: b }), 404, 'NOT_FOUND');
    expectEnvelope(await deliver(api, { event: 'moved', aor: ext.aor, binding: b }), 400, 'INVALID_ARGUMENT');
    expectEnvelope(await deliver(api, { event: 'registered', aor: ext.aor }), 400, 'INVALID_ARGUMENT');
    expectEnvelope(await deliver(api, { event: 'unregistered', aor: ext.aor }), 400, 'INVALID_ARGUMENT');
    const { expires_at: _e, ...noExpiry } = b;
    expectEnvelope(await deliver(api, { event: 'refreshed', aor: ext.aor, binding: noExpiry }), 400, 'INVALID_ARGUMENT');
    expectEnvelope(
      await deliver(api, { event: 'registered', aor: ext.aor, binding: b, event_time: nowSeconds() + 100 }),
      400,
      'INVALID_ARGUMENT',
      'INVALID_EVENT_TIME',
    );
    expect((await regInfo(ext)).registrations).toEqual([]);
  });

  it('accepts numbers sent as strings (jansson from a pseudo-variable)', async () => {
    const ext = await fixture();
    const expiresAt = nowSeconds() + 600;
    const b = { ...binding({ registration_id: ruid(), expires_at: 0 }), cseq: '5', expires_at: String(expiresAt) };
    expect((await send({ event: 'registered', aor: ext.aor, binding: b })).applied).toBe(1);
    expect((await regInfo(ext)).registrations[0].tm_expire).toBe(stamp(expiresAt));
  });
});

describe('events', () => {
  it('registered, refreshed, duplicate, unregistered', async () => {
    const ext = await fixture();
    const id = ruid();
    const t0 = nowSeconds() - 100;
    const first = binding({ registration_id: id, cseq: 1, expires_at: t0 + 3600 });
    expect(await send({ event: 'registered', aor: ext.aor, binding: first }, t0)).toEqual({ status: 'ok', applied: 1 });
    let info = await regInfo(ext);
    expect(info.registered).toBe(true);
    expect(info.registrations).toEqual([
      {
        registration_id: id,
        contact_address: first.contact,
        real_address: first.received,
        device: first.user_agent,
        expires: expect.any(Number),
        tm_expire: stamp(t0 + 3600),
        tm_create: expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$/),
        tm_update: expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$/),
      },
    ]);
    expect(info.registrations[0].expires).toBeGreaterThan(3400);
    expect(info.registrations[0].expires).toBeLessThanOrEqual(3500);

    // Duplicate delivery (a retry re-signs with a newer timestamp): nothing changes.
    expect((await send({ event: 'registered', aor: ext.aor, binding: first }, t0 + 5)).applied).toBe(0);
    expect(withoutCountdown(await regInfo(ext))).toEqual(withoutCountdown(info));

    const refreshed = { ...first, cseq: 2, expires_at: t0 + 7200, contact: 'sip:moved@192.168.1.11:5062' };
    expect((await send({ event: 'refreshed', aor: ext.aor, binding: refreshed }, t0 + 10)).applied).toBe(1);
    info = await regInfo(ext);
    expect(info.registrations[0]).toMatchObject({ contact_address: refreshed.contact, tm_expire: stamp(t0 + 7200) });
    expect((await send({ event: 'refreshed', aor: ext.aor, binding: refreshed }, t0 + 11)).applied).toBe(0);

    const unregisterAt = t0 + 20;
    const unregistered = await send({ event: 'unregistered', aor: ext.aor, binding: { registration_id: id } }, unregisterAt);
    expect(unregistered.applied).toBe(1);
    info = await regInfo(ext);
    expect(info.registered).toBe(false);
    expect(info.registrations).toHaveLength(1);
    expect(info.registrations[0]).toMatchObject({ registration_id: id, expires: 0, tm_expire: stamp(unregisterAt) });
    expect((await send({ event: 'unregistered', aor: ext.aor, binding: { registration_id: id } }, unregisterAt + 1)).applied).toBe(0);
  });

  it('expired ends a binding; not when it was refreshed in the meantime', async () => {
    const ext = await fixture();
    const t0 = nowSeconds() - 200;
    const lapsed = binding({ registration_id: ruid(), expires_at: t0 + 60 });
    await send({ event: 'registered', aor: ext.aor, binding: lapsed }, t0);
    expect((await send({ event: 'expired', aor: ext.aor, binding: lapsed }, t0 + 70)).applied).toBe(1);
    expect((await send({ event: 'expired', aor: ext.aor, binding: lapsed }, t0 + 71)).applied).toBe(0);
    let info = await regInfo(ext);
    expect(info.registered).toBe(false);
    expect(info.registrations[0]).toMatchObject({ registration_id: lapsed.registration_id, expires: 0, tm_expire: stamp(t0 + 60) });

    const kept = binding({ registration_id: ruid(), expires_at: t0 + 60 });
    await send({ event: 'registered', aor: ext.aor, binding: kept }, t0);
    await send({ event: 'refreshed', aor: ext.aor, binding: { ...kept, cseq: 2, expires_at: t0 + 3600 } }, t0 + 50);
    expect((await send({ event: 'expired', aor: ext.aor, binding: kept }, t0 + 70)).applied).toBe(0);
    info = await regInfo(ext);
    expect(info.registered).toBe(true);
    expect(info.registrations.map((r) => r.registration_id)).toEqual([kept.registration_id]);
  });

  it('an older event of another Call-ID does not overwrite a newer one', async () => {
    const ext = await fixture();
    const id = ruid();
    const t0 = nowSeconds() - 100;
    await send({ event: 'registered', aor: ext.aor, binding: binding({ registration_id: id, call_id: 'new', expires_at: t0 + 900 }) }, t0 + 50);
    const stale = binding({ registration_id: id, call_id: 'old', cseq: 9, expires_at: t0 + 300, contact: 'sip:old@10.0.0.1' });
    expect((await send({ event: 'refreshed', aor: ext.aor, binding: stale }, t0)).applied).toBe(0);
    expect((await regInfo(ext)).registrations[0]).toMatchObject({ tm_expire: stamp(t0 + 900) });
    // A same-Call-ID event with a CSeq that is not higher is ignored whatever its timestamp.
    const sameDialog = binding({ registration_id: id, call_id: 'new', cseq: 1, expires_at: t0 + 5000 });
    expect((await send({ event: 'refreshed', aor: ext.aor, binding: sameDialog }, t0 + 90)).applied).toBe(0);
    expect((await regInfo(ext)).registrations[0]).toMatchObject({ tm_expire: stamp(t0 + 900) });
  });
});

/** Every order of `events` must end in the same state. */
function permutations<T>(items: T[]): T[][] {
  if (items.length <= 1) return [items];
  return items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]));
}

describe('out-of-order delivery converges', () => {
  type Step = { at: number; event: Record<string, unknown> };
  async function runAll(name: string, build: (ext: Fixture, id: string) => Step[], expectFinal: (info: Awaited<ReturnType<typeof regInfo>>, steps: Step[]) => void) {
    const probe = build({ aor: '' } as Fixture, 'x');
    const orders = permutations(probe.map((_, i) => i));
    await Promise.all(
      orders.map(async (order) => {
        const ext = await fixture();
        const id = ruid();
        const steps = build(ext, id);
        for (const index of order) {
          const step = steps[index]!;
          const response = await deliver(api, step.event, { timestamp: step.at });
          expect(response.status, `${name} ${order.join('')}: ${response.text}`).toBe(200);
        }
        const info = await regInfo(ext);
        try {
          expectFinal(info, steps);
        } catch (error) {
          throw new Error(`${name}, order ${order.join(',')}: ${(error as Error).message}`);
        }
      }),
    );
  }

  it('registered, refreshed, refreshed, expired (24 orders): expired at the last expiry', async () => {
    const t0 = nowSeconds() - 250;
    await runAll(
      'r/r/r/e',
      (ext, id) => {
        const b = (cseq: number, expiresAt: number) => binding({ registration_id: id, cseq, expires_at: expiresAt });
        return [
          { at: t0, event: { event: 'registered', aor: ext.aor, binding: b(1, t0 + 60) } },
          { at: t0 + 50, event: { event: 'refreshed', aor: ext.aor, binding: b(2, t0 + 110) } },
          { at: t0 + 100, event: { event: 'refreshed', aor: ext.aor, binding: b(3, t0 + 160) } },
          { at: t0 + 170, event: { event: 'expired', aor: ext.aor, binding: b(3, t0 + 160) } },
        ];
      },
      (info) => {
        expect(info.registered).toBe(false);
        expect(info.registrations).toHaveLength(1);
        expect(info.registrations[0]).toMatchObject({ expires: 0, tm_expire: stamp(t0 + 160) });
      },
    );
  });

  it('registered, stale expired, refreshed (6 orders): live at the refreshed expiry', async () => {
    const t0 = nowSeconds() - 250;
    await runAll(
      'r/e/r',
      (ext, id) => {
        const b = (cseq: number, expiresAt: number) => binding({ registration_id: id, cseq, expires_at: expiresAt });
        return [
          { at: t0, event: { event: 'registered', aor: ext.aor, binding: b(1, t0 + 60) } },
          { at: t0 + 65, event: { event: 'expired', aor: ext.aor, binding: b(1, t0 + 60) } },
          { at: t0 + 50, event: { event: 'refreshed', aor: ext.aor, binding: b(2, t0 + 3600) } },
        ];
      },
      (info) => {
        expect(info.registered).toBe(true);
        expect(info.registrations).toHaveLength(1);
        expect(info.registrations[0]).toMatchObject({ tm_expire: stamp(t0 + 3600) });
      },
    );
  });

  it('registered, refreshed, unregistered in one dialog (6 orders): ended at the unregister', async () => {
    const t0 = nowSeconds() - 250;
    await runAll(
      'r/r/u',
      (ext, id) => {
        const b = (cseq: number, expiresAt: number) => binding({ registration_id: id, cseq, expires_at: expiresAt });
        return [
          { at: t0, event: { event: 'registered', aor: ext.aor, binding: b(1, t0 + 3600), bindings: [b(1, t0 + 3600)] } },
          { at: t0 + 30, event: { event: 'refreshed', aor: ext.aor, binding: b(2, t0 + 3630), bindings: [b(2, t0 + 3630)] } },
          { at: t0 + 60, event: { event: 'unregistered', aor: ext.aor, binding: { registration_id: id, call_id: `call-${id}`, cseq: 3 }, bindings: [] } },
        ];
      },
      (info) => {
        expect(info.registered).toBe(false);
        expect(info.registrations).toHaveLength(1);
        expect(info.registrations[0]).toMatchObject({ expires: 0, tm_expire: stamp(t0 + 60) });
      },
    );
  });
});

describe('concurrent deliveries', () => {
  it('of one event: exactly one applies', async () => {
    const ext = await fixture();
    const event = { event: 'registered', aor: ext.aor, binding: binding({ registration_id: ruid(), expires_at: nowSeconds() + 600 }) };
    const replies = await Promise.all(Array.from({ length: 10 }, () => send(event)));
    expect(replies.map((r) => r.applied).sort()).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
  });

  it('of a whole sequence, each event three times at once: the newest state wins', async () => {
    const ext = await fixture();
    const id = ruid();
    const t0 = nowSeconds() - 100;
    const b = (cseq: number, expiresAt: number) => binding({ registration_id: id, cseq, expires_at: expiresAt });
    const steps = [
      { at: t0, event: { event: 'registered', aor: ext.aor, binding: b(1, t0 + 600) } },
      { at: t0 + 10, event: { event: 'refreshed', aor: ext.aor, binding: b(2, t0 + 610) } },
      { at: t0 + 20, event: { event: 'refreshed', aor: ext.aor, binding: b(3, t0 + 620) } },
      { at: t0 + 30, event: { event: 'refreshed', aor: ext.aor, binding: b(4, t0 + 630) } },
    ];
    const replies = await Promise.all(
      [...steps, ...steps, ...steps].map((step) => deliver(api, step.event, { timestamp: step.at })),
    );
    expect(replies.every((r) => r.status === 200)).toBe(true);
    const info = await regInfo(ext);
    expect(info.registrations).toEqual([expect.objectContaining({ registration_id: id, tm_expire: stamp(t0 + 630) })]);
    expect((await queryBindings(customerId, ext.extensionId))[0]).toMatchObject({ cseq: 4 });
  });
});

describe('bindings snapshot', () => {
  it('ends stored bindings missing from it and adds those present (a lost webhook is repaired)', async () => {
    const ext = await fixture();
    const t0 = nowSeconds() - 100;
    const a = binding({ registration_id: ruid(), expires_at: t0 + 3600 });
    const b = binding({ registration_id: ruid(), expires_at: t0 + 3600 });
    const c = binding({ registration_id: ruid(), expires_at: t0 + 3600 });
    await send({ event: 'registered', aor: ext.aor, binding: a, bindings: [a] }, t0);
    // B's own webhook was lost; C's snapshot brings B in.
    expect((await send({ event: 'registered', aor: ext.aor, binding: c, bindings: [a, b, c] }, t0 + 20)).applied).toBe(2);
    expect((await regInfo(ext)).registrations.map((r) => r.registration_id).sort()).toEqual(
      [a.registration_id, b.registration_id, c.registration_id].sort(),
    );
    // An older snapshot (before B and C) ends nothing that changed after it.
    expect((await send({ event: 'refreshed', aor: ext.aor, binding: a, bindings: [a] }, t0 + 10)).applied).toBe(0);
    expect((await regInfo(ext)).registrations).toHaveLength(3);
    // A newer snapshot without C ends C as of its time.
    const a2 = { ...a, cseq: 2, expires_at: t0 + 3700 };
    expect((await send({ event: 'refreshed', aor: ext.aor, binding: a2, bindings: [a2, b] }, t0 + 40)).applied).toBe(2);
    const info = await regInfo(ext);
    expect(info.registrations.map((r) => r.registration_id).sort()).toEqual([a.registration_id, b.registration_id].sort());
    const stored = await queryBindings(customerId, ext.extensionId);
    expect(stored.find((s) => s.registration_id === c.registration_id)).toMatchObject({ ended_by: 'unregistered', expires_at: t0 + 40 });
    // Contact: * = unregistered with an empty snapshot: everything ends.
    expect((await send({ event: 'unregistered', aor: ext.aor, bindings: [] }, t0 + 50)).applied).toBe(2);
    const after = await regInfo(ext);
    expect(after.registered).toBe(false);
    expect(after.registrations).toHaveLength(3);
    expect(after.registrations.every((r) => r.expires === 0)).toBe(true);
    // Its duplicate changes nothing.
    expect((await send({ event: 'unregistered', aor: ext.aor, bindings: [] }, t0 + 55)).applied).toBe(0);
  });
});

describe('expiry without an event, and history', () => {
  it('a binding whose expiry passed reads as expired: registered false, expires 0, listed as history', async () => {
    const ext = await fixture();
    const t0 = nowSeconds() - 100;
    const b = binding({ registration_id: ruid(), expires_at: t0 + 40 });
    await send({ event: 'registered', aor: ext.aor, binding: b }, t0);
    const info = await regInfo(ext);
    expect(info.registered).toBe(false);
    expect(info.registrations).toEqual([expect.objectContaining({ registration_id: b.registration_id, expires: 0, tm_expire: stamp(t0 + 40) })]);
    // The stored item still says nothing ended: reads judge by the clock.
    expect((await queryBindings(customerId, ext.extensionId))[0]).toMatchObject({ ended_by: '' });
  });

  it('lists only live bindings when one is live; otherwise the 10 most recent ended ones, newest first', async () => {
    const ext = await fixture();
    const t0 = nowSeconds() - 280;
    const ended = Array.from({ length: 12 }, (_, i) => binding({ registration_id: ruid(), expires_at: t0 + 10 * (i + 1) }));
    await Promise.all(ended.map((b) => send({ event: 'registered', aor: ext.aor, binding: b }, t0)));
    let info = await regInfo(ext);
    expect(info.registered).toBe(false);
    expect(info.registrations.map((r) => r.registration_id)).toEqual(
      ended.slice(2).reverse().map((b) => b.registration_id),
    );
    const live = binding({ registration_id: ruid(), expires_at: nowSeconds() + 600 });
    await send({ event: 'registered', aor: ext.aor, binding: live });
    info = await regInfo(ext);
    expect(info.registered).toBe(true);
    expect(info.registrations.map((r) => r.registration_id)).toEqual([live.registration_id]);
  });

  it('bindings carry the TTL attribute: expiry + retention', async () => {
    const ext = await fixture();
    const expiresAt = nowSeconds() + 600;
    await send({ event: 'registered', aor: ext.aor, binding: binding({ registration_id: ruid(), expires_at: expiresAt }) });
    const [stored] = await queryBindings(customerId, ext.extensionId);
    expect(stored!.ttl).toBe(expiresAt + 7 * 86400);
  });
});

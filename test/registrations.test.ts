import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { db } from '../shared/table/client.js';
import { newId } from '../shared/ids.js';
import { expectEnvelope, newCustomer, useApi } from './support/api.js';
import {
  binding,
  deliver,
  newExtension,
  nowSeconds,
  ruid,
  SECRET_A,
  startControlStandIn,
  useRegistrarSecrets,
  type Fixture,
  withoutCountdown,
} from './support/registrar.js';
import { updateConfig } from '../shared/config.js';

useRegistrarSecrets(SECRET_A);
const api = useApi();

const CONTROL_TOKEN = 'control-token-for-tests';
const useControl = (url: string | undefined) => {
  updateConfig({ registrarControlUrl: url, registrarControlToken: CONTROL_TOKEN });
};
afterEach(() => useControl(undefined));

const getInfo = async (token: string, ext: Fixture | string) => {
  const id = typeof ext === 'string' ? ext : ext.extensionId;
  const response = await api.call('GET', `/v1.0/extensions/${id}/registrations`, { token });
  expect(response.status, response.text).toBe(200);
  return response.body as { extension_id: string; registered: boolean; registrations: any[] };
};
const ids = (info: { registrations: { registration_id: string }[] }) => info.registrations.map((r) => r.registration_id);
const register = async (ext: Fixture, id = ruid(), expiresAt = nowSeconds() + 3600, timestamp?: number, cseq = 1) => {
  const response = await deliver(
    api,
    { event: 'registered', aor: ext.aor, binding: binding({ registration_id: id, cseq, expires_at: expiresAt }) },
    { timestamp },
  );
  expect(response.status, response.text).toBe(200);
  return id;
};
const emptyInfo = (id: string) => ({ extension_id: id, registered: false, registrations: [] });

describe('GET /v1.0/extensions/{id}/registrations', () => {
  it('answers an extension without data, and 404 for unknown, malformed and foreign ids', async () => {
    const alice = await newCustomer();
    const bob = await newCustomer();
    const ext = await newExtension(api, alice.token);
    await register(ext);
    expect(await getInfo(alice.token, await newExtension(api, alice.token))).toMatchObject({ registered: false, registrations: [] });
    for (const id of [ext.extensionId, newId(), 'not-a-uuid']) {
      expectEnvelope(await api.call('GET', `/v1.0/extensions/${id}/registrations`, { token: bob.token }), 404, 'NOT_FOUND');
    }
    expectEnvelope(await api.call('GET', `/v1.0/extensions/${ext.extensionId}/registrations`), 401, 'UNAUTHENTICATED');
  });
});

describe('GET /v1.0/extensions/registrations', () => {
  it('answers the ids asked, in order; unknown and foreign ids look exactly like never-registered ones', async () => {
    const alice = await newCustomer();
    const bob = await newCustomer();
    const registered = await newExtension(api, alice.token);
    const idle = await newExtension(api, alice.token);
    const foreign = await newExtension(api, bob.token);
    const live = await register(registered);
    await register(foreign);
    const unknown = newId();
    const asked = [foreign.extensionId, registered.extensionId, unknown, idle.extensionId, 'junk', registered.extensionId];
    const response = await api.call(
      'GET',
      `/v1.0/extensions/registrations?${asked.map((id) => `extension_id=${id}`).join('&')}`,
      { token: alice.token },
    );
    expect(response.status, response.text).toBe(200);
    const own = await getInfo(alice.token, registered);
    expect(ids(own)).toEqual([live]);
    // `expires` counts down between the two reads; compare it within a second, the rest exactly.
    expect(response.body.map(withoutCountdown)).toEqual(
      [emptyInfo(foreign.extensionId), own, emptyInfo(unknown), emptyInfo(idle.extensionId), emptyInfo('junk'), own].map(
        withoutCountdown,
      ),
    );
    for (const index of [1, 5]) {
      expect(Math.abs(response.body[index].registrations[0].expires - own.registrations[0].expires)).toBeLessThanOrEqual(1);
    }
    // Bob's extension answered nothing about Bob.
    expect(response.text).not.toContain(foreign.aor);
  });

  it('takes one id, comma lists, and refuses 0 or more than 100', async () => {
    const { token } = await newCustomer();
    const ext = await newExtension(api, token);
    await register(ext);
    const one = await api.call('GET', `/v1.0/extensions/registrations?extension_id=${ext.extensionId}`, { token });
    expect(one.status).toBe(200);
    expect(one.body.map(withoutCountdown)).toEqual([withoutCountdown(await getInfo(token, ext))]);
    const comma = await api.call('GET', `/v1.0/extensions/registrations?extension_id=${newId()},${ext.extensionId}`, { token });
    expect(comma.body).toHaveLength(2);
    expect(comma.body[1].registered).toBe(true);
    const hundred = Array.from({ length: 100 }, () => `extension_id=${newId()}`).join('&');
    const ok = await api.call('GET', `/v1.0/extensions/registrations?${hundred}`, { token });
    expect(ok.status).toBe(200);
    expect(ok.body).toHaveLength(100);
    const tooMany = await api.call('GET', `/v1.0/extensions/registrations?${hundred}&extension_id=${newId()}`, { token });
    expectEnvelope(tooMany, 400, 'INVALID_ARGUMENT', 'INVALID_QUERY_PARAMETER');
    expectEnvelope(await api.call('GET', '/v1.0/extensions/registrations?extension_id=', { token }), 400, 'INVALID_ARGUMENT');
  });

  it("without ids pages through the caller's extensions that have registration data", async () => {
    const alice = await newCustomer();
    const bob = await newCustomer();
    const first = await newExtension(api, alice.token);
    await newExtension(api, alice.token); // no registration data: not listed
    const third = await newExtension(api, alice.token, { id: first.domainId, realm: first.realm });
    await register(first);
    await register(third, ruid(), nowSeconds() - 10, nowSeconds() - 60); // history only
    await register(await newExtension(api, bob.token));

    const all = await api.call('GET', '/v1.0/extensions/registrations', { token: alice.token });
    expect(all.status, all.text).toBe(200);
    expect(all.body.next_page_token).toBe('');
    // Newest extension first.
    expect(all.body.result.map((r: any) => r.extension_id)).toEqual([third.extensionId, first.extensionId]);
    expect(all.body.result[0].registered).toBe(false);
    expect(all.body.result[1].registered).toBe(true);

    const seen: string[] = [];
    let pageToken = '';
    let pages = 0;
    do {
      const page = await api.call(
        'GET',
        `/v1.0/extensions/registrations?page_size=1${pageToken ? `&page_token=${pageToken}` : ''}`,
        { token: alice.token },
      );
      expect(page.status, page.text).toBe(200);
      // Extensions without registration data are never visited: no empty pages.
      expect(page.body.result).toHaveLength(1);
      seen.push(...page.body.result.map((r: any) => r.extension_id));
      pageToken = page.body.next_page_token;
      if (pages === 0) {
        expectEnvelope(
          await api.call('GET', `/v1.0/extensions/registrations?page_token=${pageToken}`, { token: bob.token }),
          400,
          'INVALID_ARGUMENT',
          'INVALID_PAGE_TOKEN',
        );
      }
      pages++;
    } while (pageToken && pages < 10);
    expect(seen).toEqual([third.extensionId, first.extensionId]);
    expect(pages).toBe(2);
  });

  it('without ids costs one Query of the keys-only index and one BatchGetItem, however many extensions never registered', async () => {
    const { token } = await newCustomer();
    const registered = await newExtension(api, token);
    for (let i = 0; i < 12; i++) await newExtension(api, token, { id: registered.domainId, realm: registered.realm });
    await register(registered);
    await register(registered);
    const send = vi.spyOn(db(), 'send');
    try {
      const all = await api.call('GET', '/v1.0/extensions/registrations', { token });
      expect(all.body.result.map((r: any) => r.extension_id)).toEqual([registered.extensionId]);
      expect(all.body.result[0].registrations).toHaveLength(2);
      // The access key may come from the auth cache; the listing itself is one Query of
      // GSI3 (keys only) and one BatchGetItem of those bindings.
      const commands = send.mock.calls.map(([command]) => command.constructor.name);
      expect(commands.filter((name) => name !== 'GetCommand')).toEqual(['QueryCommand', 'BatchGetCommand']);
    } finally {
      send.mockRestore();
    }
  });
});

describe('DELETE without a control endpoint', () => {
  it('removes the records; the device is back at its next refresh, never through an older event', async () => {
    const { token } = await newCustomer();
    const ext = await newExtension(api, token);
    const t0 = nowSeconds() - 30;
    const a = await register(ext, ruid(), nowSeconds() + 3600, t0);
    const b = await register(ext, ruid(), nowSeconds() + 3600, t0);
    expect((await api.call('DELETE', `/v1.0/extensions/${ext.extensionId}/registrations/${a}`, { token })).status).toBe(204);
    expect(ids(await getInfo(token, ext))).toEqual([b]);
    expectEnvelope(await api.call('DELETE', `/v1.0/extensions/${ext.extensionId}/registrations/${a}`, { token }), 404, 'NOT_FOUND', 'REGISTRATION_NOT_FOUND');
    expectEnvelope(await api.call('DELETE', `/v1.0/extensions/${ext.extensionId}/registrations/uloc-nope`, { token }), 404, 'NOT_FOUND');

    // A webhook from before the removal does not bring it back...
    await register(ext, a, nowSeconds() + 3600, t0 + 1, 2);
    expect(ids(await getInfo(token, ext))).toEqual([b]);
    // ...the device's next refresh does.
    await register(ext, a, nowSeconds() + 7200, nowSeconds() + 1, 3);
    expect(ids(await getInfo(token, ext))).toEqual([a, b]);

    expect((await api.call('DELETE', `/v1.0/extensions/${ext.extensionId}/registrations`, { token })).status).toBe(204);
    expect(await getInfo(token, ext)).toEqual(emptyInfo(ext.extensionId));
    expect((await api.call('DELETE', `/v1.0/extensions/${ext.extensionId}/registrations`, { token })).status).toBe(204);
  });

  it("cannot touch another customer's registrations", async () => {
    const alice = await newCustomer();
    const bob = await newCustomer();
    const ext = await newExtension(api, bob.token);
    const id = await register(ext);
    expectEnvelope(await api.call('DELETE', `/v1.0/extensions/${ext.extensionId}/registrations/${id}`, { token: alice.token }), 404, 'NOT_FOUND');
    expectEnvelope(await api.call('DELETE', `/v1.0/extensions/${ext.extensionId}/registrations`, { token: alice.token }), 404, 'NOT_FOUND');
    expect(ids(await getInfo(bob.token, ext))).toEqual([id]);
    expectEnvelope(await api.call('DELETE', `/v1.0/extensions/${ext.extensionId}/registrations/${'x'.repeat(300)}`, { token: bob.token }), 404, 'NOT_FOUND');
  });
});

describe('DELETE with the registrar control endpoint', () => {
  let control: Awaited<ReturnType<typeof startControlStandIn>>;
  beforeAll(async () => {
    control = await startControlStandIn(CONTROL_TOKEN);
  });
  afterAll(async () => {
    await control.close();
  });

  it('asks the registrar first (one binding, then the whole AOR), then removes the records', async () => {
    const { token } = await newCustomer();
    const ext = await newExtension(api, token);
    const a = await register(ext);
    const b = await register(ext);
    useControl(control.url);
    control.answer({ status: 200, body: { removed: 1 } });
    control.calls.length = 0;
    expect((await api.call('DELETE', `/v1.0/extensions/${ext.extensionId}/registrations/${a}`, { token })).status).toBe(204);
    expect(control.calls).toEqual([{ authorized: true, body: { aor: ext.aor, registration_id: a } }]);
    expect(ids(await getInfo(token, ext))).toEqual([b]);
    expect((await api.call('DELETE', `/v1.0/extensions/${ext.extensionId}/registrations`, { token })).status).toBe(204);
    expect(control.calls[1]).toEqual({ authorized: true, body: { aor: ext.aor } });
    expect(await getInfo(token, ext)).toEqual(emptyInfo(ext.extensionId));
  });

  it('still removes the record when the registrar does not know the binding (404)', async () => {
    const { token } = await newCustomer();
    const ext = await newExtension(api, token);
    const a = await register(ext);
    useControl(control.url);
    control.answer({ status: 404, body: {} });
    expect((await api.call('DELETE', `/v1.0/extensions/${ext.extensionId}/registrations/${a}`, { token })).status).toBe(204);
    expect(await getInfo(token, ext)).toEqual(emptyInfo(ext.extensionId));
  });

  it('answers 502 when the registrar fails, and changes nothing', async () => {
    const { token } = await newCustomer();
    const ext = await newExtension(api, token);
    const a = await register(ext);
    useControl(control.url);
    for (const status of [500, 401, 302]) {
      control.answer({ status, body: {} });
      expectEnvelope(await api.call('DELETE', `/v1.0/extensions/${ext.extensionId}/registrations/${a}`, { token }), 502, 'BAD_GATEWAY');
      expectEnvelope(await api.call('DELETE', `/v1.0/extensions/${ext.extensionId}/registrations`, { token }), 502, 'BAD_GATEWAY');
    }
    expect(ids(await getInfo(token, ext))).toEqual([a]);
    // A wrong token is the registrar refusing us: 502 too.
    updateConfig({ registrarControlToken: 'wrong' });
    control.answer({ status: 200 });
    expectEnvelope(await api.call('DELETE', `/v1.0/extensions/${ext.extensionId}/registrations/${a}`, { token }), 502, 'BAD_GATEWAY');
    expect(control.calls.at(-1)!.authorized).toBe(false);
    expect(ids(await getInfo(token, ext))).toEqual([a]);
  });

  it('answers 503 when the registrar is unreachable or does not answer, and changes nothing', async () => {
    const { token } = await newCustomer();
    const ext = await newExtension(api, token);
    const a = await register(ext);
    useControl(control.url);
    control.answer('hang');
    expectEnvelope(await api.call('DELETE', `/v1.0/extensions/${ext.extensionId}/registrations/${a}`, { token }), 503, 'UNAVAILABLE');
    const closed = await startControlStandIn(CONTROL_TOKEN);
    await closed.close();
    useControl(closed.url);
    expectEnvelope(await api.call('DELETE', `/v1.0/extensions/${ext.extensionId}/registrations/${a}`, { token }), 503, 'UNAVAILABLE');
    expectEnvelope(await api.call('DELETE', `/v1.0/extensions/${ext.extensionId}/registrations`, { token }), 503, 'UNAVAILABLE');
    useControl('http://192.0.2.1:5071/control'); // plain http beyond loopback: refused before any packet
    expectEnvelope(await api.call('DELETE', `/v1.0/extensions/${ext.extensionId}/registrations/${a}`, { token }), 503, 'UNAVAILABLE', 'REGISTRAR_CONTROL_MISCONFIGURED');
    expect(ids(await getInfo(token, ext))).toEqual([a]);
    control.answer({ status: 200 });
  });

  it('deleting the extension asks the registrar to drop the AOR', async () => {
    const { token } = await newCustomer();
    const ext = await newExtension(api, token);
    await register(ext);
    useControl(control.url);
    control.answer({ status: 200, body: { removed: 1 } });
    control.calls.length = 0;
    expect((await api.call('DELETE', `/v1.0/extensions/${ext.extensionId}`, { token })).status).toBe(200);
    // First the credential cache forgets the AOR, then its bindings go.
    expect(control.calls).toEqual([
      { authorized: true, body: { action: 'invalidate', aor: ext.aor } },
      { authorized: true, body: { aor: ext.aor } },
    ]);
  });

  it('deleting the extension succeeds even when the registrar is down (best effort)', async () => {
    const { token } = await newCustomer();
    const ext = await newExtension(api, token);
    await register(ext);
    const closed = await startControlStandIn(CONTROL_TOKEN);
    await closed.close();
    useControl(closed.url);
    expect((await api.call('DELETE', `/v1.0/extensions/${ext.extensionId}`, { token })).status).toBe(200);
    expectEnvelope(await api.call('GET', `/v1.0/extensions/${ext.extensionId}/registrations`, { token }), 404, 'NOT_FOUND');
  });
});

describe('done when: a webhook sequence is reflected exactly by GET and DELETE', () => {
  it('register, refresh, second device, unregister, expiry, force-unregister', async () => {
    const { token } = await newCustomer();
    const ext = await newExtension(api, token);
    const desk = ruid();
    const softphone = ruid();
    const start = nowSeconds();
    const deskBinding = (cseq: number, expiresAt: number) =>
      binding({ registration_id: desk, call_id: 'desk-call', cseq, expires_at: expiresAt, user_agent: 'Yealink SIP-T46G 28.72.14.5' });

    await deliver(api, { event: 'registered', aor: ext.aor, binding: deskBinding(1, start + 600), bindings: [deskBinding(1, start + 600)] });
    let info = await getInfo(token, ext);
    expect(info).toMatchObject({ extension_id: ext.extensionId, registered: true });
    expect(info.registrations).toEqual([expect.objectContaining({ registration_id: desk, device: 'Yealink SIP-T46G 28.72.14.5' })]);
    expect(info.registrations[0].expires).toBeGreaterThan(500);

    await deliver(api, { event: 'refreshed', aor: ext.aor, binding: deskBinding(2, start + 1800), bindings: [deskBinding(2, start + 1800)] });
    info = await getInfo(token, ext);
    expect(ids(info)).toEqual([desk]);
    expect(info.registrations[0].expires).toBeGreaterThan(1700);

    // A second device whose registration lapses in a few seconds.
    const phone = binding({ registration_id: softphone, call_id: 'phone-call', expires_at: nowSeconds() + 4, user_agent: 'Linphone 5.2' });
    await deliver(api, { event: 'registered', aor: ext.aor, binding: phone, bindings: [deskBinding(2, start + 1800), phone] });
    info = await getInfo(token, ext);
    expect(ids(info)).toEqual([desk, softphone]);

    // The desk phone unregisters (REGISTER Expires: 0 in its dialog).
    const unregisteredAt = nowSeconds();
    await deliver(api, {
      event: 'unregistered',
      aor: ext.aor,
      binding: { registration_id: desk, call_id: 'desk-call', cseq: 3 },
      bindings: [phone],
    }, { timestamp: unregisteredAt });
    info = await getInfo(token, ext);
    expect(info.registered).toBe(true);
    expect(ids(info)).toEqual([softphone]);

    // The softphone's registration lapses; the registrar's expiry event may come later.
    for (let i = 0; i < 60 && info.registered; i++) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      info = await getInfo(token, ext);
    }
    expect(info.registered).toBe(false);
    expect(ids(info)).toEqual([softphone, desk]); // history, most recently ended first
    expect(info.registrations.map((r) => r.expires)).toEqual([0, 0]);
    expect(info.registrations[1].tm_expire).toBe(new Date(unregisteredAt * 1000).toISOString().replace('T', ' ').replace('Z', '000'));
    const expired = await deliver(api, { event: 'expired', aor: ext.aor, binding: phone, bindings: [] });
    expect(expired.body.applied).toBe(1); // the record now says why it ended; what it shows is the same
    const withoutUpdate = (i: typeof info) => ({ ...i, registrations: i.registrations.map(({ tm_update: _u, ...r }) => r) });
    const before = info;
    info = await getInfo(token, ext);
    expect(withoutUpdate(info)).toEqual(withoutUpdate(before));

    // The many-extension query shows the same.
    const many = await api.call('GET', `/v1.0/extensions/registrations?extension_id=${ext.extensionId}`, { token });
    expect(many.body).toEqual([info]);

    // The desk phone comes back; the operator force-unregisters it, then clears the history.
    const desk2 = ruid();
    await deliver(api, { event: 'registered', aor: ext.aor, binding: binding({ registration_id: desk2, expires_at: nowSeconds() + 600 }) });
    expect(ids(await getInfo(token, ext))).toEqual([desk2]);
    expect((await api.call('DELETE', `/v1.0/extensions/${ext.extensionId}/registrations/${desk2}`, { token })).status).toBe(204);
    info = await getInfo(token, ext);
    expect(info.registered).toBe(false);
    expect(ids(info)).toEqual([softphone, desk]);
    expect((await api.call('DELETE', `/v1.0/extensions/${ext.extensionId}/registrations`, { token })).status).toBe(204);
    expect(await getInfo(token, ext)).toEqual(emptyInfo(ext.extensionId));
  });
});

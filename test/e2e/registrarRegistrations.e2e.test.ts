import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { freePortFor } from '../../local/ports.js';
import { contactOf, useRegistrarStand } from '../support/registrarStand.js';
import { requireRegistrarTools } from '../support/registrarTools.js';
import { waitFor } from '../support/waitFor.js';

/**
 * REGISTER from SIPp devices through Kamailio to the API and back: bindings, refreshes, unregistrations, expiry, removal through the API.
 * The whole loop runs for real (test/support/registrarStand.ts): SIPp devices -> Kamailio
 * (registrar/kamailio/kamailio.cfg) -> the API -> DynamoDB Local. Needs kamailio and sipp
 * (registrar/install.sh).
 */
const { tools, missing } = requireRegistrarTools('registrar end-to-end tests');

describe.skipIf(missing)("registrations through Kamailio (Kamailio + SIPp + API)", () => {
  const stand = useRegistrarStand(tools.sipp!);
  const { api, newExtension, registrations, kamailioBindings, startNode, webhooksFor, device, register } = stand;

  it('registers with the right password: 200, the binding in Kamailio and in the API with user agent and contact', async () => {
    const ext = await newExtension();
    const phone = await device(ext.extension, ext.password, 'Yealink SIP-T46G 28.72.14.5');
    expect(await register(phone, 60)).toBe(200);

    const inKamailio = await kamailioBindings(ext.aor);
    expect(inKamailio).toHaveLength(1);
    expect(inKamailio[0]!.address).toBe(contactOf(phone));

    const info = await waitFor(() => registrations(ext.id), (r) => r.registered);
    expect(info.registrations).toHaveLength(1);
    const reg = info.registrations[0];
    expect(reg.registration_id).toBe(inKamailio[0]!.ruid);
    expect(reg.registration_id).toMatch(/^uloc-[0-9a-f]+-[0-9a-f]+-\d+$/);
    expect(reg.contact_address).toBe(contactOf(phone));
    expect(reg.device).toBe('Yealink SIP-T46G 28.72.14.5');
    expect(reg.real_address).toBe('');
    expect(reg.expires).toBeGreaterThan(0);
    expect(reg.expires).toBeLessThanOrEqual(60);

    const sent = await webhooksFor(ext.aor, 1);
    expect(sent.map((w) => w.body.event)).toEqual(['registered']);
    expect(sent[0]!.status).toBe(200);
    expect(sent[0]!.body.binding).toMatchObject({
      registration_id: reg.registration_id,
      contact: contactOf(phone),
      user_agent: 'Yealink SIP-T46G 28.72.14.5',
      call_id: `${phone.callId}-1`,
      cseq: 2,
    });
    expect(sent[0]!.body.bindings).toHaveLength(1);
  });

  it('answers a wrong password with 401 and records nothing', async () => {
    const ext = await newExtension();
    const phone = await device(ext.extension, 'WrongPassword123', 'wrong password phone');
    expect(await register(phone, 60)).toBe(401);
    expect(await kamailioBindings(ext.aor)).toEqual([]);
    expect(await registrations(ext.id)).toEqual({ extension_id: ext.id, registered: false, registrations: [] });
    expect(stand.proxy.webhooks.filter((w) => w.body?.aor === ext.aor)).toEqual([]);
  });

  it('answers an unknown user (and an unknown realm) with 403', async () => {
    const stranger = await device('9999', 'Whatever12345', 'stranger');
    expect(await register(stranger, 60)).toBe(403);
    const elsewhere = await device('1001', 'Whatever12345', 'stranger');
    elsewhere.realm = `nowhere-${randomBytes(4).toString('hex')}.${process.env.SIP_DOMAIN_SUFFIX}`;
    expect(await register(elsewhere, 60)).toBe(403);
    expect(await kamailioBindings(`9999@${stand.realm}`)).toEqual([]);
  });

  it('keeps two devices on one extension apart', async () => {
    const ext = await newExtension();
    const deskPhone = await device(ext.extension, ext.password, 'desk phone');
    const softphone = await device(ext.extension, ext.password, 'softphone');
    expect(await register(deskPhone, 60)).toBe(200);
    expect(await register(softphone, 60)).toBe(200);

    const inKamailio = await kamailioBindings(ext.aor);
    expect(inKamailio.map((b) => b.userAgent).sort()).toEqual(['desk phone', 'softphone']);

    const info = await waitFor(() => registrations(ext.id), (r) => r.registrations.length === 2);
    expect(info.registered).toBe(true);
    expect(info.registrations.map((r) => r.device).sort()).toEqual(['desk phone', 'softphone']);
    expect(new Set(info.registrations.map((r) => r.registration_id))).toEqual(new Set(inKamailio.map((b) => b.ruid)));
    const byDevice = Object.fromEntries(info.registrations.map((r) => [r.device, r.contact_address]));
    expect(byDevice).toEqual({ 'desk phone': contactOf(deskPhone), softphone: contactOf(softphone) });
  });

  it('moves the expiry on a refresh', async () => {
    const ext = await newExtension();
    const phone = await device(ext.extension, ext.password, 'refreshing phone');
    expect(await register(phone, 20)).toBe(200);
    const first = await waitFor(() => registrations(ext.id), (r) => r.registered);
    const firstExpire = first.registrations[0].tm_expire as string;
    expect(first.registrations[0].expires).toBeLessThanOrEqual(20);

    expect(await register(phone, 3000)).toBe(200);
    const refreshed = await waitFor(
      () => registrations(ext.id),
      (r) => r.registrations[0]?.tm_expire !== firstExpire,
    );
    expect(refreshed.registered).toBe(true);
    expect(refreshed.registrations).toHaveLength(1);
    expect(refreshed.registrations[0].registration_id).toBe(first.registrations[0].registration_id);
    expect(refreshed.registrations[0].expires).toBeGreaterThan(20);
    expect(refreshed.registrations[0].tm_expire > firstExpire).toBe(true);
    const events = (await webhooksFor(ext.aor, 2)).map((w) => w.body.event);
    expect(events).toEqual(['registered', 'refreshed']);
  });

  it('unregisters on Expires: 0 and lists the last registration', async () => {
    const ext = await newExtension();
    const phone = await device(ext.extension, ext.password, 'leaving phone');
    expect(await register(phone, 60)).toBe(200);
    const live = await waitFor(() => registrations(ext.id), (r) => r.registered);
    const id = live.registrations[0].registration_id;

    expect(await register(phone, 0)).toBe(200);
    expect(await kamailioBindings(ext.aor)).toEqual([]);
    const gone = await waitFor(() => registrations(ext.id), (r) => !r.registered);
    expect(gone.registrations).toHaveLength(1);
    expect(gone.registrations[0]).toMatchObject({ registration_id: id, expires: 0, device: 'leaving phone' });
    const last = (await webhooksFor(ext.aor, 2)).at(-1)!;
    expect(last.body).toMatchObject({ event: 'unregistered', binding: { registration_id: id }, bindings: [] });
    expect(last.status).toBe(200);
  });

  it('unregisters every device on Contact: *', async () => {
    const ext = await newExtension();
    const a = await device(ext.extension, ext.password, 'device a');
    const b = await device(ext.extension, ext.password, 'device b');
    expect(await register(a, 60)).toBe(200);
    expect(await register(b, 60)).toBe(200);
    await waitFor(() => registrations(ext.id), (r) => r.registrations.length === 2);

    expect(await register(a, 0, { contact: '*' })).toBe(200);
    expect(await kamailioBindings(ext.aor)).toEqual([]);
    const gone = await waitFor(() => registrations(ext.id), (r) => !r.registered);
    expect(gone.registrations.map((r) => r.device).sort()).toEqual(['device a', 'device b']);
    const last = (await webhooksFor(ext.aor, 3)).at(-1)!;
    expect(last.body).toMatchObject({ event: 'unregistered', bindings: [] });
  });

  it("sees a short registration expire within seconds through Kamailio's expiry event", async () => {
    const ext = await newExtension();
    const phone = await device(ext.extension, ext.password, 'short-lived phone');
    expect(await register(phone, 2)).toBe(200);
    const live = await waitFor(() => registrations(ext.id), (r) => r.registered);
    const id = live.registrations[0].registration_id;

    const expired = await waitFor(
      async () => stand.proxy.webhooks.find((w) => w.body?.aor === ext.aor && w.body.event === 'expired'),
      (w) => w !== undefined,
      15_000,
    );
    expect(expired!.status).toBe(200);
    expect(expired!.body.binding).toMatchObject({ registration_id: id, contact: contactOf(phone) });
    expect(expired!.body.bindings).toEqual([]);
    // usrloc deletes the contact only after the event route (and its webhook) returns.
    await waitFor(() => kamailioBindings(ext.aor), (b) => b.length === 0);
    const info = await registrations(ext.id);
    expect(info.registered).toBe(false);
    expect(info.registrations).toMatchObject([{ registration_id: id, expires: 0 }]);
  });

  it('removes one registration through the API from Kamailio too', async () => {
    const ext = await newExtension();
    const keep = await device(ext.extension, ext.password, 'stays');
    const drop = await device(ext.extension, ext.password, 'goes');
    expect(await register(keep, 60)).toBe(200);
    expect(await register(drop, 60)).toBe(200);
    const both = await waitFor(() => registrations(ext.id), (r) => r.registrations.length === 2);
    const dropId = both.registrations.find((r) => r.device === 'goes').registration_id;
    const keepId = both.registrations.find((r) => r.device === 'stays').registration_id;

    const deleted = await api.call('DELETE', `/v1.0/extensions/${ext.id}/registrations/${dropId}`, { token: stand.token });
    expect(deleted.status, deleted.text).toBe(204);

    expect((await kamailioBindings(ext.aor)).map((b) => b.ruid)).toEqual([keepId]);
    const after = await registrations(ext.id);
    expect(after.registered).toBe(true);
    expect(after.registrations.map((r) => r.registration_id)).toEqual([keepId]);

    const again = await api.call('DELETE', `/v1.0/extensions/${ext.id}/registrations/${dropId}`, { token: stand.token });
    expect(again.status, again.text).toBe(404);

    const all = await api.call('DELETE', `/v1.0/extensions/${ext.id}/registrations`, { token: stand.token });
    expect(all.status, all.text).toBe(204);
    expect(await kamailioBindings(ext.aor)).toEqual([]);
    expect((await registrations(ext.id)).registered).toBe(false);
  });

  it('refuses the old password after a password change', async () => {
    const ext = await newExtension();
    const changed = await api.call('PUT', `/v1.0/extensions/${ext.id}`, { token: stand.token, body: { password: 'BrandNewPass2026' } });
    expect(changed.status, changed.text).toBe(200);

    const oldPassword = await device(ext.extension, ext.password, 'old password');
    expect(await register(oldPassword, 60)).toBe(401);
    const newPassword = await device(ext.extension, 'BrandNewPass2026', 'new password');
    expect(await register(newPassword, 60)).toBe(200);
    const info = await waitFor(() => registrations(ext.id), (r) => r.registered);
    expect(info.registrations.map((r) => r.device)).toEqual(['new password']);
  });

  it('refuses REGISTER once the extension is deleted, and drops its bindings', async () => {
    const ext = await newExtension();
    const phone = await device(ext.extension, ext.password, 'orphaned phone');
    expect(await register(phone, 60)).toBe(200);
    await waitFor(() => registrations(ext.id), (r) => r.registered);

    const deleted = await api.call('DELETE', `/v1.0/extensions/${ext.id}`, { token: stand.token });
    expect(deleted.status, deleted.text).toBe(200);
    await waitFor(() => kamailioBindings(ext.aor), (b) => b.length === 0);

    expect(await register(phone, 60)).toBe(403);
    expect(await kamailioBindings(ext.aor)).toEqual([]);
  });

  it('with NO_SNAPSHOT sends no bindings snapshot, and one unregistered event per binding on Contact: *', async () => {
    const node = await startNode('no-snapshot', { EXPIRES_MIN: 1, NO_SNAPSHOT: 1 });
    const original = stand.kamailio;
    stand.kamailio = node;
    try {
      const ext = await newExtension();
      const a = await device(ext.extension, ext.password, 'node device a');
      const b = await device(ext.extension, ext.password, 'node device b');
      expect(await register(a, 60)).toBe(200);
      expect(await register(b, 60)).toBe(200);
      const both = await waitFor(() => registrations(ext.id), (r) => r.registrations.length === 2);
      const ids = both.registrations.map((r) => r.registration_id).sort();
      const registered = await webhooksFor(ext.aor, 2);
      expect(registered.map((w) => w.body.event)).toEqual(['registered', 'registered']);
      for (const w of registered) {
        expect(w.body).not.toHaveProperty('bindings');
        expect(w.body.binding.registration_id).toMatch(/^uloc-/);
        expect(w.body.event_time).toBeTypeOf('number');
      }

      expect(await register(a, 0, { contact: '*' })).toBe(200);
      expect(await kamailioBindings(ext.aor)).toEqual([]);
      const all = await webhooksFor(ext.aor, 4);
      const unregistered = all.slice(2);
      expect(unregistered.map((w) => w.body.event)).toEqual(['unregistered', 'unregistered']);
      expect(unregistered.map((w) => w.body.binding.registration_id).sort()).toEqual(ids);
      for (const w of unregistered) {
        expect(w.body).not.toHaveProperty('bindings');
        expect(w.status).toBe(200);
      }
      const gone = await waitFor(() => registrations(ext.id), (r) => !r.registered);
      expect(gone.registrations.map((r) => r.device).sort()).toEqual(['node device a', 'node device b']);
    } finally {
      stand.kamailio = original;
      await node.stop();
    }
  });

  it('answers 503 while the API cannot be reached', async () => {
    const deadApi = `http://127.0.0.1:${await freePortFor('tcp')}`;
    const lonely = await startNode('no-api', {}, {}, deadApi);
    try {
      const ext = await newExtension();
      const phone = await device(ext.extension, ext.password, 'patient phone');
      const original = stand.kamailio;
      stand.kamailio = lonely;
      try {
        expect(await register(phone, 60)).toBe(503);
        expect(await kamailioBindings(ext.aor)).toEqual([]);
      } finally {
        stand.kamailio = original;
      }
    } finally {
      await lonely.stop();
    }
  });

  it('had every webhook it sent accepted by the API (signatures valid)', () => {
    stand.expectEveryWebhookAccepted(10);
  });
});

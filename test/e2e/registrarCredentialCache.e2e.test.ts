import { describe, expect, it } from 'vitest';
import { newPassword, useRegistrarStand } from '../support/registrarStand.js';
import { requireRegistrarTools } from '../support/registrarTools.js';
import { waitFor } from '../support/waitFor.js';

/**
 * Kamailio's credential cache: one lookup for many REGISTERs, invalidated by the API the moment a password or extension changes.
 * The whole loop runs for real (test/support/registrarStand.ts): SIPp devices -> Kamailio
 * (registrar/kamailio/kamailio.cfg) -> the API -> DynamoDB Local. Needs kamailio and sipp
 * (registrar/install.sh).
 */
const { tools, missing } = requireRegistrarTools('registrar end-to-end tests');

describe.skipIf(missing)("Kamailio's credential cache (Kamailio + SIPp + API)", () => {
  const stand = useRegistrarStand(tools.sipp!);
  const { api, controlToken, newExtension, startNode, lookupsOf, device, register } = stand;

  it('serves refreshes and further devices from its credential cache: one lookup for many REGISTERs', async () => {
    const ext = await newExtension();
    const phone = await device(ext.extension, ext.password, 'cached phone');
    for (let i = 0; i < 3; i++) expect(await register(phone, 60)).toBe(200);
    expect(await register(await device(ext.extension, ext.password, 'second cached phone'), 60)).toBe(200);
    expect(lookupsOf(ext.aor)).toBe(1);
  });

  it('never takes a wrong password for a right one, cached or not', async () => {
    const ext = await newExtension();
    expect(await register(await device(ext.extension, 'WrongPassword123', 'guesser'), 60)).toBe(401);
    expect(await register(await device(ext.extension, 'WrongPassword456', 'guesser'), 60)).toBe(401);
    expect(await register(await device(ext.extension, ext.password, 'owner'), 60)).toBe(200);
    expect(await register(await device(ext.extension, 'WrongPassword789', 'guesser'), 60)).toBe(401);
    // Only the API's HA1 is cached: one lookup for all four.
    expect(lookupsOf(ext.aor)).toBe(1);
  });

  it('asks the API about an unknown user once, and forgets that the moment the extension is created', async () => {
    const number = stand.nextExtension();
    const scanner = await device(number, 'Whatever12345', 'scanner');
    for (let i = 0; i < 3; i++) expect(await register(scanner, 60)).toBe(403);
    expect(lookupsOf(`${number}@${stand.realm}`)).toBe(1);

    const password = newPassword();
    const created = await api.call('POST', '/v1.0/extensions', { token: stand.token, body: { domain_id: stand.domainId, extension: number, password } });
    expect(created.status, created.text).toBe(200);
    expect(await register(await device(number, password, 'brand new phone'), 60)).toBe(200);
    expect(lookupsOf(`${number}@${stand.realm}`)).toBe(2);
  });

  it('refuses a cached old password the moment the password changes', async () => {
    const ext = await newExtension();
    expect(await register(await device(ext.extension, ext.password, 'before the change'), 60)).toBe(200);
    const changed = await api.call('PUT', `/v1.0/extensions/${ext.id}`, { token: stand.token, body: { password: 'BrandNewPass2026' } });
    expect(changed.status, changed.text).toBe(200);
    expect(await register(await device(ext.extension, ext.password, 'old password'), 60)).toBe(401);
    expect(await register(await device(ext.extension, 'BrandNewPass2026', 'new password'), 60)).toBe(200);
    expect(lookupsOf(ext.aor)).toBe(2);
  });

  it('does not cache an answer that an invalidation overtook while the lookup was in flight', async () => {
    const ext = await newExtension();
    let release = () => {};
    stand.proxy.lookupGate = new Promise<void>((resolve) => (release = resolve));
    try {
      const registering = register(await device(ext.extension, ext.password, 'racing phone'), 60);
      await waitFor(async () => lookupsOf(ext.aor), (n) => n === 1);
      // The change commits and its invalidation arrives while Kamailio still waits for
      // the (possibly older) answer.
      const invalidated = await fetch(stand.kamailio.controlUrl, {
        method: 'POST',
        headers: { authorization: `Bearer ${controlToken}` },
        body: JSON.stringify({ action: 'invalidate', aor: ext.aor }),
      });
      expect(invalidated.status).toBe(200);
      release();
      expect(await registering).toBe(200);
    } finally {
      release();
      stand.proxy.lookupGate = Promise.resolve();
    }
    // That answer served its REGISTER only: the next one asks again.
    expect(await register(await device(ext.extension, ext.password, 'next phone'), 60)).toBe(200);
    expect(lookupsOf(ext.aor)).toBe(2);
    expect(await register(await device(ext.extension, ext.password, 'third phone'), 60)).toBe(200);
    expect(lookupsOf(ext.aor)).toBe(2);
  });

  it('forgets a cached credential after CRED_CACHE_TTL', async () => {
    const node = await startNode('short-cache', { CRED_CACHE_TTL: 1 });
    const original = stand.kamailio;
    stand.kamailio = node;
    try {
      const ext = await newExtension();
      const phone = await device(ext.extension, ext.password, 'short cache phone');
      expect(await register(phone, 60)).toBe(200);
      expect(await register(phone, 60)).toBe(200);
      expect(lookupsOf(ext.aor)).toBe(1);
      await new Promise((resolve) => setTimeout(resolve, 2_100));
      expect(await register(phone, 60)).toBe(200);
      expect(lookupsOf(ext.aor)).toBe(2);
    } finally {
      stand.kamailio = original;
      await node.stop();
    }
  });

  it('had every webhook it sent accepted by the API (signatures valid)', () => {
    stand.expectEveryWebhookAccepted(1);
  });
});

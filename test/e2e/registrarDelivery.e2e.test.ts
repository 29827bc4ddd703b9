import { describe, expect, it } from 'vitest';
import { freePortFor } from '../../local/ports.js';
import { useRegistrarStand } from '../support/registrarStand.js';
import { requireRegistrarTools } from '../support/registrarTools.js';
import { waitFor } from '../support/waitFor.js';

/**
 * Kamailio's event queue: batched refreshes, an API that is down or hanging, a restart.
 * The whole loop runs for real (test/support/registrarStand.ts): SIPp devices -> Kamailio
 * (registrar/kamailio/kamailio.cfg) -> the API -> DynamoDB Local. Needs kamailio and sipp
 * (registrar/install.sh).
 */
const { tools, missing } = requireRegistrarTools('registrar end-to-end tests');

describe.skipIf(missing)("Kamailio's event delivery (Kamailio + SIPp + API)", () => {
  const stand = useRegistrarStand(tools.sipp!);
  const { newExtension, registrations, kamailioBindings, startNode, device, register } = stand;

  it('sends pure refreshes in batches, without snapshots, naming the customer and extension', async () => {
    const ext = await newExtension();
    const phones = await Promise.all([1, 2, 3, 4].map((i) => device(ext.extension, ext.password, `batch phone ${i}`)));
    for (const phone of phones) expect(await register(phone, 60)).toBe(200);
    await waitFor(() => registrations(ext.id), (r) => r.registrations.length === 4);

    expect(await Promise.all(phones.map((phone) => register(phone, 600)))).toEqual([200, 200, 200, 200]);
    const refreshes = await waitFor(
      async () => stand.proxy.webhooks.filter((w) => w.body?.aor === ext.aor && w.body.event === 'refreshed'),
      (seen) => seen.length === 4,
    );
    // Four refreshes, fewer POSTs: they waited for the flush and went together.
    expect(new Set(refreshes.map((w) => w.delivery)).size).toBeLessThan(4);
    for (const w of refreshes) {
      expect(w.body).not.toHaveProperty('bindings');
      expect(w.body).toMatchObject({ customer_id: stand.customerId, extension_id: ext.id });
      expect(w.outcome).toBe('applied');
    }
    const info = await waitFor(() => registrations(ext.id), (r) => r.registrations.every((reg) => reg.expires > 60));
    expect(info.registrations).toHaveLength(4);
  });

  it('keeps answering from its cache while the API is down, and catches up when it is back', async () => {
    const ext = await newExtension();
    const desk = await device(ext.extension, ext.password, 'desk phone');
    expect(await register(desk, 60)).toBe(200);
    await waitFor(() => registrations(ext.id), (r) => r.registered);

    stand.proxy.apiDown = true;
    const refusedBefore = stand.proxy.refusedDeliveries;
    try {
      const soft = await device(ext.extension, ext.password, 'softphone while the API is down');
      expect(await register(soft, 60)).toBe(200);
      expect(await register(desk, 900)).toBe(200);
      // Kamailio tried to deliver the new binding, failed, and keeps it for a retry.
      await waitFor(async () => stand.proxy.refusedDeliveries, (n) => n > refusedBefore);
    } finally {
      stand.proxy.apiDown = false;
    }
    const info = await waitFor(
      () => registrations(ext.id),
      (r) => r.registrations.length === 2 && r.registrations.some((reg) => reg.expires > 60),
      20_000,
    );
    expect(info.registrations.map((r) => r.device).sort()).toEqual(['desk phone', 'softphone while the API is down']);
  });

  it('never lets a SIP worker wait for a hanging API: refreshes keep their pace', async () => {
    const ext = await newExtension();
    const phones = await Promise.all([1, 2, 3, 4, 5, 6].map((i) => device(ext.extension, ext.password, `steady phone ${i}`)));
    for (const phone of phones) expect(await register(phone, 60)).toBe(200);
    await waitFor(() => registrations(ext.id), (r) => r.registrations.length === 6);

    stand.proxy.apiHangs = true;
    const refusedBefore = stand.proxy.refusedDeliveries;
    try {
      // Six REGISTERs one after the other through two SIP workers. A worker that waited
      // for the API after answering (a blocking webhook) would be stuck HTTP_TIMEOUT (3 s)
      // after each: the third and fourth would wait for the first two, the fifth and
      // sixth for those, about 6 s in all. Queued events cost nothing: well under 5 s
      // even on a busy machine.
      const started = Date.now();
      for (const phone of phones) expect(await register(phone, 600)).toBe(200);
      expect(Date.now() - started).toBeLessThan(5_000);
      await waitFor(async () => stand.proxy.refusedDeliveries, (n) => n > refusedBefore);
    } finally {
      stand.proxy.apiHangs = false;
      stand.proxy.releaseHeld();
    }
    // The held batch times out, is retried, and lands.
    await waitFor(
      () => registrations(ext.id),
      (r) => r.registrations.every((reg) => reg.expires > 60),
      20_000,
    );
  });

  it('converges after a Kamailio restart: devices re-register and the bindings of the old process end', async () => {
    const ext = await newExtension();
    // The same ports for both processes, as a restarted service would have.
    const ports = { sipPort: await freePortFor('udp'), controlPort: await freePortFor('tcp') };
    const node = () => startNode('restart', { EXPIRES_MIN: 1 }, ports);
    const original = stand.kamailio;
    stand.kamailio = await node();
    try {
      const phone = await device(ext.extension, ext.password, 'restarted phone');
      expect(await register(phone, 600)).toBe(200);
      const before = await waitFor(() => registrations(ext.id), (r) => r.registered);
      await stand.kamailio.stop();
      stand.kamailio = await node();
      // The new process knows nothing: the device's next REGISTER is a new binding.
      expect(await register(phone, 600)).toBe(200);
      const after = await waitFor(
        () => registrations(ext.id),
        (r) => r.registrations.length === 1 && r.registrations[0].registration_id !== before.registrations[0].registration_id,
      );
      expect(after.registered).toBe(true);
      expect((await kamailioBindings(ext.aor)).map((b) => b.ruid)).toEqual([after.registrations[0].registration_id]);
    } finally {
      await stand.kamailio.stop();
      stand.kamailio = original;
    }
  });

  it('had every webhook it sent accepted by the API (signatures valid)', () => {
    stand.expectEveryWebhookAccepted(1);
  });
});

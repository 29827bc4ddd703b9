import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newCustomer } from '../support/api.js';
import { contactOf, useRegistrarStand, type Device } from '../support/registrarStand.js';
import { requireRegistrarTools } from '../support/registrarTools.js';
import { sleep, startReceiver, useLocalWebhooks, verifyWithStandardWebhooks, waitFor, type Receiver } from '../support/webhooks.js';

/**
 * Registration events with real SIP: SIPp -> Kamailio -> the API (credential lookup and
 * signed registrar webhooks; test/support/registrarStand.ts) -> DynamoDB Local -> its
 * stream -> the local webhook pipeline -> a customer's receiver on 127.0.0.1, verified
 * with the Standard Webhooks reference library. Needs kamailio and sipp (registrar/install.sh).
 */
const { tools, missing } = requireRegistrarTools('customer webhook SIP tests');

describe.skipIf(missing)('customer webhooks from real registrations (Kamailio + SIPp)', () => {
  // The stand's customer (with its domain) subscribes below: the stand's beforeAll runs first.
  const stand = useRegistrarStand(tools.sipp!);
  const { api } = stand;
  useLocalWebhooks();
  let receiver: Receiver;
  let secret = '';
  let otherReceiver: Receiver;

  beforeAll(async () => {
    receiver = await startReceiver();
    const hook = await api.call('POST', '/v1.0/webhooks', {
      token: stand.token,
      body: { url: receiver.url, event_types: ['registration.registered', 'registration.unregistered', 'registration.expired'] },
    });
    expect(hook.status, hook.text).toBe(200);
    secret = hook.body.secret;
    // Another customer, subscribed to the same events, must hear nothing of these devices.
    const other = await newCustomer('webhooks sip other');
    otherReceiver = await startReceiver();
    const otherHook = await api.call('POST', '/v1.0/webhooks', {
      token: other.token,
      body: { url: otherReceiver.url, event_types: ['registration.registered', 'registration.unregistered', 'registration.expired'] },
    });
    expect(otherHook.status).toBe(200);
  });

  afterAll(async () => {
    await receiver?.close();
    await otherReceiver?.close();
  });

  /** A new extension and the SIPp device that registers as it. */
  async function newExtension() {
    const extension = await stand.newExtension();
    return { id: extension.id, ...(await stand.device(extension.extension, extension.password, 'SIPp webhook device')) };
  }
  const register = (d: Device, expires: number) => stand.register(d, expires);

  const eventsFor = (type: string, extensionId: string) =>
    receiver.events(type).filter((r) => r.json?.data?.extension_id === extensionId);

  it('a device registering produces exactly one registration.registered within a few seconds, verifiably signed', async () => {
    const d = await newExtension();
    const started = Date.now();
    expect(await register(d, 60)).toBe(200);
    const seen = await waitFor(() => eventsFor('registration.registered', d.id), (e) => e.length >= 1, 8000);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.at - started).toBeLessThan(5000);
    const payload = verifyWithStandardWebhooks(secret, seen[0]!) as any;
    expect(payload).toMatchObject({
      type: 'registration.registered',
      customer_id: stand.customerId,
      data: { extension_id: d.id, registration: { contact_address: contactOf(d), device: 'SIPp webhook device' } },
    });
    expect(payload.data.registration.registration_id).toMatch(/^uloc-/);
    // A refresh from the device is no event.
    expect(await register(d, 60)).toBe(200);
    await sleep(2000);
    expect(eventsFor('registration.registered', d.id)).toHaveLength(1);
    expect(otherReceiver.received).toHaveLength(0);
  });

  it('the device unregistering produces one registration.unregistered', async () => {
    const d = await newExtension();
    expect(await register(d, 60)).toBe(200);
    await waitFor(() => eventsFor('registration.registered', d.id), (e) => e.length >= 1, 8000);
    expect(await register(d, 0)).toBe(200);
    const seen = await waitFor(() => eventsFor('registration.unregistered', d.id), (e) => e.length >= 1, 8000);
    await sleep(1500);
    expect(eventsFor('registration.unregistered', d.id)).toHaveLength(1);
    verifyWithStandardWebhooks(secret, seen[0]!);
    expect(seen[0]!.json.data.reason).toBe('device');
    expect(otherReceiver.received).toHaveLength(0);
  });

  it('a registration left to lapse produces one registration.expired', async () => {
    const d = await newExtension();
    expect(await register(d, 2)).toBe(200);
    await waitFor(() => eventsFor('registration.registered', d.id), (e) => e.length >= 1, 8000);
    const seen = await waitFor(() => eventsFor('registration.expired', d.id), (e) => e.length >= 1, 12_000);
    await sleep(1500);
    expect(eventsFor('registration.expired', d.id)).toHaveLength(1);
    expect(eventsFor('registration.unregistered', d.id)).toHaveLength(0);
    verifyWithStandardWebhooks(secret, seen[0]!);
    expect(seen[0]!.json.data).toMatchObject({ reason: 'expired', registration: { expires: 0 } });
    expect(otherReceiver.received).toHaveLength(0);
  });
});

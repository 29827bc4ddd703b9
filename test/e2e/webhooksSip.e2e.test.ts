import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { updateConfig } from '../../shared/config.js';
import { startKamailio, type RunningKamailio } from '../../registrar/kamailio.js';
import { newCustomer, useApi } from '../support/api.js';
import { requireRegistrarTools } from '../support/registrarTools.js';
import { freeTcpPort, freeUdpPort } from '../support/ports.js';
import { contactOf, sipDevices, type Device } from '../support/sipDevices.js';
import { sleep, startReceiver, useLocalWebhooks, verifyWithStandardWebhooks, waitFor, type Receiver } from '../support/webhooks.js';

/**
 * Registration events with real SIP: SIPp -> Kamailio -> the API (credential lookup and
 * signed registrar webhooks) -> DynamoDB Local -> its stream -> the local webhook
 * pipeline -> a customer's receiver on 127.0.0.1, verified with the Standard Webhooks
 * reference library. Needs kamailio and sipp (registrar/install.sh).
 */
const { tools, missing } = requireRegistrarTools('customer webhook SIP tests');

const registrarSecret = randomBytes(24).toString('base64url');
const controlToken = randomBytes(24).toString('base64url');

describe.skipIf(missing)('customer webhooks from real registrations (Kamailio + SIPp)', () => {
  const api = useApi();
  useLocalWebhooks();
  let kamailio: RunningKamailio;
  let workDir = '';
  let token = '';
  let customerId = '';
  let domainId = '';
  let realm = '';
  let receiver: Receiver;
  let secret = '';
  let otherReceiver: Receiver;
  const kamailioLog: string[] = [];

  beforeAll(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'webhooks-sip-'));
    const controlPort = await freeTcpPort();
    // Configuration is fixed per process (shared/config.ts): this file's registrar.
    updateConfig({
      registrarSecrets: [registrarSecret],
      registrarControlUrl: `http://127.0.0.1:${controlPort}/control`,
      registrarControlToken: controlToken,
    });
    kamailio = await startKamailio({
      apiUrl: api.base,
      secret: registrarSecret,
      controlToken,
      sipPort: await freeUdpPort(),
      controlPort,
      runDir: join(workDir, 'kamailio'),
      // Short lifetimes so expiry shows within seconds.
      defines: { EXPIRES_MIN: 1, EXPIRES_DEFAULT: 60, EXPIRES_MAX: 3600, UL_TIMER_INTERVAL: 1, SIP_WORKERS: 2, REFRESH_FLUSH_INTERVAL: 1 },
      sharedMemoryMb: 32,
      privateMemoryMb: 4,
      onLog: (line) => {
        kamailioLog.push(line);
        if (kamailioLog.length > 200) kamailioLog.shift();
      },
    });
    ({ token, customerId } = await newCustomer('webhooks sip'));
    const domain = await api.call('POST', '/v1.0/domains', { token, body: { domain_name: `wh-${randomBytes(5).toString('hex')}` } });
    expect(domain.status, domain.text).toBe(200);
    domainId = domain.body.id;
    realm = domain.body.realm;
    receiver = await startReceiver();
    const hook = await api.call('POST', '/v1.0/webhooks', {
      token,
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
    await kamailio?.stop();
    await receiver?.close();
    await otherReceiver?.close();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  const devices = sipDevices({
    sipp: tools.sipp!,
    workDir: () => workDir,
    realm: () => realm,
    registrarLog: () => kamailioLog,
  });

  let counter = 2000;
  /** A new extension and the SIPp device that registers as it. */
  async function newExtension() {
    const extension = String(++counter);
    const password = `Pw${randomBytes(8).toString('hex')}9`;
    const created = await api.call('POST', '/v1.0/extensions', { token, body: { domain_id: domainId, extension, password } });
    expect(created.status, created.text).toBe(200);
    return { id: created.body.id as string, ...(await devices.device(extension, password, 'SIPp webhook device')) };
  }
  const register = (d: Device, expires: number) => devices.register(kamailio.sipPort, d, expires);

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
      customer_id: customerId,
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

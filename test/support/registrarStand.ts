import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { freePortFor } from '../../local/ports.js';
import { startKamailio, type RunningKamailio } from '../../registrar/kamailio.js';
import { newCustomer, useApi } from './api.js';
import { startRecordingProxy, type RecordingProxy } from './recordingProxy.js';
import { contactOf, sipDevices, type Device } from './sipDevices.js';
import { waitFor } from './waitFor.js';
import { updateConfig } from '../../shared/config.js';

export { contactOf, type Device };

/** Valid for the extensions API: 12+ characters, letters and digits. */
export const newPassword = () => `Pw${randomBytes(9).toString('hex')}`;

/**
 * The whole registrar loop for a test file (test/e2e/registrar*.e2e.test.ts): the API, a
 * recording proxy in front of it (test/support/recordingProxy.ts), Kamailio
 * (registrar/kamailio/kamailio.cfg) talking to the proxy, a customer with one domain, and
 * SIPp devices. Started in beforeAll, stopped in afterAll. `kamailio` may be swapped for
 * another node (startNode) by a test; `register` talks to whichever is current.
 */
export function useRegistrarStand(sipp: string) {
  const api = useApi();
  // The API reads these at call time: the registrar's secret, and where Kamailio's control
  // channel listens (set before any request).
  const registrarSecret = randomBytes(24).toString('base64url');
  const controlToken = randomBytes(24).toString('base64url');
  const kamailioLog: string[] = [];
  let workDir = '';
  let extensionCounter = 1000;

  const stand = {
    api,
    controlToken,
    kamailio: undefined as unknown as RunningKamailio,
    proxy: undefined as unknown as RecordingProxy,
    token: '',
    customerId: '',
    domainId: '',
    realm: '',
    /** A new extension number in the stand's domain. */
    nextExtension: () => String(++extensionCounter),
    newExtension,
    registrations,
    kamailioBindings,
    startNode,
    webhooksFor,
    lookupsOf: (aor: string) => stand.proxy.lookups.filter((asked) => asked === aor).length,
    device: (user: string, password: string, ua: string) => devices.device(user, password, ua),
    /** One REGISTER from the device to the current Kamailio; the final SIP status. */
    register: (d: Device, expires: number, options: { contact?: string } = {}) =>
      devices.register(stand.kamailio.sipPort, d, expires, options),
    expectEveryWebhookAccepted,
  };
  const devices = sipDevices({ sipp, workDir: () => workDir, realm: () => stand.realm, registrarLog: () => kamailioLog });

  beforeAll(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'registrar-e2e-'));
    const controlPort = await freePortFor('tcp');
    updateConfig({
      registrarSecrets: ['unused-old-secret', registrarSecret],
      registrarControlUrl: `http://127.0.0.1:${controlPort}/control`,
      registrarControlToken: controlToken,
    });
    stand.proxy = await startRecordingProxy(() => api.base);
    stand.kamailio = await startKamailio({
      apiUrl: stand.proxy.url,
      secret: registrarSecret,
      controlToken,
      sipPort: await freePortFor('udp'),
      controlPort,
      runDir: join(workDir, 'kamailio'),
      defines: { EXPIRES_MIN: 1, EXPIRES_DEFAULT: 60, EXPIRES_MAX: 3600, UL_TIMER_INTERVAL: 1, SIP_WORKERS: 2, REFRESH_FLUSH_INTERVAL: 1 },
      sharedMemoryMb: 32,
      privateMemoryMb: 4,
      onLog: (line) => {
        kamailioLog.push(line);
        if (kamailioLog.length > 400) kamailioLog.shift();
      },
    });
    ({ token: stand.token, customerId: stand.customerId } = await newCustomer('registrar e2e'));
    const domain = await api.call('POST', '/v1.0/domains', {
      token: stand.token,
      body: { domain_name: `e2e-${randomBytes(5).toString('hex')}` },
    });
    expect(domain.status, domain.text).toBe(200);
    stand.domainId = domain.body.id;
    stand.realm = domain.body.realm;
    expect(stand.realm).toBe(`${domain.body.domain_name}.${process.env.SIP_DOMAIN_SUFFIX}`);
  });

  afterAll(async () => {
    await stand.kamailio?.stop();
    await stand.proxy?.close();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  async function newExtension(password = newPassword()) {
    const extension = stand.nextExtension();
    const created = await api.call('POST', '/v1.0/extensions', {
      token: stand.token,
      body: { domain_id: stand.domainId, extension, password },
    });
    expect(created.status, created.text).toBe(200);
    return { id: created.body.id as string, extension, password, aor: `${extension}@${stand.realm}` };
  }

  async function registrations(extensionId: string) {
    const r = await api.call('GET', `/v1.0/extensions/${extensionId}/registrations`, { token: stand.token });
    expect(r.status, r.text).toBe(200);
    return r.body as { extension_id: string; registered: boolean; registrations: any[] };
  }

  /** Kamailio's own view of an AOR: the ruids of its bindings (usrloc over JSON-RPC). */
  async function kamailioBindings(aor: string): Promise<{ ruid: string; address: string; userAgent: string }[]> {
    try {
      const result = await stand.kamailio.rpc<any>('ul.lookup', ['location', aor]);
      return (result.Contacts ?? []).map((c: any) => ({
        ruid: c.Contact.Ruid,
        address: c.Contact.Address,
        userAgent: c.Contact['User-Agent'],
      }));
    } catch (error) {
      if (/not found|no contacts/i.test((error as Error).message)) return [];
      throw error;
    }
  }

  /** A second, small Kamailio beside the main one (own ports and run directory). */
  async function startNode(
    name: string,
    defines: Record<string, string | number>,
    ports: { sipPort?: number; controlPort?: number } = {},
    apiUrl = stand.proxy.url,
  ) {
    return startKamailio({
      apiUrl,
      secret: registrarSecret,
      controlToken,
      sipPort: ports.sipPort ?? (await freePortFor('udp')),
      controlPort: ports.controlPort ?? (await freePortFor('tcp')),
      runDir: join(workDir, `kamailio-${name}`),
      defines: { SIP_WORKERS: 1, ...defines },
      sharedMemoryMb: 16,
      privateMemoryMb: 4,
    });
  }

  /** The webhooks Kamailio sent for an AOR, once at least `count` have been answered. */
  function webhooksFor(aor: string, count: number) {
    return waitFor(
      async () => stand.proxy.webhooks.filter((w) => w.body?.aor === aor),
      (seen) => seen.length >= count,
    );
  }

  /** Every webhook the file's registrars sent was accepted by the API (signatures valid). */
  function expectEveryWebhookAccepted(atLeast: number) {
    const { webhooks } = stand.proxy;
    expect(webhooks.length).toBeGreaterThanOrEqual(atLeast);
    expect(webhooks.filter((w) => w.status !== 200 || w.outcome === 'rejected')).toEqual([]);
    for (const w of webhooks) expect(w.body.event_time).toBeTypeOf('number');
  }

  return stand;
}

/** A request to Kamailio's control listener from 127.0.0.2: a caller that is not 127.0.0.1. */
export function fromOtherHost(url: string, authorization: string, body: unknown): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const payload = JSON.stringify(body);
    const request = httpRequest(
      url,
      {
        method: 'POST',
        localAddress: '127.0.0.2',
        headers: { authorization, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
      },
      (response) => {
        let text = '';
        response.on('data', (c: Buffer) => (text += c.toString()));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
      },
    );
    request.on('error', reject);
    request.end(payload);
  });
}

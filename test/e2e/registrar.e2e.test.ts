import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, request as httpRequest, type Server } from 'node:http';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIPP_REGISTER_XML, startKamailio, type RunningKamailio } from '../../registrar/kamailio.js';
import { requireRegistrarTools } from '../support/registrarTools.js';
import { newCustomer, useApi } from '../support/api.js';

/**
 * The whole loop with real SIP: SIPp devices -> Kamailio (registrar/kamailio/kamailio.cfg)
 * -> the API's credential lookup and signed webhooks -> DynamoDB Local, and back: the
 * API's DELETE -> Kamailio's control channel. Needs kamailio and sipp (registrar/install.sh).
 */
const { tools, missing } = requireRegistrarTools('registrar end-to-end tests');

// The API reads these at call time: the registrar's secret, and where Kamailio's control
// channel listens (set before any request).
const registrarSecret = randomBytes(24).toString('base64url');
const controlToken = randomBytes(24).toString('base64url');

/** One event as Kamailio sent it (alone, or within a batch) and what the API answered. */
interface WebhookSeen {
  body: any;
  status: number;
  /** The API's per-event outcome when the event came in a batch. */
  outcome?: string;
  reply: string;
  /** Which delivery (POST) carried it. */
  delivery: number;
}

describe.skipIf(missing)('registrar end to end (Kamailio + SIPp + API)', () => {
  const api = useApi();
  let kamailio: RunningKamailio;
  let proxy: Server;
  let proxyUrl = '';
  let workDir = '';
  let token = '';
  let customerId = '';
  let domainId = '';
  let realm = '';
  const webhooks: WebhookSeen[] = [];
  const deliveries: { size: number; status: number }[] = [];
  /** The user@realm of every credential lookup Kamailio made. */
  const lookups: string[] = [];
  /** Credential lookups wait for this before they reach the API (a lookup held in flight). */
  let lookupGate: Promise<void> = Promise.resolve();
  /** While true the proxy drops every connection, as an unreachable API would. */
  let apiDown = false;
  /** While true the proxy holds every request without answering (a hanging API). */
  let apiHangs = false;
  const heldSockets: import('node:net').Socket[] = [];
  let refusedDeliveries = 0;
  const kamailioLog: string[] = [];

  beforeAll(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'registrar-e2e-'));
    const controlPort = await freeTcpPort();
    process.env.REGISTRAR_SECRETS = `unused-old-secret,${registrarSecret}`;
    process.env.REGISTRAR_CONTROL_URL = `http://127.0.0.1:${controlPort}/control`;
    process.env.REGISTRAR_CONTROL_TOKEN = controlToken;

    // Kamailio talks to the gateway through this pass-through, which notes each webhook
    // and the API's answer (the API verifies the signature: a 200 proves it held).
    proxy = createHttpServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
      const body = Buffer.concat(chunks);
      if (req.url?.startsWith('/v1.0/registrar/credentials')) {
        const asked = new URL(req.url, 'http://x').searchParams;
        lookups.push(`${asked.get('username')}@${asked.get('realm')}`);
        await lookupGate;
      }
      if (apiHangs) {
        // As if the API were black-holed: the request is held, never answered.
        if (req.url?.startsWith('/v1.0/registrar/webhook')) refusedDeliveries++;
        heldSockets.push(req.socket);
        return;
      }
      if (apiDown) {
        // As if the API were unreachable: the connection drops without an answer.
        if (req.url?.startsWith('/v1.0/registrar/webhook')) refusedDeliveries++;
        req.socket.destroy();
        return;
      }
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) {
        if (typeof value === 'string' && name !== 'host' && name !== 'connection' && name !== 'content-length') headers[name] = value;
      }
      const upstream = await fetch(new URL(req.url ?? '/', api.base), {
        method: req.method,
        headers,
        body: req.method === 'GET' || req.method === 'HEAD' ? undefined : body,
      });
      const reply = await upstream.text();
      if (req.url?.startsWith('/v1.0/registrar/webhook')) {
        let parsed: any = undefined;
        try {
          parsed = JSON.parse(body.toString('utf8'));
        } catch {
          parsed = body.toString('utf8');
        }
        // A batch (protocol 2) is noted event by event, with the API's result for each.
        const events: any[] = Array.isArray(parsed?.events) ? parsed.events : [parsed];
        const delivery = deliveries.length;
        deliveries.push({ size: events.length, status: upstream.status });
        let results: any[] = [];
        try {
          results = JSON.parse(reply).results ?? [];
        } catch {
          // not JSON: the status says it all
        }
        events.forEach((event, i) =>
          webhooks.push({ body: event, status: upstream.status, outcome: results[i]?.outcome, reply, delivery }),
        );
      }
      res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' });
      res.end(reply);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', () => resolve()));
    proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;

    kamailio = await startKamailio({
      apiUrl: proxyUrl,
      secret: registrarSecret,
      controlToken,
      sipPort: await freeUdpPort(),
      controlPort,
      runDir: join(workDir, 'kamailio'),
      defines: {
        EXPIRES_MIN: 1,
        EXPIRES_DEFAULT: 60,
        EXPIRES_MAX: 3600,
        UL_TIMER_INTERVAL: 1,
        SIP_WORKERS: 2,
        REFRESH_FLUSH_INTERVAL: 1,
      },
      sharedMemoryMb: 32,
      privateMemoryMb: 4,
      onLog: (line) => {
        kamailioLog.push(line);
        if (kamailioLog.length > 400) kamailioLog.shift();
      },
    });

    ({ token, customerId } = await newCustomer('registrar e2e'));
    const domain = await api.call('POST', '/v1.0/domains', { token, body: { domain_name: `e2e-${randomBytes(5).toString('hex')}` } });
    expect(domain.status, domain.text).toBe(200);
    domainId = domain.body.id;
    realm = domain.body.realm;
    expect(realm).toBe(`${domain.body.domain_name}.${process.env.SIP_DOMAIN_SUFFIX}`);
  });

  afterAll(async () => {
    await kamailio?.stop();
    await new Promise((resolve) => (proxy ? proxy.close(resolve) : resolve(undefined)));
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  // ---- helpers ------------------------------------------------------------------------

  let extensionCounter = 1000;
  async function newExtension(password = newPassword()) {
    const extension = String(++extensionCounter);
    const created = await api.call('POST', '/v1.0/extensions', { token, body: { domain_id: domainId, extension, password } });
    expect(created.status, created.text).toBe(200);
    return { id: created.body.id as string, extension, password, aor: `${extension}@${realm}` };
  }

  interface Device {
    user: string;
    password: string;
    port: number;
    ua: string;
    callId: string;
    cseq: number;
    realm?: string;
  }

  async function device(user: string, password: string, ua: string): Promise<Device> {
    return { user, password, port: await freeUdpPort(), ua, callId: randomBytes(8).toString('hex'), cseq: 1 };
  }

  const contactOf = (d: Device) => `sip:${d.user}@127.0.0.1:${d.port};transport=udp`;

  /** One REGISTER (challenge, then credentials) from the device; the final SIP status. */
  async function register(d: Device, expires: number, options: { contact?: string } = {}): Promise<number> {
    const logFile = join(workDir, `sipp-${randomBytes(4).toString('hex')}.log`);
    const args = [
      `127.0.0.1:${kamailio.sipPort}`,
      '-sf',
      SIPP_REGISTER_XML,
      '-m',
      '1',
      '-i',
      '127.0.0.1',
      '-p',
      String(d.port),
      '-s',
      d.user,
      '-au',
      d.user,
      '-ap',
      d.password,
      '-key',
      'realm',
      d.realm ?? realm,
      '-key',
      'expires',
      String(expires),
      '-key',
      'ua',
      d.ua,
      '-key',
      'contact',
      options.contact ?? `<${contactOf(d)}>`,
      '-cid_str',
      `${d.callId}-%u`,
      '-base_cseq',
      String(d.cseq),
      '-trace_logs',
      '-log_file',
      logFile,
      '-timeout',
      '10s',
      '-timeout_error',
      '-nostdin',
    ];
    // Two requests per run (challenge + credentials): the next run of this device
    // continues the dialog with a higher CSeq.
    d.cseq += 2;
    const output: string[] = [];
    const code = await new Promise<number | null>((resolve) => {
      const child = spawn(tools.sipp!, args, { cwd: workDir, stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout.on('data', (c: Buffer) => output.push(c.toString()));
      child.stderr.on('data', (c: Buffer) => output.push(c.toString()));
      child.on('exit', (c) => resolve(c));
    });
    let log = '';
    try {
      log = readFileSync(logFile, 'utf8');
    } catch {
      // no result line written
    }
    const result = /RESULT (\d{3})/.exec(log);
    if (code !== 0 || !result) {
      throw new Error(
        `sipp failed (exit ${code}):\n${output.join('').slice(-3000)}\n--- kamailio ---\n${kamailioLog.slice(-40).join('\n')}`,
      );
    }
    return Number(result[1]);
  }

  const registrations = async (extensionId: string) => {
    const r = await api.call('GET', `/v1.0/extensions/${extensionId}/registrations`, { token });
    expect(r.status, r.text).toBe(200);
    return r.body as { extension_id: string; registered: boolean; registrations: any[] };
  };

  /** Kamailio's own view of an AOR: the ruids of its bindings (usrloc over JSON-RPC). */
  async function kamailioBindings(aor: string): Promise<{ ruid: string; address: string; userAgent: string }[]> {
    try {
      const result = await kamailio.rpc<any>('ul.lookup', ['location', aor]);
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
    apiUrl = proxyUrl,
  ) {
    return startKamailio({
      apiUrl,
      secret: registrarSecret,
      controlToken,
      sipPort: ports.sipPort ?? (await freeUdpPort()),
      controlPort: ports.controlPort ?? (await freeTcpPort()),
      runDir: join(workDir, `kamailio-${name}`),
      defines: { SIP_WORKERS: 1, ...defines },
      sharedMemoryMb: 16,
      privateMemoryMb: 4,
    });
  }

  /** The webhooks Kamailio sent for an AOR, once at least `count` have been answered. */
  const webhooksFor = (aor: string, count: number) =>
    waitFor(
      async () => webhooks.filter((w) => w.body?.aor === aor),
      (seen) => seen.length >= count,
    );

  // ---- the tests ----------------------------------------------------------------------

  it('keeps its control channel and RPC behind the token', async () => {
    const noToken = await fetch(kamailio.rpcUrl, {
      method: 'POST',
      body: JSON.stringify({ jsonrpc: '2.0', method: 'ul.dump', id: 1 }),
    });
    expect(noToken.status).toBe(401);
    const wrongToken = await fetch(kamailio.controlUrl, {
      method: 'POST',
      headers: { authorization: 'Bearer nope' },
      body: JSON.stringify({ aor: `x@${realm}` }),
    });
    expect(wrongToken.status).toBe(401);
    const unknown = await fetch(kamailio.controlUrl, {
      method: 'POST',
      headers: { authorization: `Bearer ${controlToken}` },
      body: JSON.stringify({ aor: `nobody@${realm}` }),
    });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ removed: 0 });

    // A caller that is not 127.0.0.1 (here 127.0.0.2) is refused even with the token
    // (no WITH_REMOTE_CONTROL), on /control and /RPC alike.
    const auth = `Bearer ${controlToken}`;
    expect((await fromOtherHost(kamailio.controlUrl, auth, { aor: `nobody@${realm}` })).status).toBe(403);
    expect((await fromOtherHost(kamailio.rpcUrl, auth, { jsonrpc: '2.0', method: 'core.version', id: 1 })).status).toBe(403);
    // A token that differs only in its last character, or its length, is refused.
    for (const wrong of [controlToken.slice(0, -1) + (controlToken.endsWith('A') ? 'B' : 'A'), controlToken + 'x', '']) {
      const r = await fetch(kamailio.controlUrl, {
        method: 'POST',
        headers: { authorization: `Bearer ${wrong}` },
        body: JSON.stringify({ aor: `nobody@${realm}` }),
      });
      expect(r.status).toBe(401);
    }
  });

  it('with WITH_REMOTE_CONTROL serves /control to other hosts but keeps /RPC on loopback', async () => {
    const remote = await startNode('remote-control', { WITH_REMOTE_CONTROL: 1 });
    try {
      const auth = `Bearer ${controlToken}`;
      const control = await fromOtherHost(remote.controlUrl, auth, { aor: `nobody@${realm}` });
      expect(control.status).toBe(404);
      expect(JSON.parse(control.text)).toEqual({ removed: 0 });
      expect((await fromOtherHost(remote.controlUrl, 'Bearer nope', { aor: `nobody@${realm}` })).status).toBe(401);
      const rpc = await fromOtherHost(remote.rpcUrl, auth, { jsonrpc: '2.0', method: 'core.version', id: 1 });
      expect(rpc.status).toBe(403);
      expect(rpc.text).not.toContain('kamailio');
      // Loopback still reaches /RPC.
      expect(await remote.rpc('core.version')).toBeTruthy();
    } finally {
      await remote.stop();
    }
  });

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
    expect(webhooks.filter((w) => w.body?.aor === ext.aor)).toEqual([]);
  });

  it('answers an unknown user (and an unknown realm) with 403', async () => {
    const stranger = await device('9999', 'Whatever12345', 'stranger');
    expect(await register(stranger, 60)).toBe(403);
    const elsewhere = await device('1001', 'Whatever12345', 'stranger');
    elsewhere.realm = `nowhere-${randomBytes(4).toString('hex')}.${process.env.SIP_DOMAIN_SUFFIX}`;
    expect(await register(elsewhere, 60)).toBe(403);
    expect(await kamailioBindings(`9999@${realm}`)).toEqual([]);
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
      async () => webhooks.find((w) => w.body?.aor === ext.aor && w.body.event === 'expired'),
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

    const deleted = await api.call('DELETE', `/v1.0/extensions/${ext.id}/registrations/${dropId}`, { token });
    expect(deleted.status, deleted.text).toBe(204);

    expect((await kamailioBindings(ext.aor)).map((b) => b.ruid)).toEqual([keepId]);
    const after = await registrations(ext.id);
    expect(after.registered).toBe(true);
    expect(after.registrations.map((r) => r.registration_id)).toEqual([keepId]);

    const again = await api.call('DELETE', `/v1.0/extensions/${ext.id}/registrations/${dropId}`, { token });
    expect(again.status, again.text).toBe(404);

    const all = await api.call('DELETE', `/v1.0/extensions/${ext.id}/registrations`, { token });
    expect(all.status, all.text).toBe(204);
    expect(await kamailioBindings(ext.aor)).toEqual([]);
    expect((await registrations(ext.id)).registered).toBe(false);
  });

  it('refuses the old password after a password change', async () => {
    const ext = await newExtension();
    const changed = await api.call('PUT', `/v1.0/extensions/${ext.id}`, { token, body: { password: 'BrandNewPass2026' } });
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

    const deleted = await api.call('DELETE', `/v1.0/extensions/${ext.id}`, { token });
    expect(deleted.status, deleted.text).toBe(200);
    await waitFor(() => kamailioBindings(ext.aor), (b) => b.length === 0);

    expect(await register(phone, 60)).toBe(403);
    expect(await kamailioBindings(ext.aor)).toEqual([]);
  });

  it('with NO_SNAPSHOT sends no bindings snapshot, and one unregistered event per binding on Contact: *', async () => {
    const node = await startNode('no-snapshot', { EXPIRES_MIN: 1, NO_SNAPSHOT: 1 });
    const original = kamailio;
    kamailio = node;
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
      kamailio = original;
      await node.stop();
    }
  });

  it('answers 503 while the API cannot be reached', async () => {
    const deadApi = `http://127.0.0.1:${await freeTcpPort()}`;
    const lonely = await startNode('no-api', {}, {}, deadApi);
    try {
      const ext = await newExtension();
      const phone = await device(ext.extension, ext.password, 'patient phone');
      const original = kamailio;
      kamailio = lonely;
      try {
        expect(await register(phone, 60)).toBe(503);
        expect(await kamailioBindings(ext.aor)).toEqual([]);
      } finally {
        kamailio = original;
      }
    } finally {
      await lonely.stop();
    }
  });

  // ---- the credential cache and the event queue -----------------------------------------

  const lookupsOf = (aor: string) => lookups.filter((asked) => asked === aor).length;

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
    const number = String(++extensionCounter);
    const scanner = await device(number, 'Whatever12345', 'scanner');
    for (let i = 0; i < 3; i++) expect(await register(scanner, 60)).toBe(403);
    expect(lookupsOf(`${number}@${realm}`)).toBe(1);

    const password = newPassword();
    const created = await api.call('POST', '/v1.0/extensions', { token, body: { domain_id: domainId, extension: number, password } });
    expect(created.status, created.text).toBe(200);
    expect(await register(await device(number, password, 'brand new phone'), 60)).toBe(200);
    expect(lookupsOf(`${number}@${realm}`)).toBe(2);
  });

  it('refuses a cached old password the moment the password changes', async () => {
    const ext = await newExtension();
    expect(await register(await device(ext.extension, ext.password, 'before the change'), 60)).toBe(200);
    const changed = await api.call('PUT', `/v1.0/extensions/${ext.id}`, { token, body: { password: 'BrandNewPass2026' } });
    expect(changed.status, changed.text).toBe(200);
    expect(await register(await device(ext.extension, ext.password, 'old password'), 60)).toBe(401);
    expect(await register(await device(ext.extension, 'BrandNewPass2026', 'new password'), 60)).toBe(200);
    expect(lookupsOf(ext.aor)).toBe(2);
  });

  it('does not cache an answer that an invalidation overtook while the lookup was in flight', async () => {
    const ext = await newExtension();
    let release = () => {};
    lookupGate = new Promise<void>((resolve) => (release = resolve));
    try {
      const registering = register(await device(ext.extension, ext.password, 'racing phone'), 60);
      await waitFor(async () => lookupsOf(ext.aor), (n) => n === 1);
      // The change commits and its invalidation arrives while Kamailio still waits for
      // the (possibly older) answer.
      const invalidated = await fetch(kamailio.controlUrl, {
        method: 'POST',
        headers: { authorization: `Bearer ${controlToken}` },
        body: JSON.stringify({ action: 'invalidate', aor: ext.aor }),
      });
      expect(invalidated.status).toBe(200);
      release();
      expect(await registering).toBe(200);
    } finally {
      release();
      lookupGate = Promise.resolve();
    }
    // That answer served its REGISTER only: the next one asks again.
    expect(await register(await device(ext.extension, ext.password, 'next phone'), 60)).toBe(200);
    expect(lookupsOf(ext.aor)).toBe(2);
    expect(await register(await device(ext.extension, ext.password, 'third phone'), 60)).toBe(200);
    expect(lookupsOf(ext.aor)).toBe(2);
  });

  it('sends pure refreshes in batches, without snapshots, naming the customer and extension', async () => {
    const ext = await newExtension();
    const phones = await Promise.all([1, 2, 3, 4].map((i) => device(ext.extension, ext.password, `batch phone ${i}`)));
    for (const phone of phones) expect(await register(phone, 60)).toBe(200);
    await waitFor(() => registrations(ext.id), (r) => r.registrations.length === 4);

    expect(await Promise.all(phones.map((phone) => register(phone, 600)))).toEqual([200, 200, 200, 200]);
    const refreshes = await waitFor(
      async () => webhooks.filter((w) => w.body?.aor === ext.aor && w.body.event === 'refreshed'),
      (seen) => seen.length === 4,
    );
    // Four refreshes, fewer POSTs: they waited for the flush and went together.
    expect(new Set(refreshes.map((w) => w.delivery)).size).toBeLessThan(4);
    for (const w of refreshes) {
      expect(w.body).not.toHaveProperty('bindings');
      expect(w.body).toMatchObject({ customer_id: customerId, extension_id: ext.id });
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

    apiDown = true;
    const refusedBefore = refusedDeliveries;
    try {
      const soft = await device(ext.extension, ext.password, 'softphone while the API is down');
      expect(await register(soft, 60)).toBe(200);
      expect(await register(desk, 900)).toBe(200);
      // Kamailio tried to deliver the new binding, failed, and keeps it for a retry.
      await waitFor(async () => refusedDeliveries, (n) => n > refusedBefore);
    } finally {
      apiDown = false;
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

    apiHangs = true;
    const refusedBefore = refusedDeliveries;
    try {
      // Six REGISTERs one after the other through two SIP workers. A worker that waited
      // for the API after answering (a blocking webhook) would be stuck HTTP_TIMEOUT (3 s)
      // after each: the third and fourth would wait for the first two, the fifth and
      // sixth for those, about 6 s in all. Queued events cost nothing: well under 5 s
      // even on a busy machine.
      const started = Date.now();
      for (const phone of phones) expect(await register(phone, 600)).toBe(200);
      expect(Date.now() - started).toBeLessThan(5_000);
      await waitFor(async () => refusedDeliveries, (n) => n > refusedBefore);
    } finally {
      apiHangs = false;
      for (const socket of heldSockets.splice(0)) socket.destroy();
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
    const ports = { sipPort: await freeUdpPort(), controlPort: await freeTcpPort() };
    const node = () => startNode('restart', { EXPIRES_MIN: 1 }, ports);
    const original = kamailio;
    kamailio = await node();
    try {
      const phone = await device(ext.extension, ext.password, 'restarted phone');
      expect(await register(phone, 600)).toBe(200);
      const before = await waitFor(() => registrations(ext.id), (r) => r.registered);
      await kamailio.stop();
      kamailio = await node();
      // The new process knows nothing: the device's next REGISTER is a new binding.
      expect(await register(phone, 600)).toBe(200);
      const after = await waitFor(
        () => registrations(ext.id),
        (r) => r.registrations.length === 1 && r.registrations[0].registration_id !== before.registrations[0].registration_id,
      );
      expect(after.registered).toBe(true);
      expect((await kamailioBindings(ext.aor)).map((b) => b.ruid)).toEqual([after.registrations[0].registration_id]);
    } finally {
      await kamailio.stop();
      kamailio = original;
    }
  });

  it('forgets a cached credential after CRED_CACHE_TTL', async () => {
    const node = await startNode('short-cache', { CRED_CACHE_TTL: 1 });
    const original = kamailio;
    kamailio = node;
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
      kamailio = original;
      await node.stop();
    }
  });

  it('had every webhook it sent accepted by the API (signatures valid)', () => {
    expect(webhooks.length).toBeGreaterThan(10);
    const rejected = webhooks.filter((w) => w.status !== 200 || w.outcome === 'rejected');
    expect(rejected).toEqual([]);
    for (const w of webhooks) expect(w.body.event_time).toBeTypeOf('number');
  });
});

describe.skipIf(missing)('npm run registrar', () => {
  it('starts Kamailio with the local settings and stops it, workers included, on SIGTERM', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'registrar-start-'));
    const sipPort = await freeUdpPort();
    const controlPort = await freeTcpPort();
    const child = spawn(join(projectRoot, 'node_modules', '.bin', 'tsx'), ['registrar/start.ts'], {
      cwd: projectRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        LOCAL_DATA_DIR: dataDir,
        API_URL: `http://127.0.0.1:${await freeTcpPort()}`,
        REGISTRAR_SIP_PORT: String(sipPort),
        REGISTRAR_CONTROL_PORT: String(controlPort),
        REGISTRAR_SECRETS: '',
        REGISTRAR_SECRET: '',
        REGISTRAR_CONTROL_TOKEN: '',
      },
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await waitFor(async () => output, (o) => o.includes('Ctrl-C stops Kamailio'), 20_000);
      expect(output).toContain(`sip:127.0.0.1:${sipPort} (udp)`);
      expect(output).toContain('npm start'); // the API is not up: it says how to start it
      const settings = JSON.parse(readFileSync(join(dataDir, 'local.json'), 'utf8'));
      expect(settings.registrarControlToken).toMatch(/^[\w-]{40,}$/);
      expect(output).not.toContain(settings.registrarControlToken);
      expect(output).not.toContain(settings.registrarSecret);
      const pid = Number(readFileSync(join(dataDir, 'kamailio', 'kamailio.pid'), 'utf8'));
      expect(processAlive(pid)).toBe(true);
      // The control channel answers with the token from .data/local.json.
      const rpc = await fetch(`http://127.0.0.1:${controlPort}/RPC`, {
        method: 'POST',
        headers: { authorization: `Bearer ${settings.registrarControlToken}` },
        body: JSON.stringify({ jsonrpc: '2.0', method: 'core.version', id: 1 }),
      });
      expect(rpc.status).toBe(200);

      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(processAlive(pid)).toBe(false);
      expect(await waitFor(async () => processGroupAlive(pid), (alive) => !alive, 5_000)).toBe(false);
    } finally {
      child.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

// ---- plumbing -----------------------------------------------------------------------

const projectRoot = join(import.meta.dirname, '..', '..');

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Kamailio's workers share its process group (its pid). */
function processGroupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Valid for the extensions API: 12+ characters, letters and digits. */
const newPassword = () => `Pw${randomBytes(9).toString('hex')}`;

async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T = await read();
  while (!done(last)) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms; last value: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 100));
    last = await read();
  }
  return last;
}

/** A request to Kamailio's control listener from 127.0.0.2: a caller that is not 127.0.0.1. */
function fromOtherHost(url: string, authorization: string, body: unknown): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const payload = JSON.stringify(body);
    const request = httpRequest(
      url,
      { method: 'POST', localAddress: '127.0.0.2', headers: { authorization, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } },
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

function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => {
      const { port } = socket.address();
      socket.close(() => resolve(port));
    });
  });
}

function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createTcpServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

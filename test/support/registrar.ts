import { createHmac, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'vitest';
import type { useApi } from './api.js';
import { updateConfig } from '../../shared/config.js';

type Api = ReturnType<typeof useApi>;

export const SECRET_A = 'registrar-secret-a-0123456789abcdef';
export const SECRET_B = 'registrar-secret-b-fedcba9876543210';
export const PASSWORD = 'Str0ngEnoughPassw0rd';

/** Handlers read the configuration at call time: set before any call. */
export function useRegistrarSecrets(...secrets: string[]) {
  updateConfig({ registrarSecrets: secrets });
}

export const nowSeconds = () => Math.floor(Date.now() / 1000);

export interface Fixture {
  domainId: string;
  realm: string;
  extensionId: string;
  username: string;
  aor: string;
}

/** A domain and an extension in it, made through the API. */
export async function newExtension(api: Api, token: string, domain?: { id: string; realm: string }): Promise<Fixture> {
  if (!domain) {
    const created = await api.call('POST', '/v1.0/domains', {
      token,
      body: { domain_name: `reg-${randomBytes(5).toString('hex')}` },
    });
    expect(created.status, created.text).toBe(200);
    domain = created.body as { id: string; realm: string };
  }
  const username = `u${randomBytes(4).toString('hex')}`;
  const extension = await api.call('POST', '/v1.0/extensions', {
    token,
    body: { domain_id: domain.id, extension: username, password: PASSWORD },
  });
  expect(extension.status, extension.text).toBe(200);
  return {
    domainId: domain.id,
    realm: domain.realm,
    extensionId: extension.body.id,
    username,
    aor: `${username}@${domain.realm}`,
  };
}

export const sign = (secret: string, timestamp: string, body: string) =>
  createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('base64url');

export interface DeliveryOptions {
  secret?: string;
  /** Unix seconds signed into X-Registrar-Timestamp; default now. */
  timestamp?: number;
  headers?: Record<string, string>;
  /** Sent instead of the signed text (tampering). */
  sendBody?: string;
}

/** POSTs a webhook signed exactly like Kamailio does. */
export function deliver(api: Api, event: unknown, options: DeliveryOptions = {}) {
  const text = JSON.stringify(event);
  const timestamp = String(options.timestamp ?? nowSeconds());
  return api.call('POST', '/v1.0/registrar/webhook', {
    rawBody: options.sendBody ?? text,
    headers: {
      'content-type': 'application/json',
      'x-registrar-timestamp': timestamp,
      'x-registrar-signature': sign(options.secret ?? SECRET_A, timestamp, text),
      ...options.headers,
    },
  });
}

export interface BindingInput {
  registration_id: string;
  contact?: string;
  received?: string;
  user_agent?: string;
  call_id?: string;
  cseq?: number;
  expires_at: number;
}

export const binding = (b: BindingInput) => ({
  contact: `sip:${b.registration_id}@192.168.1.10:5062`,
  received: 'sip:203.0.113.7:62338',
  user_agent: 'Yealink SIP-T46G 28.72.14.5',
  call_id: `call-${b.registration_id}`,
  cseq: 1,
  ...b,
});

export const ruid = () => `uloc-${randomBytes(4).toString('hex')}-${randomBytes(2).toString('hex')}-1`;

export type ControlReply = { status: number; body?: unknown } | 'hang';

export interface ControlCall {
  authorized: boolean;
  body: any;
  /** What `observe` saw when the request arrived (e.g. whether the API's change had committed). */
  seen?: unknown;
}

/** A registrar that knows both actions: drop bindings, and (protocol section 3) invalidate. */
const registrarReply = (body: any): ControlReply =>
  body?.action === 'invalidate' ? { status: 200, body: { invalidated: true } } : { status: 200, body: { removed: 1 } };

/**
 * The registrar's control endpoint, standing in on 127.0.0.1: records calls, checks the
 * token, answers like a registrar unless told otherwise (`answer`), may look at the API's
 * state before answering (`observe`) and answer late (`delay`).
 */
export async function startControlStandIn(token: string) {
  const calls: ControlCall[] = [];
  let reply: (body: any) => ControlReply = registrarReply;
  let observe: ((body: any) => Promise<unknown>) | undefined;
  let delayMs = 0;
  const server: Server = createServer(async (req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
    const authorized = req.headers.authorization === `Bearer ${token}`;
    let body: any;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      body = undefined;
    }
    const call: ControlCall = { authorized, body };
    calls.push(call);
    if (observe) call.seen = await observe(body);
    if (!authorized) {
      res.writeHead(401).end();
      return;
    }
    const answer = reply(body);
    if (answer === 'hang') return; // never answers: the API must time out
    if (delayMs) await new Promise((resolve) => setTimeout(resolve, delayMs));
    res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body ?? {}));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/control`;
  return {
    url,
    calls,
    answer(next: ControlReply | ((body: any) => ControlReply)) {
      reply = typeof next === 'function' ? next : () => next;
    },
    observe(next: ((body: any) => Promise<unknown>) | undefined) {
      observe = next;
    },
    delay(ms: number) {
      delayMs = ms;
    },
    /** Back to a fresh registrar: no calls, its own answers, no observer, no delay. */
    reset() {
      calls.length = 0;
      reply = registrarReply;
      observe = undefined;
      delayMs = 0;
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/**
 * RegInfo without `expires`, which counts down between two reads (a second boundary
 * between them changes it): for comparing two reads of the same state exactly.
 */
export const withoutCountdown = (info: any) => ({
  ...info,
  registrations: info.registrations.map(({ expires: _expires, ...rest }: any) => rest),
});

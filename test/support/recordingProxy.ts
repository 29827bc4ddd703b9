import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** One event as the registrar sent it (alone, or within a batch) and what the API answered. */
export interface WebhookSeen {
  body: any;
  status: number;
  /** The API's per-event outcome when the event came in a batch. */
  outcome?: string;
  reply: string;
  /** Which delivery (POST) carried it. */
  delivery: number;
}

export interface RecordingProxy {
  url: string;
  /** Every webhook event passed on, in order. */
  webhooks: WebhookSeen[];
  deliveries: { size: number; status: number }[];
  /** The user@realm of every credential lookup. */
  lookups: string[];
  /** Credential lookups wait for this before they reach the API (a lookup held in flight). */
  lookupGate: Promise<void>;
  /** While true every connection drops, as an unreachable API's would. */
  apiDown: boolean;
  /** While true every request is held without an answer (a hanging API); release() ends them. */
  apiHangs: boolean;
  /** Webhook deliveries dropped or held while the API was down or hanging. */
  refusedDeliveries: number;
  /** Destroys the connections held while apiHangs. */
  releaseHeld(): void;
  close(): Promise<void>;
}

/**
 * A pass-through between the registrar and the API that notes each webhook event with the
 * API's answer (the API verifies the signature: a 200 proves it held) and each credential
 * lookup, and can play an API that is down, hanging, or slow to answer a lookup.
 */
export async function startRecordingProxy(apiBase: () => string): Promise<RecordingProxy> {
  const heldSockets: Socket[] = [];
  const state: RecordingProxy = {
    url: '',
    webhooks: [],
    deliveries: [],
    lookups: [],
    lookupGate: Promise.resolve(),
    apiDown: false,
    apiHangs: false,
    refusedDeliveries: 0,
    releaseHeld: () => {
      for (const socket of heldSockets.splice(0)) socket.destroy();
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
    const body = Buffer.concat(chunks);
    const isWebhook = req.url?.startsWith('/v1.0/registrar/webhook') ?? false;
    if (req.url?.startsWith('/v1.0/registrar/credentials')) {
      const asked = new URL(req.url, 'http://x').searchParams;
      state.lookups.push(`${asked.get('username')}@${asked.get('realm')}`);
      await state.lookupGate;
    }
    if (state.apiHangs) {
      // As if the API were black-holed: the request is held, never answered.
      if (isWebhook) state.refusedDeliveries++;
      heldSockets.push(req.socket);
      return;
    }
    if (state.apiDown) {
      // As if the API were unreachable: the connection drops without an answer.
      if (isWebhook) state.refusedDeliveries++;
      req.socket.destroy();
      return;
    }
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (typeof value === 'string' && name !== 'host' && name !== 'connection' && name !== 'content-length') headers[name] = value;
    }
    const upstream = await fetch(new URL(req.url ?? '/', apiBase()), {
      method: req.method,
      headers,
      body: req.method === 'GET' || req.method === 'HEAD' ? undefined : body,
    });
    const reply = await upstream.text();
    if (isWebhook) noteDelivery(state, body, upstream.status, reply);
    res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' });
    res.end(reply);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return state;
}

/** A batch (protocol 2) is noted event by event, with the API's result for each. */
function noteDelivery(state: RecordingProxy, body: Buffer, status: number, reply: string) {
  let parsed: any = undefined;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    parsed = body.toString('utf8');
  }
  const events: any[] = Array.isArray(parsed?.events) ? parsed.events : [parsed];
  const delivery = state.deliveries.length;
  state.deliveries.push({ size: events.length, status });
  let results: any[] = [];
  try {
    results = JSON.parse(reply).results ?? [];
  } catch {
    // not JSON: the status says it all
  }
  events.forEach((event, i) => state.webhooks.push({ body: event, status, outcome: results[i]?.outcome, reply, delivery }));
}

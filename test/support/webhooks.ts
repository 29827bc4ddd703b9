import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { startLocalWebhooks, type LocalWebhooks } from '../../local/webhooks.js';

export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  json: any;
  at: number;
}

/** What the receiver answers one request: a status, or 'hang' (never answers). */
export type Answer = number | 'hang';

/**
 * A real HTTP receiver on 127.0.0.1: records every request; `answer` decides each reply
 * (default 200). Held (hanging) requests are released by close().
 */
export async function startReceiver(answer: (request: Received, n: number) => Answer = () => 200) {
  const received: Received[] = [];
  const held: import('node:http').ServerResponse[] = [];
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
    const body = Buffer.concat(chunks).toString('utf8');
    let json: any;
    try {
      json = JSON.parse(body);
    } catch {
      json = undefined;
    }
    const request = { headers: req.headers, body, json, at: Date.now() };
    received.push(request);
    const reply = answer(request, received.length);
    if (reply === 'hang') {
      held.push(res);
      return;
    }
    res.writeHead(reply, { 'content-type': 'text/plain' });
    res.end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  return {
    url,
    received,
    /** Requests carrying this event type (and for this extension, when given). */
    events: (type?: string) => received.filter((r) => type === undefined || r.json?.type === type),
    async close() {
      for (const res of held) res.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

export type Receiver = Awaited<ReturnType<typeof startReceiver>>;

/** The Standard Webhooks reference verifier: throws unless the signature holds. */
export const verifyWithStandardWebhooks = (secret: string, request: Received) =>
  new Webhook(secret).verify(request.body, {
    'webhook-id': String(request.headers['webhook-id']),
    'webhook-timestamp': String(request.headers['webhook-timestamp']),
    'webhook-signature': String(request.headers['webhook-signature']),
  });

/**
 * The local webhook pipeline (stream poller + in-process delivery) for one test file,
 * on the test table, with a fast retry schedule unless the file sets its own.
 */
export function useLocalWebhooks(env: Record<string, string> = {}) {
  let pipeline: LocalWebhooks | undefined;
  const saved: Record<string, string | undefined> = {};
  beforeAll(async () => {
    for (const [name, value] of Object.entries({ WEBHOOK_RETRY_SCHEDULE: '0.2,0.4,0.8', ...env })) {
      saved[name] = process.env[name];
      process.env[name] = value;
    }
    pipeline = await startLocalWebhooks({
      endpoint: process.env.DYNAMODB_ENDPOINT!,
      tableName: process.env.TABLE_NAME!,
      pollMs: 100,
    });
  });
  afterAll(async () => {
    await pipeline?.stop();
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });
}

export async function waitFor<T>(read: () => T | Promise<T>, done: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

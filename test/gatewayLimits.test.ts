import { createHmac } from 'node:crypto';
import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { GATEWAY_MAX_REQUEST_LINE_AND_HEADERS } from '../local/gateway.js';
import { expectEnvelope, newCustomer, useApi, type ApiResponse } from './support/api.js';
import { assertContract } from './support/contract.js';
import { binding, newExtension, nowSeconds, ruid, SECRET_A, useRegistrarSecrets } from './support/registrar.js';

useRegistrarSecrets(SECRET_A);
const api = useApi();

/** One request over node:http (fetch refuses a GET body and huge headers), checked against the contract. */
function rawCall(method: string, path: string, headers: Record<string, string>, body?: Buffer): Promise<ApiResponse> {
  const url = new URL(path, api.base);
  return new Promise((resolve, reject) => {
    // Node sends a GET body without framing unless told its length.
    const framed = body ? { ...headers, 'content-length': String(body.length) } : headers;
    const req = request(url, { method, headers: framed, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const headerList = new Headers();
        for (const [name, value] of Object.entries(res.headers)) if (typeof value === 'string') headerList.set(name, value);
        let parsed: unknown = text;
        try {
          parsed = JSON.parse(text);
        } catch {
          // not JSON: the contract check below says so
        }
        const result = { status: res.statusCode!, headers: headerList, body: parsed as any, text };
        try {
          assertContract(method, url.pathname, result);
          resolve(result);
        } catch (error) {
          reject(error as Error);
        }
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('local gateway: what API Gateway HTTP API does at its limits', () => {
  // Issue 12.6: the gateway decoded the body as UTF-8 before the handler checked the signature.
  it('passes a body that is not UTF-8 as raw bytes, so a correct signature over them is accepted', async () => {
    const { token } = await newCustomer();
    const ext = await newExtension(api, token);
    const event = { event: 'registered', aor: ext.aor, binding: binding({ registration_id: ruid(), expires_at: nowSeconds() + 600 }) };
    const json = Buffer.from(JSON.stringify(event));
    // A Latin-1 user agent: 0xE9 alone is not valid UTF-8.
    const at = json.indexOf('"user_agent":"') + '"user_agent":"'.length;
    const body = Buffer.concat([json.subarray(0, at), Buffer.from([0x43, 0x61, 0x66, 0xe9]), json.subarray(at)]);
    const timestamp = String(nowSeconds());
    const signature = createHmac('sha256', SECRET_A).update(`${timestamp}.`).update(body).digest('base64url');
    const reply = await rawCall('POST', '/v1.0/registrar/webhook', {
      'content-type': 'application/json',
      'x-registrar-timestamp': timestamp,
      'x-registrar-signature': signature,
    }, body);
    expect(reply.status, reply.text).toBe(200);
    // A wrong signature over the same bytes is still refused.
    const tampered = await rawCall('POST', '/v1.0/registrar/webhook', {
      'content-type': 'application/json',
      'x-registrar-timestamp': timestamp,
      'x-registrar-signature': createHmac('sha256', SECRET_A).update(`${timestamp}.`).update(json).digest('base64url'),
    }, body);
    expectEnvelope(tampered, 401, 'UNAUTHENTICATED');
  });

  it('answers a query or headers over the 10240-byte limit with 431 in the envelope, at any size', async () => {
    const { token } = await newCustomer();
    // Just under the limit still works.
    const fits = await rawCall('GET', `/v1.0/accesskeys?token=${token}`, { 'x-pad': 'a'.repeat(GATEWAY_MAX_REQUEST_LINE_AND_HEADERS - 400) });
    expect(fits.status, fits.text).toBe(200);
    const cases: [string, Record<string, string>][] = [
      [`/v1.0/accesskeys?token=${token}&pad=${'q'.repeat(17 * 1024)}`, {}],
      [`/v1.0/accesskeys?token=${token}`, { 'x-pad': 'h'.repeat(12 * 1024) }],
      // Past Node's default 16 KB header limit, and past the gateway's own parser limit.
      [`/v1.0/accesskeys?token=${token}`, { 'x-pad': 'h'.repeat(20 * 1024) }],
      [`/v1.0/accesskeys?token=${token}`, { 'x-pad': 'h'.repeat(80 * 1024) }],
      ['/v1.0/health', { cookie: 'c'.repeat(11 * 1024) }],
    ];
    for (const [path, headers] of cases) {
      const reply = await rawCall('GET', path, headers);
      expectEnvelope(reply, 431, 'HEADERS_TOO_LARGE', 'HEADERS_TOO_LARGE');
    }
  });

  it('passes a GET body on to the route as API Gateway does; over 64 KB it is the documented 413', async () => {
    const { token } = await newCustomer();
    const small = await rawCall('GET', `/v1.0/accesskeys?token=${token}`, { 'content-type': 'application/json' }, Buffer.from('{"x":1}'));
    expect(small.status, small.text).toBe(200);
    const big = await rawCall('GET', `/v1.0/accesskeys?token=${token}`, { 'content-type': 'application/json' }, Buffer.alloc(64 * 1024 + 1, 0x20));
    expectEnvelope(big, 413, 'PAYLOAD_TOO_LARGE', 'BODY_TOO_LARGE');
    const health = await rawCall('GET', '/v1.0/health', {}, Buffer.alloc(70 * 1024, 0x20));
    expectEnvelope(health, 413, 'PAYLOAD_TOO_LARGE', 'BODY_TOO_LARGE');
  });
});

import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { afterAll, beforeAll } from 'vitest';
import { createGateway } from '../../local/gateway.js';
import { createCustomer } from '../../shared/domain/customers.js';
import { assertContract } from './contract.js';

export interface CallOptions {
  /** Sent as ?token= unless `auth` says otherwise. */
  token?: string;
  auth?: 'query-token' | 'query-accesskey' | 'bearer';
  body?: unknown;
  /** Raw body bytes/text; wins over `body`. */
  rawBody?: string | Buffer;
  headers?: Record<string, string>;
}

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

/**
 * The local gateway on a free port for one test file: tests go through real HTTP,
 * the payload v2 mapping, the handlers and DynamoDB Local.
 */
export function useApi() {
  let server: Server;
  let base = '';
  beforeAll(async () => {
    server = createGateway();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  async function call<T = any>(method: string, path: string, options: CallOptions = {}): Promise<ApiResponse<T>> {
    const url = new URL(path, base);
    const headers: Record<string, string> = { ...options.headers };
    if (options.token !== undefined) {
      const auth = options.auth ?? 'query-token';
      if (auth === 'bearer') headers.authorization = `Bearer ${options.token}`;
      else url.searchParams.set(auth === 'query-token' ? 'token' : 'accesskey', options.token);
    }
    let body: string | Buffer | undefined = options.rawBody;
    if (body === undefined && options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] ??= 'application/json';
    }
    const response = await fetch(url, { method, headers, body });
    const text = await response.text();
    let parsed: unknown = undefined;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = text;
    }
    const result = { status: response.status, headers: response.headers, body: parsed as T, text };
    // Contract test: every reply must match what the OpenAPI document says (test/support/contract.ts).
    assertContract(method, url.pathname, result);
    return result;
  }

  return {
    call,
    get base() {
      return base;
    },
  };
}

/** A fresh customer with a working access key; every test file makes its own. */
export async function newCustomer(name = 'test customer') {
  const { customer, accessKey } = await createCustomer(name);
  return { customerId: customer.id, token: accessKey.token, accessKeyId: accessKey.id };
}

/**
 * A fresh customer with one new domain (the realm its extensions register to), for tests
 * about extensions and their registrations. The domain name is `<prefix>-<random>`.
 */
export async function newCustomerWithDomain(api: ReturnType<typeof useApi>, name: string, domainPrefix: string) {
  const customer = await newCustomer(name);
  const domainName = `${domainPrefix}-${randomBytes(5).toString('hex')}`;
  const created = await api.call('POST', '/v1.0/domains', { token: customer.token, body: { domain_name: domainName } });
  if (created.status !== 200) throw new Error(`creating domain ${domainName}: ${created.status} ${created.text}`);
  return { ...customer, domain: created.body as { id: string; realm: string } };
}

/** Asserts the shared error envelope and returns it. */
export function expectEnvelope(response: ApiResponse, httpStatus: number, status: string, reason?: string) {
  const error = response.body?.error;
  if (response.status !== httpStatus || !error || error.status !== status || (reason && error.reason !== reason)) {
    throw new Error(
      `expected ${httpStatus} ${status}${reason ? `/${reason}` : ''}, got ${response.status} ${response.text}`,
    );
  }
  if (typeof error.message !== 'string' || !error.message || typeof error.request_id !== 'string' || !error.request_id) {
    throw new Error(`incomplete envelope: ${response.text}`);
  }
  return error as { status: string; reason: string; message: string; request_id: string };
}

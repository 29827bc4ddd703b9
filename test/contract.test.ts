import { createHmac, randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { documentedErrorStatuses } from '../shared/openapi/document.js';
import { routes } from '../shared/routes/index.js';
import { createMatcher } from '../shared/routes/match.js';
import { useLocalDeliveryQueue } from '../shared/webhooks/queue.js';
import { newCustomer, useApi, type ApiResponse, type CallOptions } from './support/api.js';
import { holdIdempotencyKey } from './support/idempotency.js';
import { recordDelivery } from './support/webhookDeliveries.js';
import { updateConfig } from '../shared/config.js';

/**
 * Contract coverage: every route of the table answers a successful call here at least
 * once, and api.call() checks each reply against the documented schema
 * (test/support/contract.ts). A route added to the table without an entry in
 * `successfulCalls` fails the first test, by operationId.
 */

// Registrar routes authenticate with a registrar secret (docs/registrar-protocol.md).
const REGISTRAR_SECRET = `contract-registrar-secret-${randomUUID()}`;
updateConfig({ registrarSecrets: [`retired-secret-${randomUUID()}`, REGISTRAR_SECRET] });

const api = useApi();
const match = createMatcher(routes);

/** operationIds that answered a 2xx through `hit`. */
const succeeded = new Set<string>();

async function hit(method: string, path: string, options: CallOptions = {}): Promise<ApiResponse> {
  const response = await api.call(method, path, options);
  const found = match(method, new URL(path, 'http://local').pathname);
  if (found.kind === 'found' && response.status >= 200 && response.status < 300) succeeded.add(found.route.operationId);
  return response;
}

interface Fixture {
  token: string;
  customerId: string;
  domain: { id: string; realm: string };
  extension: { id: string; extension: string };
  other: { id: string; extension: string };
}

let fixture: Fixture;

const uniqueLabel = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;

async function createDomain(token: string) {
  const response = await hit('POST', '/v1.0/domains', { token, body: { domain_name: uniqueLabel('contract') } });
  expect(response.status, response.text).toBe(200);
  return response.body as { id: string; realm: string; domain_name: string };
}

async function createExtension(token: string, domainId: string) {
  const response = await hit('POST', '/v1.0/extensions', {
    token,
    body: { domain_id: domainId, extension: uniqueLabel('ext'), name: 'contract', detail: 'contract test' },
  });
  expect(response.status, response.text).toBe(200);
  return response.body as { id: string; extension: string; password: string };
}

/** A signed webhook delivery, signed here from the protocol text, not with the API's own helper. */
function signedWebhook(event: unknown, secret = REGISTRAR_SECRET): CallOptions {
  const body = JSON.stringify(event);
  const timestamp = String(Math.floor(Date.now() / 1000));
  const signature = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('base64url');
  return {
    rawBody: body,
    headers: {
      'content-type': 'application/json',
      'x-registrar-timestamp': timestamp,
      'x-registrar-signature': signature,
    },
  };
}

async function register(extension: { extension: string }, realm: string) {
  const registrationId = `uloc-${randomUUID().slice(0, 8)}-6d47-1`;
  const response = await hit(
    'POST',
    '/v1.0/registrar/webhook',
    signedWebhook({
      event: 'registered',
      aor: `${extension.extension}@${realm}`,
      binding: {
        registration_id: registrationId,
        contact: `sip:${extension.extension}@192.168.5.52:5062`,
        received: 'sip:203.0.113.7:62338',
        user_agent: 'Yealink SIP-T46G 28.72.14.5',
        call_id: `${randomUUID()}@pc33`,
        cseq: 1,
        expires_at: Math.floor(Date.now() / 1000) + 3600,
      },
    }),
  );
  expect(response.status, response.text).toBe(200);
  return registrationId;
}

type SuccessfulCall = (f: Fixture) => Promise<ApiResponse>;

/** One successful call per operationId; each sets up what it needs beyond the fixture. */
const successfulCalls: Record<string, SuccessfulCall> = {
  getHealth: () => hit('GET', '/v1.0/health'),
  getOpenApiDocument: () => hit('GET', '/v1.0/openapi.json'),

  getMe: ({ token }) => hit('GET', '/v1.0/me', { token, auth: 'query-accesskey' }),

  listAccessKeys: ({ token }) => hit('GET', '/v1.0/accesskeys?page_size=10', { token }),
  createAccessKey: ({ token }) => hit('POST', '/v1.0/accesskeys', { token, body: { name: 'contract', expire: 3600 } }),
  getAccessKey: async ({ token }) => {
    const created = await hit('POST', '/v1.0/accesskeys', { token, body: { name: 'to read' } });
    return hit('GET', `/v1.0/accesskeys/${created.body.id}`, { token, auth: 'bearer' });
  },
  updateAccessKey: async ({ token }) => {
    const created = await hit('POST', '/v1.0/accesskeys', { token, body: { name: 'to rename' } });
    return hit('PUT', `/v1.0/accesskeys/${created.body.id}`, { token, body: { name: 'renamed', detail: 'by contract' } });
  },
  deleteAccessKey: async ({ token }) => {
    const created = await hit('POST', '/v1.0/accesskeys', { token, body: { name: 'to delete' } });
    return hit('DELETE', `/v1.0/accesskeys/${created.body.id}`, { token, auth: 'query-accesskey' });
  },

  listDomains: ({ token }) => hit('GET', '/v1.0/domains', { token }),
  createDomain: ({ token }) =>
    hit('POST', '/v1.0/domains', { token, body: { domain_name: uniqueLabel('created'), name: 'n', detail: 'd' } }),
  getDomain: ({ token, domain }) => hit('GET', `/v1.0/domains/${domain.id}`, { token }),
  updateDomain: ({ token, domain }) => hit('PUT', `/v1.0/domains/${domain.id}`, { token, body: { detail: 'updated' } }),
  deleteDomain: async ({ token }) => {
    const created = await createDomain(token);
    return hit('DELETE', `/v1.0/domains/${created.id}`, { token });
  },

  listExtensions: ({ token, domain }) => hit('GET', `/v1.0/extensions?domain_id=${domain.id}&page_size=5`, { token }),
  createExtension: async ({ token, domain }) =>
    hit('POST', '/v1.0/extensions', { token, body: { domain_id: domain.id, extension: uniqueLabel('new') } }),
  getExtension: ({ token, extension }) => hit('GET', `/v1.0/extensions/${extension.id}`, { token }),
  updateExtension: ({ token, extension }) =>
    hit('PUT', `/v1.0/extensions/${extension.id}`, { token, body: { name: 'renamed', detail: 'updated' } }),
  regenerateExtensionDirectHash: ({ token, extension }) =>
    hit('POST', `/v1.0/extensions/${extension.id}/direct-hash-regenerate`, { token }),
  deleteExtension: async ({ token, domain }) => {
    const created = await createExtension(token, domain.id);
    return hit('DELETE', `/v1.0/extensions/${created.id}`, { token });
  },

  listRegistrations: async ({ token, extension, other }) => {
    // The seed's repeated parameter: ?extension_id=A&extension_id=B.
    const response = await hit('GET', `/v1.0/extensions/registrations?extension_id=${extension.id}&extension_id=${other.id}`, {
      token,
    });
    expect((response.body as { extension_id: string }[]).map((r) => r.extension_id)).toEqual([extension.id, other.id]);
    return response;
  },
  getExtensionRegistrations: ({ token, extension }) => hit('GET', `/v1.0/extensions/${extension.id}/registrations`, { token }),
  deleteExtensionRegistrations: async ({ token, domain }) => {
    const created = await createExtension(token, domain.id);
    await register(created, domain.realm);
    return hit('DELETE', `/v1.0/extensions/${created.id}/registrations`, { token });
  },
  deleteExtensionRegistration: async ({ token, domain }) => {
    const created = await createExtension(token, domain.id);
    const registrationId = await register(created, domain.realm);
    return hit('DELETE', `/v1.0/extensions/${created.id}/registrations/${encodeURIComponent(registrationId)}`, { token });
  },

  getRegistrarCredentials: ({ domain, extension }) =>
    hit(
      'GET',
      `/v1.0/registrar/credentials?username=${encodeURIComponent(extension.extension)}&realm=${encodeURIComponent(domain.realm)}`,
      { token: REGISTRAR_SECRET, auth: 'bearer' },
    ),
  postRegistrarWebhook: async ({ domain, other }) => {
    const registrationId = `uloc-${randomUUID().slice(0, 8)}-6d47-2`;
    return hit(
      'POST',
      '/v1.0/registrar/webhook',
      signedWebhook({
        event: 'registered',
        aor: `${other.extension}@${domain.realm}`,
        binding: {
          registration_id: registrationId,
          contact: `sip:${other.extension}@192.168.5.60:5060;transport=udp`,
          received: '',
          user_agent: 'Grandstream GXP2020 1.2.5.3',
          call_id: `${randomUUID()}@pc34`,
          cseq: 1,
          expires_at: Math.floor(Date.now() / 1000) + 1444,
        },
      }),
    );
  },

  listWebhooks: ({ token }) => hit('GET', '/v1.0/webhooks', { token }),
  createWebhook: ({ token }) => createWebhook(token),
  getWebhook: async ({ token }) => hit('GET', `/v1.0/webhooks/${(await createWebhook(token)).body.id}`, { token }),
  updateWebhook: async ({ token }) =>
    hit('PUT', `/v1.0/webhooks/${(await createWebhook(token)).body.id}`, { token, body: { name: 'renamed', enabled: false } }),
  deleteWebhook: async ({ token }) => hit('DELETE', `/v1.0/webhooks/${(await createWebhook(token)).body.id}`, { token }),
  regenerateWebhookSecret: async ({ token }) =>
    hit('POST', `/v1.0/webhooks/${(await createWebhook(token)).body.id}/secret-regenerate`, { token }),
  listWebhookDeliveries: async ({ token, customerId }) => {
    const webhookId = (await createWebhook(token)).body.id;
    await recordDelivery(customerId, webhookId);
    return hit('GET', `/v1.0/webhooks/${webhookId}/deliveries?page_size=5`, { token });
  },
  redeliverWebhookDelivery: async ({ token, customerId }) => {
    const webhookId = (await createWebhook(token)).body.id;
    const deliveryId = await recordDelivery(customerId, webhookId);
    // No delivery pipeline runs in this file: a queue that only takes the job.
    useLocalDeliveryQueue({ enqueue: async () => undefined });
    try {
      return await hit('POST', `/v1.0/webhooks/${webhookId}/deliveries/${deliveryId}/redeliver`, { token });
    } finally {
      useLocalDeliveryQueue(undefined);
    }
  },
};

async function createWebhook(token: string) {
  const response = await hit('POST', '/v1.0/webhooks', {
    token,
    body: { url: 'http://127.0.0.1:9/contract', event_types: ['extension.created'], name: 'contract' },
  });
  expect(response.status, response.text).toBe(200);
  return response;
}


describe('contract: every route of the table answers a documented success', () => {
  beforeAll(async () => {
    const { token, customerId } = await newCustomer('contract');
    const domain = await createDomain(token);
    const extension = await createExtension(token, domain.id);
    const other = await createExtension(token, domain.id);
    fixture = { token, customerId, domain, extension, other };
  });

  it('has a successful call for every route (listed by operationId when missing)', () => {
    const missing = routes.map((r) => r.operationId).filter((id) => !Object.hasOwn(successfulCalls, id));
    expect(missing).toEqual([]);
  });

  for (const route of routes) {
    it(`${route.operationId} (${route.method} ${route.path})`, async () => {
      const call = successfulCalls[route.operationId];
      if (!call) throw new Error(`no entry in successfulCalls for ${route.operationId}`);
      const response = await call(fixture);
      // api.call() already checked the reply against the documented schema.
      expect(Object.keys(route.responses), response.text).toContain(String(response.status));
      expect(response.status).toBeLessThan(300);
      expect(succeeded, `the call did not reach ${route.operationId}`).toContain(route.operationId);
    });
  }
});

type ConflictCall = (f: Fixture) => Promise<ApiResponse>;

/**
 * One provoked 409 per route that documents it; api.call() checks each reply against
 * the document. A route documenting 409 without an entry here fails, as does a 409
 * from a route that does not document it (the contract check).
 */
const conflictCalls: Record<string, ConflictCall> = {
  createDomain: ({ token, domain }) => {
    const domainName = domain.realm.split('.')[0]!;
    return hit('POST', '/v1.0/domains', { token, body: { domain_name: domainName } });
  },
  deleteDomain: ({ token, domain }) => hit('DELETE', `/v1.0/domains/${domain.id}`, { token }),
  createExtension: ({ token, domain, extension }) =>
    hit('POST', '/v1.0/extensions', { token, body: { domain_id: domain.id, extension: extension.extension } }),
  // Every customer POST: its Idempotency-Key is still held by a first request (after a bounded wait).
  createAccessKey: async ({ token, customerId }) => {
    const body = JSON.stringify({ name: 'held' });
    const key = await holdIdempotencyKey(customerId, { method: 'POST', path: '/v1.0/accesskeys', body }, 60);
    return hit('POST', '/v1.0/accesskeys', { token, rawBody: body, headers: { 'content-type': 'application/json', 'idempotency-key': key } });
  },
  regenerateExtensionDirectHash: async ({ token, customerId, extension }) => {
    const path = `/v1.0/extensions/${extension.id}/direct-hash-regenerate`;
    const key = await holdIdempotencyKey(customerId, { method: 'POST', path }, 60);
    return hit('POST', path, { token, headers: { 'idempotency-key': key } });
  },
  regenerateWebhookSecret: async ({ token, customerId }) => {
    const path = `/v1.0/webhooks/${(await createWebhook(token)).body.id}/secret-regenerate`;
    const key = await holdIdempotencyKey(customerId, { method: 'POST', path }, 60);
    return hit('POST', path, { token, headers: { 'idempotency-key': key } });
  },
  redeliverWebhookDelivery: async ({ token, customerId }) => {
    const webhookId = (await createWebhook(token)).body.id;
    const path = `/v1.0/webhooks/${webhookId}/deliveries/${await recordDelivery(customerId, webhookId)}/redeliver`;
    const key = await holdIdempotencyKey(customerId, { method: 'POST', path }, 60);
    return hit('POST', path, { token, headers: { 'idempotency-key': key } });
  },
  createWebhook: async () => {
    // A customer of its own: the fixture's webhook count depends on the other calls.
    const { token } = await newCustomer('contract webhooks');
    for (let i = 0; i < 10; i++) await createWebhook(token);
    return hit('POST', '/v1.0/webhooks', { token, body: { url: 'http://127.0.0.1:9/x', event_types: ['extension.created'] } });
  },
};

describe('contract: every documented conflict (409) is one the route answers', () => {
  const documenting = routes.filter((r) => documentedErrorStatuses(r).includes(409)).map((r) => r.operationId);

  it('has a conflict call for exactly the routes that document 409', () => {
    expect(Object.keys(conflictCalls).sort()).toEqual([...documenting].sort());
  });

  for (const operationId of documenting) {
    it(`${operationId} answers 409`, async () => {
      const call = conflictCalls[operationId];
      if (!call) throw new Error(`no entry in conflictCalls for ${operationId}`);
      const response = await call(fixture);
      expect(response.status, response.text).toBe(409);
      expect(['ALREADY_EXISTS', 'FAILED_PRECONDITION']).toContain(response.body.error.status);
    });
  }
});

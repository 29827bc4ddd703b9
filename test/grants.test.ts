import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allowingUse, mostSpecificPattern, type TableUse } from '../shared/routes/access.js';
import { routes } from '../shared/routes/index.js';
import { db } from '../shared/table/client.js';
import { useLocalDeliveryQueue } from '../shared/webhooks/queue.js';
import { newCustomer, useApi } from './support/api.js';
import { type RecordedCall, recordDynamoDb } from './support/dynamoRecorder.js';
import { recordDelivery } from './support/webhookDeliveries.js';
import { deliver, newExtension, nowSeconds, PASSWORD, ruid, SECRET_A, useRegistrarSecrets, binding } from './support/registrar.js';
import { updateConfig } from '../shared/config.js';

/**
 * Grant versus use (issue 13): requests through every route of the table, success and the
 * refusals that reach the table (conflicts, unknown ids), with a recorder on the DynamoDB
 * client. Each item-level access a handler makes must be allowed by a use its route
 * declares (shared/routes/access.ts, which CDK turns into the IAM grant), and each action,
 * index and key pattern a route declares must be needed by at least one request here.
 */
useRegistrarSecrets(SECRET_A);
// Every request authenticates against the table, as on a cold Lambda instance.
updateConfig({ authCacheSeconds: 0 });
const api = useApi();

const byRoute = new Map<string, RecordedCall[]>();
let recorder: ReturnType<typeof recordDynamoDb>;
beforeAll(() => {
  recorder = recordDynamoDb();
  // No delivery pipeline runs here: redelivery only needs a queue that takes the job.
  useLocalDeliveryQueue({ enqueue: async () => undefined });
});
afterAll(() => {
  recorder.stop();
  useLocalDeliveryQueue(undefined);
});

/** Runs the scenario once; the checks below read what it recorded. */
async function scenario() {
  const { token, customerId } = await newCustomer('grants');
  const other = await newCustomer('grants other');
  const ok = (response: { status: number; text: string }, status = 200) => expect(response.status, response.text).toBe(status);

  ok(await api.call('GET', '/v1.0/health'));
  ok(await api.call('GET', '/v1.0/openapi.json'));
  ok(await api.call('GET', '/v1.0/me', { token }));
  ok(await api.call('GET', '/v1.0/nothing-here', { token }), 404);

  // Access keys: two pages, so the list issues and accepts a page token.
  const key = await api.call('POST', '/v1.0/accesskeys', { token, body: { name: 'second' } });
  ok(key);
  const firstKeys = await api.call('GET', '/v1.0/accesskeys?page_size=1', { token });
  ok(firstKeys);
  ok(await api.call('GET', `/v1.0/accesskeys?page_size=1&page_token=${firstKeys.body.next_page_token}`, { token }));
  ok(await api.call('GET', `/v1.0/accesskeys/${key.body.id}`, { token }));
  ok(await api.call('PUT', `/v1.0/accesskeys/${key.body.id}`, { token, body: { name: 'renamed' } }));
  ok(await api.call('DELETE', `/v1.0/accesskeys/${key.body.id}`, { token }));

  // Domains: a claimed name is a conflict; deleting one checks it holds no extension.
  const name = `grants-${ruid().slice(5, 13)}`;
  const domain = await api.call('POST', '/v1.0/domains', { token, body: { domain_name: name } });
  ok(domain);
  ok(await api.call('POST', '/v1.0/domains', { token: other.token, body: { domain_name: name } }), 409);
  const spare = await api.call('POST', '/v1.0/domains', { token, body: { domain_name: `${name}-spare` } });
  ok(spare);
  const firstDomains = await api.call('GET', '/v1.0/domains?page_size=1', { token });
  ok(firstDomains);
  ok(await api.call('GET', `/v1.0/domains?page_size=1&page_token=${firstDomains.body.next_page_token}`, { token }));
  ok(await api.call('GET', `/v1.0/domains/${domain.body.id}`, { token }));
  ok(await api.call('PUT', `/v1.0/domains/${domain.body.id}`, { token, body: { name: 'renamed' } }));
  ok(await api.call('DELETE', `/v1.0/domains/${spare.body.id}`, { token }));

  // Extensions: in a domain, in the default domain (created on first use), a taken number.
  const ext = await newExtension(api, token, { id: domain.body.id, realm: domain.body.realm });
  ok(await api.call('POST', '/v1.0/extensions', { token, body: { extension: 'default1', password: PASSWORD } }));
  ok(await api.call('POST', '/v1.0/extensions', { token, body: { domain_id: ext.domainId, extension: ext.username, password: PASSWORD } }), 409);
  const firstExtensions = await api.call('GET', '/v1.0/extensions?page_size=1', { token });
  ok(firstExtensions);
  ok(await api.call('GET', `/v1.0/extensions?page_size=1&page_token=${firstExtensions.body.next_page_token}`, { token }));
  ok(await api.call('GET', `/v1.0/extensions?domain_id=${ext.domainId}`, { token }));
  ok(await api.call('GET', `/v1.0/extensions/${ext.extensionId}`, { token }));
  ok(await api.call('PUT', `/v1.0/extensions/${ext.extensionId}`, { token, body: { name: 'desk', password: `${PASSWORD}2` } }));
  ok(await api.call('POST', `/v1.0/extensions/${ext.extensionId}/direct-hash-regenerate`, { token }));

  // The registrar: a credential lookup, then bindings through the webhook.
  const lookup = await api.call('GET', `/v1.0/registrar/credentials?username=${ext.username}&realm=${ext.realm}`, {
    headers: { authorization: `Bearer ${SECRET_A}` },
  });
  ok(lookup);
  const expiresAt = nowSeconds() + 3600;
  const first = binding({ registration_id: ruid(), expires_at: expiresAt });
  const second = binding({ registration_id: ruid(), expires_at: expiresAt });
  const owner = { aor: ext.aor, customer_id: lookup.body.customer_id, extension_id: ext.extensionId };
  ok(await deliver(api, { event: 'registered', ...owner, binding: first, bindings: [first], event_time: nowSeconds() - 2 }));
  ok(await deliver(api, { event: 'registered', ...owner, binding: second, bindings: [first, second], event_time: nowSeconds() - 1 }));

  // Registrations: the customer-wide list (two pages), one extension's, removals.
  const firstRegs = await api.call('GET', '/v1.0/extensions/registrations?page_size=1', { token });
  ok(firstRegs);
  ok(await api.call('GET', `/v1.0/extensions/registrations?extension_id=${ext.extensionId}`, { token }));
  ok(await api.call('GET', `/v1.0/extensions/${ext.extensionId}/registrations`, { token }));
  ok(await api.call('DELETE', `/v1.0/extensions/${ext.extensionId}/registrations/${first.registration_id}`, { token }), 204);
  ok(await api.call('DELETE', `/v1.0/extensions/${ext.extensionId}/registrations`, { token }), 204);

  // Customer webhooks: subscriptions in the customer's partition, deliveries in their own.
  const hook = await api.call('POST', '/v1.0/webhooks', { token, body: { url: 'http://127.0.0.1:9/grants', event_types: ['extension.created'] } });
  ok(hook);
  ok(await api.call('GET', '/v1.0/webhooks', { token }));
  ok(await api.call('GET', `/v1.0/webhooks/${hook.body.id}`, { token }));
  ok(await api.call('PUT', `/v1.0/webhooks/${hook.body.id}`, { token, body: { name: 'renamed' } }));
  ok(await api.call('POST', `/v1.0/webhooks/${hook.body.id}/secret-regenerate`, { token }));
  const deliveryId = await recordDelivery(customerId, hook.body.id);
  ok(await api.call('GET', `/v1.0/webhooks/${hook.body.id}/deliveries`, { token }));
  ok(await api.call('POST', `/v1.0/webhooks/${hook.body.id}/deliveries/${deliveryId}/redeliver`, { token }));
  const spareHook = await api.call('POST', '/v1.0/webhooks', { token, body: { url: 'http://127.0.0.1:9/spare', event_types: ['extension.created'] } });
  ok(spareHook);
  ok(await api.call('DELETE', `/v1.0/webhooks/${spareHook.body.id}`, { token }));

  // Idempotency-Key on every customer POST: claim and complete, a replay reads the stored
  // reply, and a request whose work fails (5xx) releases its key.
  const idempotentPosts: [string, unknown][] = [
    ['/v1.0/accesskeys', { name: 'idempotent' }],
    ['/v1.0/domains', { domain_name: `${name}-idem` }],
    ['/v1.0/extensions', { domain_id: ext.domainId, extension: `idem${ruid().slice(5, 9)}`, password: PASSWORD }],
    [`/v1.0/extensions/${ext.extensionId}/direct-hash-regenerate`, undefined],
    ['/v1.0/webhooks', { url: 'http://127.0.0.1:9/grants-idem', event_types: ['extension.created'] }],
    [`/v1.0/webhooks/${hook.body.id}/secret-regenerate`, undefined],
    [`/v1.0/webhooks/${hook.body.id}/deliveries/${deliveryId}/redeliver`, undefined],
  ];
  for (const [path, body] of idempotentPosts) {
    const headers = { 'idempotency-key': `grants-${ruid()}` };
    ok(await api.call('POST', path, { token, body, headers }));
    ok(await api.call('POST', path, { token, body, headers }));
    const failing = failNextWrite();
    const failed = await api.call('POST', path, { token, body, headers: { 'idempotency-key': `grants-${ruid()}` } });
    failing.stop();
    expect(failed.status, failed.text).toBeGreaterThanOrEqual(500);
  }

  ok(await api.call('DELETE', `/v1.0/extensions/${ext.extensionId}`, { token }));

  // More bindings than the extension's delete transaction holds: the rest go in batches.
  const crowded = await newExtension(api, token, { id: domain.body.id, realm: domain.body.realm });
  const crowdedOwner = { aor: crowded.aor, customer_id: lookup.body.customer_id, extension_id: crowded.extensionId };
  const events = Array.from({ length: 100 }, () => {
    const b = binding({ registration_id: ruid(), expires_at: expiresAt });
    return { event: 'registered', ...crowdedOwner, binding: b, event_time: nowSeconds() - 1 };
  });
  ok(await deliver(api, { events }));
  ok(await api.call('DELETE', `/v1.0/extensions/${crowded.extensionId}`, { token }));
}

/**
 * Makes the next write of a route's own items fail as an unavailable table would (not the
 * idempotency records): the route answers 5xx and releases its Idempotency-Key.
 */
function failNextWrite() {
  const name = `grants-fail-next-write-${ruid()}`;
  const writes = new Set(['TransactWriteItemsCommand', 'PutCommand', 'UpdateCommand', 'PutItemCommand', 'UpdateItemCommand']);
  const stop = () => db().middlewareStack.remove(name);
  db().middlewareStack.add(
    (next, context) => async (args) => {
      const keyed = JSON.stringify((args.input as { Key?: unknown; Item?: unknown }).Key ?? (args.input as { Item?: unknown }).Item ?? '');
      if (writes.has(context.commandName ?? '') && !keyed.includes('#IDEMPOTENCY#')) {
        stop();
        throw Object.assign(new Error('injected by the grants test'), { name: 'InternalServerError', $metadata: { httpStatusCode: 500 } });
      }
      return next(args);
    },
    { step: 'initialize', name },
  );
  return { stop };
}

const describeUse = (u: TableUse) => `${u.name}: ${u.actions.join('+')} on ${u.index ?? 'table'} ${u.keys.join(', ')}`;
const describeAccess = (a: { action: string; index?: string; partitionKey?: string }) =>
  `${a.action} on ${a.index ?? 'table'} ${a.partitionKey ?? '(no key)'}`;

describe('every route uses the table exactly as its grant says', () => {
  beforeAll(async () => {
    await scenario();
    for (const call of [...recorder.calls, ...recorder.failedCalls]) {
      if (!call.route) continue; // the fixtures' own writes (newCustomer)
      byRoute.set(call.route, [...(byRoute.get(call.route) ?? []), call]);
    }
    if (process.env.PRINT_TABLE_USE) {
      for (const [route, calls] of byRoute) console.log(route, [...new Set(calls.flatMap((c) => c.accesses.map(describeAccess)))]);
    }
  }, 120_000);

  it('the scenario reaches every route of the table that touches it', () => {
    const untouched = routes.filter((r) => r.table !== 'none' && !byRoute.has(r.operationId)).map((r) => r.operationId);
    expect(untouched).toEqual([]);
  });

  it('no handler makes a call, or touches an index or key, its route is not granted', () => {
    const refused: string[] = [];
    for (const [operationId, calls] of byRoute) {
      const route = routes.find((r) => r.operationId === operationId);
      const access = route?.access ?? [];
      for (const call of calls) {
        for (const record of call.accesses) {
          if (!allowingUse(access, record)) refused.push(`${operationId}: ${describeAccess(record)}`);
        }
      }
    }
    expect([...new Set(refused)]).toEqual([]);
  });

  it('no route is granted an action, index or key pattern that no request needs', () => {
    const unused: string[] = [];
    for (const route of routes) {
      const records = (byRoute.get(route.operationId) ?? []).flatMap((call) => call.accesses);
      for (const use of route.access ?? []) {
        for (const action of use.actions) {
          for (const pattern of use.keys) {
            const needed = records.some(
              (r) =>
                r.action === action &&
                (r.index ?? undefined) === (use.index ?? undefined) &&
                r.partitionKey !== undefined &&
                mostSpecificPattern(route.access!.flatMap((u) => u.keys), r.partitionKey) === pattern,
            );
            if (!needed) unused.push(`${route.operationId}: ${action} on ${use.index ?? 'table'} ${pattern} (${describeUse(use)})`);
          }
        }
      }
    }
    expect(unused).toEqual([]);
  });

  it('the recorder sees a call outside the grant (the check can fail)', () => {
    const health = routes.find((r) => r.operationId === 'getHealth')!;
    expect(allowingUse(health.access ?? [], { action: 'GetItem', partitionKey: 'SIPUSER#realm#alice' })).toBeUndefined();
    expect(allowingUse(health.access ?? [], { action: 'Query', partitionKey: '#HEALTH' })).toBeUndefined();
  });
});

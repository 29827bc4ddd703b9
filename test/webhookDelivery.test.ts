import { afterEach, describe, expect, it } from 'vitest';
import { newCustomer, useApi } from './support/api.js';
import { binding, deliver, newExtension, nowSeconds, PASSWORD, ruid, SECRET_A, useRegistrarSecrets } from './support/registrar.js';
import { sleep, startReceiver, useLocalWebhooks, verifyWithStandardWebhooks, waitFor, type Answer, type Receiver } from './support/webhooks.js';

/**
 * Customer webhooks end to end without SIP: API and registrar webhook requests through the
 * local gateway -> DynamoDB Local -> its stream -> the local pipeline (the same derivation,
 * fan-out and delivery code as the Lambda functions) -> a real HTTP receiver on 127.0.0.1.
 * Retries are fast here (WEBHOOK_RETRY_SCHEDULE 0.2,0.4,0.8 s).
 */
useRegistrarSecrets(SECRET_A);
const api = useApi();
useLocalWebhooks({ WEBHOOK_TIMEOUT_MS: '3000' });

const receivers: Receiver[] = [];
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

async function subscribed(eventTypes: string[], answer?: (request: any, n: number) => Answer) {
  const customer = await newCustomer();
  const receiver = await startReceiver(answer);
  receivers.push(receiver);
  const created = await api.call('POST', '/v1.0/webhooks', {
    token: customer.token,
    body: { url: receiver.url, event_types: eventTypes },
  });
  expect(created.status, created.text).toBe(200);
  return { ...customer, receiver, webhookId: created.body.id as string, secret: created.body.secret as string };
}

const registered = (ext: { aor: string }, registrationId: string, cseq: number, expiresAt: number) =>
  deliver(api, { event: 'registered', aor: ext.aor, binding: binding({ registration_id: registrationId, cseq, expires_at: expiresAt }) });

/** Waits until `count` events of the type arrived, then a little longer to see that no more come. */
async function settle(receiver: Receiver, type: string, count: number, quietMs = 1500) {
  await waitFor(() => receiver.events(type).length, (n) => n >= count, 10_000);
  await sleep(quietMs);
  return receiver.events(type);
}

describe('registration events', () => {
  it('a new binding is exactly one registration.registered, signed per Standard Webhooks', async () => {
    const sub = await subscribed(['registration.registered', 'registration.unregistered', 'registration.expired']);
    const ext = await newExtension(api, sub.token);
    const id = ruid();
    const started = Date.now();
    expect((await registered(ext, id, 1, nowSeconds() + 300)).status).toBe(200);
    const events = await settle(sub.receiver, 'registration.registered', 1);
    expect(events).toHaveLength(1);
    expect(events[0]!.at - started).toBeLessThan(5000);
    expect(sub.receiver.received).toHaveLength(1);
    const payload = verifyWithStandardWebhooks(sub.secret, events[0]!) as any;
    expect(payload).toMatchObject({
      type: 'registration.registered',
      customer_id: sub.customerId,
      data: {
        extension_id: ext.extensionId,
        reason: 'registered',
        registration: { registration_id: id, contact_address: `sip:${id}@192.168.1.10:5062`, device: 'Yealink SIP-T46G 28.72.14.5' },
      },
    });
    expect(payload.id).toMatch(/^evt_/);
    expect(events[0]!.headers['webhook-id']).toMatch(/^[0-9a-f-]{36}$/);
    // A tampered body or another secret fails the reference verifier.
    expect(() => verifyWithStandardWebhooks(sub.secret, { ...events[0]!, body: events[0]!.body.replace('registered', 'expired') })).toThrow();
  });

  it('refreshes and duplicate registrar deliveries produce no further event', async () => {
    const sub = await subscribed(['registration.registered', 'registration.unregistered', 'registration.expired']);
    const ext = await newExtension(api, sub.token);
    const id = ruid();
    const expiresAt = nowSeconds() + 300;
    await registered(ext, id, 1, expiresAt);
    // The registrar repeats the same delivery (its retry), then the device refreshes twice.
    await registered(ext, id, 1, expiresAt);
    await registered(ext, id, 1, expiresAt);
    await deliver(api, { event: 'refreshed', aor: ext.aor, binding: binding({ registration_id: id, cseq: 3, expires_at: expiresAt + 60 }) });
    await deliver(api, { event: 'refreshed', aor: ext.aor, binding: binding({ registration_id: id, cseq: 5, expires_at: expiresAt + 120 }) });
    const events = await settle(sub.receiver, 'registration.registered', 1);
    expect(events).toHaveLength(1);
    expect(sub.receiver.received).toHaveLength(1);
  });

  it('unregister by the device, force-unregister by the API, and expiry each give their event once', async () => {
    const sub = await subscribed(['registration.unregistered', 'registration.expired']);
    const ext = await newExtension(api, sub.token);
    const [byDevice, byApi, lapsing] = [ruid(), ruid(), ruid()];
    for (const id of [byDevice, byApi, lapsing]) await registered(ext, id, 1, nowSeconds() + 300);
    await deliver(api, { event: 'unregistered', aor: ext.aor, binding: { registration_id: byDevice, call_id: `call-${byDevice}`, cseq: 2 } });
    const removed = await api.call('DELETE', `/v1.0/extensions/${ext.extensionId}/registrations/${byApi}`, { token: sub.token });
    expect(removed.status, removed.text).toBe(204);
    await deliver(api, { event: 'expired', aor: ext.aor, binding: binding({ registration_id: lapsing, cseq: 1, expires_at: nowSeconds() + 300 }) });
    const unregistered = await settle(sub.receiver, 'registration.unregistered', 2);
    const expired = sub.receiver.events('registration.expired');
    expect(unregistered.map((r) => [r.json.data.registration.registration_id, r.json.data.reason]).sort()).toEqual(
      [
        [byDevice, 'device'],
        [byApi, 'api'],
      ].sort(),
    );
    expect(expired.map((r) => r.json.data.registration.registration_id)).toEqual([lapsing]);
    expect(expired[0]!.json.data.registration.expires).toBe(0);
    // Nothing but what was subscribed to: registered events were not asked for.
    expect(sub.receiver.received).toHaveLength(3);
  });
});

describe('extension events', () => {
  it('created, updated, password_changed and deleted, never carrying the password', async () => {
    const sub = await subscribed(['extension.created', 'extension.updated', 'extension.deleted', 'extension.password_changed']);
    const ext = await newExtension(api, sub.token);
    const newPassword = 'An0therStr0ngPassw0rd';
    expect((await api.call('PUT', `/v1.0/extensions/${ext.extensionId}`, { token: sub.token, body: { name: 'desk' } })).status).toBe(200);
    expect((await api.call('PUT', `/v1.0/extensions/${ext.extensionId}`, { token: sub.token, body: { password: newPassword } })).status).toBe(200);
    expect((await api.call('DELETE', `/v1.0/extensions/${ext.extensionId}`, { token: sub.token })).status).toBe(200);
    await settle(sub.receiver, 'extension.deleted', 1);
    const types = sub.receiver.received.map((r) => r.json.type);
    expect(types.filter((t) => t === 'extension.created')).toHaveLength(1);
    expect(types.filter((t) => t === 'extension.updated')).toHaveLength(1);
    expect(types.filter((t) => t === 'extension.password_changed')).toHaveLength(1);
    expect(types.filter((t) => t === 'extension.deleted')).toHaveLength(1);
    for (const request of sub.receiver.received) {
      verifyWithStandardWebhooks(sub.secret, request);
      expect(request.json.data.extension.id).toBe(ext.extensionId);
      expect(request.json.data.extension).not.toHaveProperty('password');
      expect(request.body).not.toContain(PASSWORD);
      expect(request.body).not.toContain(newPassword);
      expect(request.body).not.toMatch(/ha1/i);
    }
    expect(sub.receiver.events('extension.updated')[0]!.json.data.extension.name).toBe('desk');
    expect(sub.receiver.events('extension.deleted')[0]!.json.data.extension.tm_delete).not.toBe('');
  });
});

describe('delivery', () => {
  it('a receiver failing twice gets the event on the third attempt, with the same webhook-id; the attempts are recorded', async () => {
    const sub = await subscribed(['extension.created'], (_r, n) => (n <= 2 ? 503 : 200));
    await newExtension(api, sub.token);
    await waitFor(() => sub.receiver.received.length, (n) => n >= 3, 10_000);
    await sleep(1200);
    expect(sub.receiver.received).toHaveLength(3);
    expect(new Set(sub.receiver.received.map((r) => r.headers['webhook-id'])).size).toBe(1);
    const gaps = [1, 2].map((i) => sub.receiver.received[i]!.at - sub.receiver.received[i - 1]!.at);
    expect(gaps[0]).toBeGreaterThanOrEqual(150);
    expect(gaps[1]).toBeGreaterThan(gaps[0]!);
    const deliveries = await api.call('GET', `/v1.0/webhooks/${sub.webhookId}/deliveries`, { token: sub.token });
    expect(deliveries.status, deliveries.text).toBe(200);
    expect(deliveries.body.result).toHaveLength(1);
    expect(deliveries.body.result[0]).toMatchObject({
      id: sub.receiver.received[0]!.headers['webhook-id'],
      event_type: 'extension.created',
      status: 'succeeded',
      attempts: 3,
      last_response_code: 200,
      next_retry: '',
    });
  });

  it('gives up after the schedule and records the failure; redeliver sends it again', async () => {
    let healthy = false;
    const sub = await subscribed(['extension.created'], () => (healthy ? 200 : 500));
    await newExtension(api, sub.token);
    // 1 attempt + 3 retries (0.2 + 0.4 + 0.8 s), then failed.
    await waitFor(() => sub.receiver.received.length, (n) => n >= 4, 10_000);
    await sleep(1200);
    expect(sub.receiver.received).toHaveLength(4);
    const list = await api.call('GET', `/v1.0/webhooks/${sub.webhookId}/deliveries`, { token: sub.token });
    const delivery = list.body.result[0];
    expect(delivery).toMatchObject({ status: 'failed', attempts: 4, last_response_code: 500 });
    healthy = true;
    const again = await api.call('POST', `/v1.0/webhooks/${sub.webhookId}/deliveries/${delivery.id}/redeliver`, { token: sub.token });
    expect(again.status, again.text).toBe(200);
    expect(again.body.status).toBe('pending');
    await waitFor(() => sub.receiver.received.length, (n) => n >= 5);
    expect(sub.receiver.received[4]!.headers['webhook-id']).toBe(delivery.id);
    expect(sub.receiver.received[4]!.body).toBe(sub.receiver.received[0]!.body);
    const after = await waitFor(
      async () => (await api.call('GET', `/v1.0/webhooks/${sub.webhookId}/deliveries`, { token: sub.token })).body.result[0],
      (d: any) => d.status === 'succeeded',
    );
    expect(after).toMatchObject({ status: 'succeeded', attempts: 5, last_response_code: 200 });
  });

  it('410 Gone disables the subscription: no retry, no further deliveries', async () => {
    const sub = await subscribed(['extension.created', 'extension.updated'], () => 410);
    const ext = await newExtension(api, sub.token);
    await waitFor(() => sub.receiver.received.length, (n) => n >= 1);
    const hook = await waitFor(
      async () => (await api.call('GET', `/v1.0/webhooks/${sub.webhookId}`, { token: sub.token })).body,
      (w: any) => w.enabled === false,
    );
    expect(hook).toMatchObject({ enabled: false, disabled_reason: 'endpoint_gone' });
    await api.call('PUT', `/v1.0/extensions/${ext.extensionId}`, { token: sub.token, body: { name: 'after 410' } });
    await sleep(1500);
    expect(sub.receiver.received).toHaveLength(1);
  });

  it("other customers receive nothing of a customer's events", async () => {
    const alice = await subscribed(['extension.created', 'registration.registered']);
    const bob = await subscribed(['extension.created', 'registration.registered']);
    const ext = await newExtension(api, alice.token);
    await registered(ext, ruid(), 1, nowSeconds() + 300);
    await settle(alice.receiver, 'registration.registered', 1);
    expect(alice.receiver.received.map((r) => r.json.customer_id)).toEqual([alice.customerId, alice.customerId]);
    expect(bob.receiver.received).toHaveLength(0);
  });

  it("a receiver that hangs does not delay another customer's delivery", async () => {
    const slow = await subscribed(['extension.created'], () => 'hang');
    const fast = await subscribed(['extension.created']);
    await newExtension(api, slow.token);
    await waitFor(() => slow.receiver.received.length, (n) => n >= 1);
    const started = Date.now();
    await newExtension(api, fast.token);
    await waitFor(() => fast.receiver.received.length, (n) => n >= 1);
    // The slow receiver holds its request for the whole 3 s timeout; the other customer's event does not wait for it.
    expect(fast.receiver.received).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(2500);
    const slowDelivery = await waitFor(
      async () => (await api.call('GET', `/v1.0/webhooks/${slow.webhookId}/deliveries`, { token: slow.token })).body.result[0],
      (d: any) => d?.last_error === 'timeout',
      8000,
    );
    expect(slowDelivery).toMatchObject({ last_error: 'timeout', last_response_code: 0 });
  });

  it('a disabled subscription or an event type not asked for gets nothing', async () => {
    const off = await subscribed(['extension.created']);
    await api.call('PUT', `/v1.0/webhooks/${off.webhookId}`, { token: off.token, body: { enabled: false } });
    const other = await subscribed(['extension.deleted']);
    await newExtension(api, off.token);
    await newExtension(api, other.token);
    await sleep(2000);
    expect(off.receiver.received).toHaveLength(0);
    expect(other.receiver.received).toHaveLength(0);
  });
});

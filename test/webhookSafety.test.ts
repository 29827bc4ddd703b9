import { updateConfig } from '../shared/config.js';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getDelivery } from '../shared/webhooks/deliveries.js';
import { attemptDelivery } from '../shared/webhooks/pipeline.js';
import { createWebhook } from '../shared/webhooks/subscriptions.js';
import { newCustomer } from './support/api.js';
import { recordDelivery } from './support/webhookDeliveries.js';

/**
 * SSRF at delivery time on an AWS stage: a URL saved while its name resolved to a public
 * address may later resolve to a loopback/private one. The attempt must refuse the
 * address the socket would connect to, and never open the connection. `localhost` stands
 * in for such a name (it resolves to 127.0.0.1); a TCP listener counts connections.
 */
describe('delivery on an AWS stage', () => {
  let listener: Server;
  let port = 0;
  let connections = 0;
  beforeAll(async () => {
    listener = createServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', () => resolve()));
    port = (listener.address() as AddressInfo).port;
  });
  afterAll(async () => {
    updateConfig({ stage: 'test' });
    await new Promise((resolve) => listener.close(resolve));
  });

  async function pendingDelivery(url: string) {
    const { customerId } = await newCustomer();
    // Saved on the test stage (https to any host is accepted there), delivered on "prod".
    const webhook = await createWebhook(customerId, { url, event_types: ['extension.created'] });
    const id = await recordDelivery(customerId, webhook.id, {
      status: 'pending',
      attempts: 0,
      last_response_code: 0,
      next_attempt_at: Date.now(),
    });
    return { customerId, webhookId: webhook.id, deliveryId: id };
  }

  it('refuses a name that now resolves to loopback without connecting, and does not retry', async () => {
    const job = await pendingDelivery(`https://localhost:${port}/hooks`);
    updateConfig({ stage: 'prod' });
    try {
      expect(await attemptDelivery(job)).toEqual({ done: true });
    } finally {
      updateConfig({ stage: 'test' });
    }
    expect(connections).toBe(0);
    expect(await getDelivery(job.customerId, job.webhookId, job.deliveryId)).toMatchObject({
      status: 'failed',
      attempts: 1,
      last_error: 'address_refused',
      last_response_code: 0,
    });
  });

  it('connects on a local stage (the same URL), so the refusal above is the guard', async () => {
    const job = await pendingDelivery(`https://localhost:${port}/hooks`);
    const result = await attemptDelivery(job);
    expect(connections).toBe(1);
    expect(result).toMatchObject({ done: false });
    expect(await getDelivery(job.customerId, job.webhookId, job.deliveryId)).toMatchObject({ status: 'retrying', last_error: 'connection' });
  });
});

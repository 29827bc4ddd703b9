import { afterEach, describe, expect, it, vi } from 'vitest';
import { db } from '../shared/table/client.js';
import { newCustomer, useApi } from './support/api.js';

const api = useApi();

afterEach(() => vi.restoreAllMocks());

/**
 * DynamoDB Local is always consistent, so behaviour alone cannot show an eventually
 * consistent read; the commands can. Every base-table read of a request path must be
 * strongly consistent (a GET right after a DELETE is 404, a create right after another
 * sees it); only GSI queries may not be.
 */
async function readsOf(run: () => Promise<unknown>) {
  const send = vi.spyOn(db(), 'send');
  await run();
  const reads = send.mock.calls
    .map(([command]) => ({ name: command.constructor.name, input: command.input as Record<string, unknown> }))
    .filter((c) => c.name === 'GetCommand' || c.name === 'QueryCommand');
  send.mockRestore();
  return reads;
}

describe('strongly consistent reads', () => {
  it('on every base-table read of the customer routes', async () => {
    const { token, accessKeyId } = await newCustomer();
    const domain = await api.call('POST', '/v1.0/domains', { token, body: { domain_name: `c-${Date.now()}` } });
    const extension = await api.call('POST', '/v1.0/extensions', {
      token,
      body: { domain_id: domain.body.id, extension: '100' },
    });
    const paths = [
      `/v1.0/accesskeys/${accessKeyId}`,
      '/v1.0/accesskeys',
      `/v1.0/domains/${domain.body.id}`,
      '/v1.0/domains',
      `/v1.0/extensions/${extension.body.id}`,
      `/v1.0/extensions/${extension.body.id}/registrations`,
    ];
    for (const path of paths) {
      const reads = await readsOf(() => api.call('GET', path, { token }));
      const baseTableReads = reads.filter((r) => r.input.IndexName === undefined);
      expect(baseTableReads.length, path).toBeGreaterThan(0);
      for (const read of baseTableReads) expect(read.input.ConsistentRead, `${path} ${read.name}`).toBe(true);
    }
  });
});

import { describe, expect, it } from 'vitest';
import { expectEnvelope, newCustomer, useApi } from './support/api.js';
import { signedPageToken } from './support/pageTokens.js';

const api = useApi();

/**
 * Issue 12.5: a token with a valid signature but a malformed key inside used to reach
 * DynamoDB as ExclusiveStartKey and come back as a 500 (ValidationException).
 */
describe('a correctly signed page token with a malformed key', () => {
  it('is a 400 INVALID_PAGE_TOKEN on every listing, and the genuine shape still pages', async () => {
    const { customerId, token } = await newCustomer();
    const domain = await api.call('POST', '/v1.0/domains', { token, body: { domain_name: `pt${Date.now()}` } });
    expect(domain.status).toBe(200);
    const domainId = domain.body.id as string;
    const customerPK = `CUSTOMER#${customerId}`;
    const extensionsPK = `CUSTOMER#${customerId}#EXTENSIONS`;
    const domainPK = `CUSTOMER#${customerId}#DOMAIN#${domainId}#EXTENSIONS`;
    const extPK = `CUSTOMER#${customerId}#EXTENSION#0190a0a0-0000-7000-8000-000000000000`;

    const cases: { path: string; listing: string; filter?: string; keys: unknown[]; genuine: unknown }[] = [
      {
        path: '/v1.0/accesskeys',
        listing: 'accesskeys',
        genuine: { PK: customerPK, SK: 'ACCESSKEY#zzzz' },
        keys: [
          { PK: customerPK, SK: 5 },
          { PK: customerPK, SK: { S: 'ACCESSKEY#x' } },
          { PK: customerPK, SK: '' },
          { PK: customerPK, SK: null },
          { PK: customerPK, SK: ['ACCESSKEY#x'] },
          { PK: customerPK, sk: 'ACCESSKEY#x' },
          { PK: customerPK, SK: 'ACCESSKEY#x', extra: 'x' },
          { PK: customerPK, SK: 'DOMAIN#x' },
          { PK: customerPK, SK: `ACCESSKEY#${'x'.repeat(2000)}` },
          { PK: `CUSTOMER#someone-else`, SK: 'ACCESSKEY#x' },
          { PK: customerPK },
          {},
        ],
      },
      {
        path: '/v1.0/domains',
        listing: 'domains',
        genuine: { PK: customerPK, SK: 'DOMAIN#zzzz' },
        keys: [{ PK: customerPK, SK: 1.5 }, { PK: customerPK, SK: 'ACCESSKEY#x' }, { PK: customerPK, SK: true }],
      },
      {
        path: '/v1.0/extensions',
        listing: 'extensions',
        genuine: { PK: extPK, SK: '#EXTENSION', GSI1PK: extensionsPK, GSI1SK: 'zzzz' },
        keys: [
          { PK: extPK, SK: '#EXTENSION', GSI1PK: extensionsPK, GSI1SK: 7 },
          { PK: 7, SK: '#EXTENSION', GSI1PK: extensionsPK, GSI1SK: 'x' },
          { PK: extPK, SK: '', GSI1PK: extensionsPK, GSI1SK: 'x' },
          { PK: extPK, SK: '#EXTENSION', GSI2PK: extensionsPK, GSI1SK: 'x' },
          { PK: extPK, SK: '#EXTENSION', GSI1PK: extensionsPK },
        ],
      },
      {
        path: `/v1.0/extensions?domain_id=${domainId}`,
        listing: 'extensions',
        filter: `domain_id=${domainId}`,
        genuine: { PK: extPK, SK: '#EXTENSION', GSI2PK: domainPK, GSI2SK: 'zzzz' },
        keys: [
          { PK: extPK, SK: '#EXTENSION', GSI2PK: domainPK, GSI2SK: { N: '1' } },
          { PK: extPK, SK: '#EXTENSION', GSI1PK: domainPK, GSI2SK: 'x' },
        ],
      },
      {
        path: '/v1.0/extensions/registrations',
        listing: 'extension-registrations',
        genuine: { before: 'ffffffff-ffff-7fff-bfff-ffffffffffff' },
        keys: [{ before: 5 }, { before: '' }, { before: 'x'.repeat(5000) }, { before: 'not-an-id' }, { before: 'ffffffff-ffff-7fff-bfff-ffffffffffff', PK: 'x' }],
      },
    ];
    for (const { path, listing, filter, keys, genuine } of cases) {
      const withToken = (pageToken: string) =>
        `${path}${path.includes('?') ? '&' : '?'}page_token=${encodeURIComponent(pageToken)}`;
      const ok = await api.call('GET', withToken(signedPageToken(genuine, { customerId, listing, filter })), { token });
      expect(ok.status, `${path} genuine`).toBe(200);
      for (const key of keys) {
        const reply = await api.call('GET', withToken(signedPageToken(key, { customerId, listing, filter })), { token });
        expect(reply.status, `${path} ${JSON.stringify(key).slice(0, 80)}`).toBe(400);
        expectEnvelope(reply, 400, 'INVALID_ARGUMENT', 'INVALID_PAGE_TOKEN');
      }
    }
  });
});

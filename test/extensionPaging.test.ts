import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { createDomain } from '../shared/domain/domains.js';
import { createExtension } from '../shared/domain/extensions.js';
import { expectEnvelope, newCustomer, useApi } from './support/api.js';

const api = useApi();

const COUNT = 250;
/** Every extension of the listing gets this one creation instant (VoIPbin's cursor skips such rows). */
const FIXED_MS = Date.parse('2021-02-18T12:42:27.688Z');

let alice: Awaited<ReturnType<typeof newCustomer>>;
let bob: Awaited<ReturnType<typeof newCustomer>>;
let domainId = '';
let otherDomainId = '';
/** In creation order. */
const createdIds: string[] = [];

beforeAll(async () => {
  alice = await newCustomer();
  bob = await newCustomer();
  const domain = await createDomain(alice.customerId, { domain_name: `paging-${randomBytes(5).toString('hex')}` });
  const other = await createDomain(alice.customerId, { domain_name: `paging-${randomBytes(5).toString('hex')}` });
  domainId = domain.id;
  otherDomainId = other.id;
  for (let i = 0; i < COUNT; i++) {
    const extension = await createExtension(
      alice.customerId,
      { domain_id: domainId, extension: `${1000 + i}` },
      { clock: () => FIXED_MS },
    );
    createdIds.push(extension.id);
  }
  // One in another domain: it must show up unfiltered and never in the domain's listing.
  createdIds.push((await createExtension(alice.customerId, { domain_id: otherDomainId, extension: '1000' }, { clock: () => FIXED_MS })).id);
}, 180_000);

async function readAll(query: string, pageSize: number) {
  const ids: string[] = [];
  const sizes: number[] = [];
  const timestamps = new Set<string>();
  let pageToken = '';
  do {
    const url = `/v1.0/extensions?${query}${query ? '&' : ''}page_size=${pageSize}${pageToken ? `&page_token=${encodeURIComponent(pageToken)}` : ''}`;
    const page = await api.call('GET', url, { token: alice.token });
    expect(page.status, page.text).toBe(200);
    sizes.push(page.body.result.length);
    for (const item of page.body.result) {
      ids.push(item.id);
      timestamps.add(item.tm_create);
    }
    pageToken = page.body.next_page_token;
  } while (pageToken);
  return { ids, sizes, timestamps };
}

describe('paging through extensions that share one tm_create', () => {
  it('page_size 100: 100, 100, 50 of one domain, newest first, no gaps, no repeats', async () => {
    const { ids, sizes, timestamps } = await readAll(`domain_id=${domainId}`, 100);
    expect(timestamps).toEqual(new Set(['2021-02-18 12:42:27.688000']));
    expect(sizes).toEqual([100, 100, 50]);
    expect(ids).toEqual(createdIds.slice(0, COUNT).reverse());
  });

  it('a small page_size (7) walks the same list', async () => {
    const { ids, sizes } = await readAll(`domain_id=${domainId}`, 7);
    expect(sizes).toEqual([...Array(35).fill(7), 5]);
    expect(ids).toEqual(createdIds.slice(0, COUNT).reverse());
  });

  it('without domain_id: all of the customer’s extensions', async () => {
    const { ids, sizes } = await readAll('', 100);
    expect(sizes).toEqual([100, 100, 51]);
    expect(ids).toEqual([...createdIds].reverse());
  });

  it('page_size defaults to 100 and is clamped to 1..100', async () => {
    const first = async (query: string) => {
      const page = await api.call('GET', `/v1.0/extensions?domain_id=${domainId}${query}`, { token: alice.token });
      expect(page.status).toBe(200);
      expect(page.body.next_page_token).not.toBe('');
      return page.body.result.length;
    };
    expect(await first('')).toBe(100);
    expect(await first('&page_size=1000')).toBe(100);
    expect(await first('&page_size=0')).toBe(1);
    expect(await first('&page_size=-5')).toBe(1);
  });

  it('refuses tampered, foreign and other-filter page tokens with 400', async () => {
    const list = (query: string, token = alice.token) => api.call('GET', `/v1.0/extensions?${query}`, { token });
    const filtered = (await list(`domain_id=${domainId}&page_size=10`)).body.next_page_token as string;
    const unfiltered = (await list('page_size=10')).body.next_page_token as string;
    expect(filtered).not.toBe('');
    expect(unfiltered).not.toBe('');
    // The genuine tokens work where they were issued.
    expect((await list(`domain_id=${domainId}&page_size=10&page_token=${encodeURIComponent(filtered)}`)).status).toBe(200);
    expect((await list(`page_size=10&page_token=${encodeURIComponent(unfiltered)}`)).status).toBe(200);

    const flip = (token: string, at: number) =>
      `${token.slice(0, at)}${token[at] === 'A' ? 'B' : 'A'}${token.slice(at + 1)}`;
    const refused = [
      // altered payload, altered signature, truncated, garbage
      list(`domain_id=${domainId}&page_token=${encodeURIComponent(flip(filtered, 3))}`),
      list(`domain_id=${domainId}&page_token=${encodeURIComponent(flip(filtered, filtered.length - 3))}`),
      list(`domain_id=${domainId}&page_token=${encodeURIComponent(filtered.slice(0, -4))}`),
      list(`domain_id=${domainId}&page_token=2021-02-18%2012:42:27.688282`),
      // another customer
      list(`domain_id=${domainId}&page_token=${encodeURIComponent(filtered)}`, bob.token),
      list(`page_token=${encodeURIComponent(unfiltered)}`, bob.token),
      // another filter: other domain, none vs some, some vs none
      list(`domain_id=${otherDomainId}&page_token=${encodeURIComponent(filtered)}`),
      list(`page_token=${encodeURIComponent(filtered)}`),
      list(`domain_id=${domainId}&page_token=${encodeURIComponent(unfiltered)}`),
    ];
    for (const response of await Promise.all(refused)) {
      expectEnvelope(response, 400, 'INVALID_ARGUMENT', 'INVALID_PAGE_TOKEN');
    }
  });
});

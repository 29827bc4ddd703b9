import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { addAccessKeyWithSecret, createCustomer } from '../shared/domain/customers.js';
import { defaultDomainName } from '../shared/domain/domains.js';
import { tokenPrefixOf } from '../shared/domain/secrets.js';
import { findSipCredential } from '../shared/store/extensions.js';
import { expectEnvelope, newCustomer, useApi, type ApiResponse, type CallOptions } from './support/api.js';

/**
 * VoIPbin's current clients, replayed request by request: its command-line client
 * (`vn`), its MCP server and its generated SDK, all written against VoIPbin's newer
 * public API (https://api.voipbin.net/v1.0). What each sends is written here from their
 * public sources: the key travels as `?accesskey=` on every request (the CLI's transport
 * and the MCP client both add it to the query), lists send `page_size` / `page_token`
 * only when set, creates send `{name, detail, extension, password}` without `domain_id`,
 * and PUTs send the whole body with "" for what the user did not set. Each reply must
 * carry the fields those clients read (their table columns); api.call() checks every
 * reply against the OpenAPI document as well.
 */

const api = useApi();

const TIMESTAMP = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$/;
const PASSWORD = 'Str0ngEnoughPassw0rd';

/** The CLI's and the MCP server's transport: the access key in `?accesskey=`, a JSON body when there is one. */
const client = (accessKey: string) => {
  const send = (method: string, path: string, body?: unknown, options: CallOptions = {}) =>
    api.call(method, `/v1.0${path}`, { token: accessKey, auth: 'query-accesskey', ...(body === undefined ? {} : { body }), ...options });
  return {
    get: (path: string) => send('GET', path),
    post: (path: string, body: unknown) => send('POST', path, body),
    put: (path: string, body: unknown) => send('PUT', path, body),
    delete: (path: string) => send('DELETE', path),
  };
};

/** The columns `vn` prints (its list and detail views) and the MCP server returns as is. */
const CLI_EXTENSION_LIST = ['id', 'name', 'extension', 'username', 'tm_create'];
const CLI_EXTENSION_DETAIL = ['id', 'customer_id', 'name', 'detail', 'extension', 'username', 'domain_name', 'tm_create', 'tm_update'];
const CLI_ACCESSKEY_LIST = ['id', 'name', 'customer_id', 'tm_expire', 'tm_create'];
const CLI_ACCESSKEY_DETAIL = ['id', 'name', 'customer_id', 'detail', 'tm_expire', 'tm_create', 'tm_update'];

/** Every column the client reads is there and a string; the ones that must not be empty are not. */
function expectColumns(item: Record<string, unknown>, columns: string[], nonEmpty: string[] = ['id']) {
  for (const column of columns) expect(typeof item[column], `${column} in ${JSON.stringify(item)}`).toBe('string');
  for (const column of nonEmpty) expect(item[column], column).not.toBe('');
}

const ok = (response: ApiResponse) => {
  expect(response.status, response.text).toBe(200);
  return response.body;
};

describe("VoIPbin's CLI (vn), replayed", () => {
  it('login checks the key with GET /me; then extensions create, list (paged), get, update, delete', async () => {
    const { token, customerId, accessKeyId } = await newCustomer('acme corp');
    const vn = client(token);

    // vn login / vn me: GET /v1.0/me?accesskey=...
    const me = ok(await vn.get('/me'));
    expect(me).toMatchObject({ id: customerId, name: 'acme corp', tm_update: '', tm_delete: '' });
    expect(me.tm_create).toMatch(TIMESTAMP);
    expect(me.accesskey).toMatchObject({ id: accessKeyId, token_prefix: token.slice(0, 6), tm_expire: '' });
    expect(me.permissions).toEqual(expect.arrayContaining(['extensions:write', 'accesskeys:write', 'customer:read']));

    // vn extensions create --name --detail --extension --password: no domain_id.
    const created = ok(
      await vn.post('/extensions', { name: 'front desk', detail: 'lobby phone', extension: '2001', password: PASSWORD }),
    );
    expectColumns(created, CLI_EXTENSION_DETAIL, ['id', 'customer_id', 'extension', 'username', 'domain_name', 'tm_create']);
    expect(created).toMatchObject({
      customer_id: customerId,
      name: 'front desk',
      detail: 'lobby phone',
      extension: '2001',
      username: '2001',
      domain_name: `${customerId}.sip.test`,
      password: PASSWORD,
    });
    // The device registers with username@domain_name and the password: the registrar's lookup has it.
    const credential = await findSipCredential(created.domain_name, created.username);
    expect(credential).toMatchObject({ customer_id: customerId, extension_id: created.id, domain_id: created.domain_id });

    // A few more, then vn extensions list --page-size 2, following next_page_token.
    for (const extension of ['2002', '2003']) ok(await vn.post('/extensions', { name: '', detail: '', extension, password: PASSWORD }));
    const seen: string[] = [];
    let pageToken = '';
    for (let page = 0; page < 5; page++) {
      const params = new URLSearchParams({ page_size: '2', ...(pageToken ? { page_token: pageToken } : {}) });
      const listed = ok(await vn.get(`/extensions?${params}`));
      for (const item of listed.result) {
        expectColumns(item, CLI_EXTENSION_LIST, ['id', 'extension', 'username', 'tm_create']);
        seen.push(item.extension);
      }
      pageToken = listed.next_page_token;
      if (!pageToken) break;
    }
    expect(seen).toEqual(['2003', '2002', '2001']);

    // vn extensions get <id>
    expect(ok(await vn.get(`/extensions/${created.id}`))).toEqual(created);

    // vn extensions update <id> --name reception: detail and password flags unset, sent as "".
    const updated = ok(await vn.put(`/extensions/${created.id}`, { name: 'reception', detail: '', password: '' }));
    expectColumns(updated, CLI_EXTENSION_DETAIL, ['id', 'extension', 'username', 'domain_name', 'tm_update']);
    expect(updated).toMatchObject({ name: 'reception', detail: '', password: PASSWORD, username: '2001' });
    expect((await findSipCredential(created.domain_name, '2001'))?.ha1).toBe(credential?.ha1);

    // vn extensions update <id> --password <new>: name and detail sent as "" (VoIPbin blanks them too).
    const newPassword = 'An0therStr0ngPassw0rd';
    const repassworded = ok(await vn.put(`/extensions/${created.id}`, { name: '', detail: '', password: newPassword }));
    expect(repassworded).toMatchObject({ name: '', password: newPassword });
    expect((await findSipCredential(created.domain_name, '2001'))?.ha1).not.toBe(credential?.ha1);

    // vn extensions delete <id>
    const deleted = ok(await vn.delete(`/extensions/${created.id}`));
    expect(deleted.tm_delete).toMatch(TIMESTAMP);
    expect(await findSipCredential(created.domain_name, '2001')).toBeUndefined();
  });

  it('access keys: create, list, get, update (rename), delete; the secret is shown once, its prefix always', async () => {
    const { token } = await newCustomer();
    const vn = client(token);

    // vn accesskeys create --name ci --expire 86400 (the generated client omits unset fields).
    const created = ok(await vn.post('/accesskeys', { name: 'ci', expire: 86400 }));
    expectColumns(created, [...CLI_ACCESSKEY_DETAIL, 'token', 'token_prefix'], ['id', 'customer_id', 'token', 'tm_expire']);
    expect(created.token_prefix).toBe(created.token.slice(0, 6));

    // vn accesskeys list (--page-size 10)
    const listed = ok(await vn.get('/accesskeys?page_size=10'));
    const listedKey = listed.result.find((k: { id: string }) => k.id === created.id);
    expectColumns(listedKey, [...CLI_ACCESSKEY_LIST, 'token_prefix'], ['id', 'customer_id', 'tm_expire', 'token_prefix']);
    expect(listedKey.token_prefix).toBe(created.token_prefix);
    // Every key of the customer can be told apart by its prefix.
    const prefixes = listed.result.map((k: { token_prefix: string }) => k.token_prefix);
    expect(new Set(prefixes).size).toBe(prefixes.length);

    // vn accesskeys update <id> --detail "...": the generated client sends only what is set.
    const renamed = ok(await vn.put(`/accesskeys/${created.id}`, { detail: 'deploys from CI' }));
    expectColumns(renamed, CLI_ACCESSKEY_DETAIL, ['id', 'tm_update']);
    expect(renamed).toMatchObject({ id: created.id, name: 'ci', detail: 'deploys from CI', tm_expire: created.tm_expire });
    expect(renamed).not.toHaveProperty('token');
    const both = ok(await vn.put(`/accesskeys/${created.id}`, { name: 'ci-2', detail: '' }));
    expect(both).toMatchObject({ name: 'ci-2', detail: '', token_prefix: created.token_prefix });

    // The renamed key still works, and GET shows the new name (never the secret).
    const fetched = ok(await client(created.token).get(`/accesskeys/${created.id}`));
    expect(fetched).toEqual(both);
    expect(JSON.stringify(fetched)).not.toContain(created.token);

    // vn accesskeys delete <id>
    ok(await vn.delete(`/accesskeys/${created.id}`));
    expectEnvelope(await client(created.token).get('/me'), 401, 'UNAUTHENTICATED');
  });
});

describe("VoIPbin's MCP server and SDK, replayed", () => {
  it('MCP list_extensions (page_size=10, no page_token) and get_extension', async () => {
    const { token } = await newCustomer();
    const mcp = client(token);
    const created = ok(await mcp.post('/extensions', { extension: 'mcp1', password: PASSWORD, name: 'agent', detail: '' }));
    const listed = ok(await mcp.get('/extensions?page_size=10'));
    expect(listed).toEqual({ result: [created], next_page_token: '' });
    expect(ok(await mcp.get(`/extensions/${created.id}`))).toEqual(created);
  });

  it('the SDK sends "" for every field it does not set, and authenticates by any of the three ways', async () => {
    const { token, customerId } = await newCustomer();
    for (const auth of ['query-token', 'query-accesskey', 'bearer'] as const) {
      expect(ok(await api.call('GET', '/v1.0/me', { token, auth })).id).toBe(customerId);
    }
    const created = ok(
      await api.call('POST', '/v1.0/extensions', {
        token,
        auth: 'bearer',
        body: { extension: 'sdk1', username: 'sdk1', password: '', name: '', detail: '' },
      }),
    );
    expect(created.password).toMatch(/^[A-Za-z0-9]{20,}$/); // "" = generated
    const renamed = ok(
      await api.call('PUT', `/v1.0/extensions/${created.id}`, {
        token,
        auth: 'bearer',
        body: { name: 'renamed', detail: '', password: '' },
      }),
    );
    expect(renamed).toMatchObject({ name: 'renamed', password: created.password });
    // A non-empty password still meets the policy.
    const weak = await api.call('PUT', `/v1.0/extensions/${created.id}`, { token, body: { name: '', detail: '', password: 'short1' } });
    expectEnvelope(weak, 400, 'INVALID_ARGUMENT', 'INVALID_PASSWORD');
    expect(ok(await api.call('GET', `/v1.0/extensions/${created.id}`, { token }))).toEqual(renamed);
  });
});

describe('the default domain', () => {
  it('is created once under concurrent first creates, named after the customer, and listed like any domain', async () => {
    const { token, customerId } = await newCustomer();
    const responses = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        api.call('POST', '/v1.0/extensions', { token, body: { extension: `${3000 + i}`, password: PASSWORD } }),
      ),
    );
    const created = responses.map(ok);
    const domainIds = new Set(created.map((e: { domain_id: string }) => e.domain_id));
    expect(domainIds.size).toBe(1);
    const [domainId] = [...domainIds] as [string];

    const domains = ok(await api.call('GET', '/v1.0/domains', { token }));
    expect(domains.result).toHaveLength(1);
    expect(domains.result[0]).toMatchObject({
      id: domainId,
      customer_id: customerId,
      domain_name: customerId,
      realm: `${customerId}.sip.test`,
      name: 'default',
    });
    for (const extension of created) expect(extension.domain_name).toBe(`${customerId}.sip.test`);
    const inDomain = ok(await api.call('GET', `/v1.0/extensions?domain_id=${domainId}`, { token }));
    expect(inDomain.result).toHaveLength(12);

    // Manageable like any other: renamed (still the default), refused delete while it has extensions.
    ok(await api.call('PUT', `/v1.0/domains/${domainId}`, { token, body: { name: 'main office' } }));
    const after = ok(await api.call('POST', '/v1.0/extensions', { token, body: { extension: '3100' } }));
    expect(after.domain_id).toBe(domainId);
    expectEnvelope(await api.call('DELETE', `/v1.0/domains/${domainId}`, { token }), 409, 'FAILED_PRECONDITION');
  });

  it('stays the default when other domains exist (never guessed from "the only one"), and comes back after a delete', async () => {
    const { token, customerId } = await newCustomer();
    const other = ok(await api.call('POST', '/v1.0/domains', { token, body: { domain_name: `other-${randomBytes(4).toString('hex')}` } }));
    // The customer's only domain is "other", yet an extension without domain_id goes to the default domain.
    const first = ok(await api.call('POST', '/v1.0/extensions', { token, body: { extension: '100' } }));
    expect(first.domain_id).not.toBe(other.id);
    expect(first.domain_name).toBe(`${customerId}.sip.test`);
    // The same number in the other domain is another extension: realms differ.
    const inOther = ok(await api.call('POST', '/v1.0/extensions', { token, body: { extension: '100', domain_id: other.id } }));
    expect(inOther.domain_name).toBe(other.realm);
    // Taken in the default domain: 409, as anywhere.
    expectEnvelope(await api.call('POST', '/v1.0/extensions', { token, body: { extension: '100' } }), 409, 'ALREADY_EXISTS');

    // Emptied and deleted, the default domain is made again (same name, new id) on the next create.
    ok(await api.call('DELETE', `/v1.0/extensions/${first.id}`, { token }));
    ok(await api.call('DELETE', `/v1.0/domains/${first.domain_id}`, { token }));
    const again = ok(await api.call('POST', '/v1.0/extensions', { token, body: { extension: '100' } }));
    expect(again.domain_id).not.toBe(first.domain_id);
    expect(again.domain_name).toBe(first.domain_name);
  });

  it("its name is reserved: no one can create a domain named like a customer id (their own or another's)", async () => {
    const alice = await newCustomer();
    const bob = await newCustomer();
    for (const [token, name] of [
      [alice.token, alice.customerId],
      [alice.token, bob.customerId],
    ] as const) {
      const refused = await api.call('POST', '/v1.0/domains', { token, body: { domain_name: name } });
      expect(expectEnvelope(refused, 400, 'INVALID_ARGUMENT', 'INVALID_BODY').message).toContain('reserved');
    }
    // Bob's default domain is still his to create.
    const bobs = ok(await api.call('POST', '/v1.0/extensions', { token: bob.token, body: { extension: '1' } }));
    expect(bobs.domain_name).toBe(`${bob.customerId}.sip.test`);
  });

  it('a customer id that is not a reserved name (an operator chose "acme-…") maps to a reserved c-<hash> name', async () => {
    const customerId = `acme-${randomBytes(4).toString('hex')}`;
    const { accessKey } = await createCustomer('operator-named', { customerId });
    const name = defaultDomainName(customerId);
    expect(name).toMatch(/^c-[0-9a-f]{32}$/);
    // Nobody can take it first: names of that form are reserved too.
    const other = await newCustomer();
    const squat = await api.call('POST', '/v1.0/domains', { token: other.token, body: { domain_name: name } });
    expect(expectEnvelope(squat, 400, 'INVALID_ARGUMENT', 'INVALID_BODY').message).toContain('reserved');
    const created = ok(await api.call('POST', '/v1.0/extensions', { token: accessKey.token, body: { extension: '10' } }));
    expect(created.domain_name).toBe(`${name}.sip.test`);
    // The customer's own ids stay unchanged everywhere else.
    expect(created.customer_id).toBe(customerId);
  });

  it('domain_id: unknown or another customer\'s is 404, empty or malformed is 400; nothing is created', async () => {
    const alice = await newCustomer();
    const bob = await newCustomer();
    const bobs = ok(await api.call('POST', '/v1.0/domains', { token: bob.token, body: { domain_name: `bob-${randomBytes(4).toString('hex')}` } }));
    for (const domainId of [bobs.id, '01890000-0000-7000-8000-000000000000']) {
      const response = await api.call('POST', '/v1.0/extensions', { token: alice.token, body: { extension: '7', domain_id: domainId } });
      expectEnvelope(response, 404, 'NOT_FOUND', 'DOMAIN_NOT_FOUND');
    }
    for (const domainId of ['', 'cc6a05eb', ' ', 7]) {
      const response = await api.call('POST', '/v1.0/extensions', { token: alice.token, body: { extension: '7', domain_id: domainId } });
      expect(expectEnvelope(response, 400, 'INVALID_ARGUMENT', 'INVALID_BODY').message).toContain('domain_id');
    }
    // Nothing was made: no default domain for Alice, nothing in Bob's domain.
    expect(ok(await api.call('GET', '/v1.0/domains', { token: alice.token })).result).toEqual([]);
    expect(ok(await api.call('GET', '/v1.0/extensions', { token: alice.token })).result).toEqual([]);
    expect(ok(await api.call('GET', '/v1.0/extensions', { token: bob.token })).result).toEqual([]);
  });
});

describe('GET /v1.0/me', () => {
  it("shows the caller's own customer only, and the key used", async () => {
    const alice = await newCustomer('alice inc');
    const bob = await newCustomer('bob ltd');
    const second = ok(await api.call('POST', '/v1.0/accesskeys', { token: alice.token, body: { name: 'second', expire: 3600 } }));
    const viaSecond = ok(await api.call('GET', '/v1.0/me', { token: second.token }));
    expect(viaSecond).toMatchObject({ id: alice.customerId, name: 'alice inc' });
    expect(viaSecond.accesskey).toMatchObject({ id: second.id, name: 'second', token_prefix: second.token_prefix });
    expect(viaSecond.accesskey.tm_expire).toMatch(TIMESTAMP);
    const bobs = ok(await api.call('GET', '/v1.0/me', { token: bob.token }));
    expect(bobs).toMatchObject({ id: bob.customerId, name: 'bob ltd' });
    expect(JSON.stringify(bobs)).not.toContain(alice.customerId);
  });

  it('answers 401 in the envelope without a key, with an unknown key, with two different keys', async () => {
    const { token } = await newCustomer();
    expectEnvelope(await api.call('GET', '/v1.0/me'), 401, 'UNAUTHENTICATED', 'MISSING_ACCESS_KEY');
    expectEnvelope(await api.call('GET', '/v1.0/me', { token: 'not-a-key' }), 401, 'UNAUTHENTICATED', 'INVALID_ACCESS_KEY');
    expectEnvelope(
      await api.call('GET', `/v1.0/me?accesskey=other`, { token, auth: 'bearer' }),
      401,
      'UNAUTHENTICATED',
      'AMBIGUOUS_ACCESS_KEY',
    );
  });
});

describe('token_prefix', () => {
  it('is at most 6 characters and at most a quarter of the key', () => {
    expect(tokenPrefixOf('k')).toBe('');
    expect(tokenPrefixOf('abcdefghijklmnop')).toBe('abcd');
    const generated = randomBytes(32).toString('base64url');
    expect(tokenPrefixOf(generated)).toBe(generated.slice(0, 6));
  });

  it('a key chosen by the operator (LOCAL_ACCESS_KEY=k) shows no prefix', async () => {
    const { customerId } = await newCustomer();
    const secret = `k${randomBytes(1).toString('hex')}`;
    const key = await addAccessKeyWithSecret(customerId, 'short', secret);
    expect(key.token_prefix).toBe('');
    const me = ok(await api.call('GET', '/v1.0/me', { token: secret }));
    expect(me.accesskey).toMatchObject({ id: key.id, token_prefix: '' });
  });
});

describe('PUT /v1.0/accesskeys/{id}: bad input', () => {
  it('404 for an unknown, malformed or another customer\'s key; 400 naming unknown or fixed fields; nothing changes', async () => {
    const alice = await newCustomer();
    const bob = await newCustomer();
    for (const id of [bob.accessKeyId, '01890000-0000-7000-8000-000000000000']) {
      expectEnvelope(await api.call('PUT', `/v1.0/accesskeys/${id}`, { token: alice.token, body: { name: 'x' } }), 404, 'NOT_FOUND', 'ACCESSKEY_NOT_FOUND');
    }
    expectEnvelope(await api.call('PUT', '/v1.0/accesskeys/nope', { token: alice.token, body: { name: 'x' } }), 404, 'NOT_FOUND');
    const cases: [Record<string, unknown>, string][] = [
      [{ nmae: 'x' }, 'unknown field nmae'],
      [{ name: 'x', expire: 60 }, 'expire cannot be changed'],
      [{ token: 'mine' }, 'token cannot be changed'],
      [{ name: 42 }, 'name'],
    ];
    for (const [body, message] of cases) {
      const refused = await api.call('PUT', `/v1.0/accesskeys/${alice.accessKeyId}`, { token: alice.token, body });
      expect(expectEnvelope(refused, 400, 'INVALID_ARGUMENT', 'INVALID_BODY').message).toContain(message);
    }
    const key = ok(await api.call('GET', `/v1.0/accesskeys/${alice.accessKeyId}`, { token: alice.token }));
    expect(key).toMatchObject({ name: 'first key', tm_update: '' });
    // Bob's key kept its name.
    expect(ok(await api.call('GET', `/v1.0/accesskeys/${bob.accessKeyId}`, { token: bob.token })).name).toBe('first key');
  });
});

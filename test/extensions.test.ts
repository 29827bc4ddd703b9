import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { findExtensionByDirectHash, findSipCredential } from '../shared/store/extensions.js';
import { expectEnvelope, newCustomer, useApi } from './support/api.js';

const api = useApi();

const TIMESTAMP = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$/;
/**
 * The seed's newest example (direct-hash-regenerate; its older examples' user_id became
 * customer_id) plus username and domain_name, which VoIPbin's current clients read.
 */
const EXTENSION_FIELDS = [
  'id',
  'customer_id',
  'name',
  'detail',
  'domain_id',
  'extension',
  'username',
  'domain_name',
  'password',
  'direct_hash',
  'tm_create',
  'tm_update',
  'tm_delete',
].sort();
const md5 = (text: string) => createHash('md5').update(text).digest('hex');
const PASSWORD = 'Str0ngEnoughPassw0rd';

async function newDomain(token: string) {
  const domainName = `ext-${randomBytes(5).toString('hex')}`;
  const response = await api.call('POST', '/v1.0/domains', { token, body: { domain_name: domainName } });
  expect(response.status).toBe(200);
  return response.body as { id: string; realm: string; domain_name: string };
}

async function createExtension(token: string, body: Record<string, unknown>) {
  const response = await api.call('POST', '/v1.0/extensions', { token, body });
  expect(response.status, response.text).toBe(200);
  return response.body;
}

describe('the seed, replayed as written', () => {
  it('list, create, get, update, regenerate and delete answer with the seed’s shapes', async () => {
    const { token, customerId } = await newCustomer();
    const domain = await newDomain(token);
    const q = `token=${encodeURIComponent(token)}`;

    // Create a extension (body byte for byte as in the seed, domain id substituted).
    const createBody = `{
    "name": "test domain",
    "detail": "test domain creation",
    "domain_id": "${domain.id}",

    "extension": "test12",
    "password": "27a4d0f2-757c-11eb-bc8f-4f045857b89c"
}`;
    const created = await api.call('POST', `/v1.0/extensions?${q}`, {
      rawBody: createBody,
      headers: { 'Content-Type': 'application/json' },
    });
    expect(created.status, created.text).toBe(200);
    expect(Object.keys(created.body).sort()).toEqual(EXTENSION_FIELDS);
    expect(created.body).toMatchObject({
      customer_id: customerId,
      name: 'test domain',
      detail: 'test domain creation',
      domain_id: domain.id,
      extension: 'test12',
      password: '27a4d0f2-757c-11eb-bc8f-4f045857b89c',
      tm_update: '',
      tm_delete: '',
    });
    expect(created.body.tm_create).toMatch(TIMESTAMP);
    expect(created.body.direct_hash).toMatch(/^[0-9a-f]{12}$/);
    const id = created.body.id as string;

    // Get list of extensions.
    const listed = await api.call('GET', `/v1.0/extensions?${q}&domain_id=${domain.id}`);
    expect(listed.status).toBe(200);
    expect(Object.keys(listed.body).sort()).toEqual(['next_page_token', 'result']);
    expect(listed.body.result).toEqual([created.body]);
    expect(listed.body.next_page_token).toBe('');

    // Get detail of specified extension.
    const fetched = await api.call('GET', `/v1.0/extensions/${id}?${q}`);
    expect(fetched.status).toBe(200);
    expect(fetched.body).toEqual(created.body);

    // Update the extension.
    const updateBody = `{
    "name": "update test extension name",
    "detail": "update test extension detail",
    "password": "5316382a-757c-11eb-9348-bb32547e99c4"
}`;
    const updated = await api.call('PUT', `/v1.0/extensions/${id}?${q}`, {
      rawBody: updateBody,
      headers: { 'Content-Type': 'application/json' },
    });
    expect(updated.status, updated.text).toBe(200);
    expect(Object.keys(updated.body).sort()).toEqual(EXTENSION_FIELDS);
    expect(updated.body).toMatchObject({
      id,
      name: 'update test extension name',
      detail: 'update test extension detail',
      domain_id: domain.id,
      extension: 'test12',
      password: '5316382a-757c-11eb-9348-bb32547e99c4',
      tm_create: created.body.tm_create,
      tm_delete: '',
    });
    expect(updated.body.tm_update).toMatch(TIMESTAMP);

    // Regenerate direct extension hash (no body).
    const regenerated = await api.call('POST', `/v1.0/extensions/${id}/direct-hash-regenerate?${q}`);
    expect(regenerated.status, regenerated.text).toBe(200);
    expect(Object.keys(regenerated.body).sort()).toEqual(EXTENSION_FIELDS);
    expect(regenerated.body.direct_hash).toMatch(/^[0-9a-f]{12}$/);
    expect(regenerated.body.direct_hash).not.toBe(created.body.direct_hash);
    expect(regenerated.body).toMatchObject({ id, name: 'update test extension name', password: updated.body.password });

    // Delete the extension.
    const deleted = await api.call('DELETE', `/v1.0/extensions/${id}?${q}`);
    expect(deleted.status).toBe(200);
    expect(Object.keys(deleted.body).sort()).toEqual(EXTENSION_FIELDS);
    expect(deleted.body.tm_delete).toMatch(TIMESTAMP);
    expect(deleted.body.direct_hash).toBe(regenerated.body.direct_hash);
  });
});

describe('creating extensions', () => {
  it('generates a strong password when none is given; username must equal extension; unknown fields are 400', async () => {
    const { token } = await newCustomer();
    const domain = await newDomain(token);
    const created = await createExtension(token, { domain_id: domain.id, extension: '1001', username: '1001' });
    expect(created).toMatchObject({ name: '', detail: '', extension: '1001', username: '1001', domain_name: domain.realm });
    expect(created.password).toMatch(/^[A-Za-z0-9]{20,}$/);
    expect(created.password).toMatch(/[0-9]/);
    expect(created.password).toMatch(/[A-Za-z]/);
    expect(created.password).not.toContain('1001');
    const other = await createExtension(token, { domain_id: domain.id, extension: '1002' });
    expect(other.password).not.toBe(created.password);
    expect(other.direct_hash).not.toBe(created.direct_hash);
    // "" (what an SDK sends for a field it does not set) also means "generate one".
    const blank = await createExtension(token, { domain_id: domain.id, extension: '1003', password: '', username: '' });
    expect(blank.password).toMatch(/^[A-Za-z0-9]{20,}$/);

    const post = (body: Record<string, unknown>) => api.call('POST', '/v1.0/extensions', { token, body });
    const mismatch = expectEnvelope(await post({ domain_id: domain.id, extension: '1004', username: '1005' }), 400, 'INVALID_ARGUMENT');
    expect(mismatch.message).toContain('username must equal extension');
    const typo = expectEnvelope(await post({ domain_id: domain.id, extension: '1004', nmae: 'x' }), 400, 'INVALID_ARGUMENT', 'INVALID_BODY');
    expect(typo.message).toContain('unknown field nmae');
    // Neither refused request created anything.
    const listed = await api.call('GET', `/v1.0/extensions?domain_id=${domain.id}`, { token });
    expect(listed.body.result.map((e: { extension: string }) => e.extension).sort()).toEqual(['1001', '1002', '1003']);
  });

  it('validates extension and password with messages that say why', async () => {
    const { token } = await newCustomer();
    const domain = await newDomain(token);
    const post = (body: Record<string, unknown>) => api.call('POST', '/v1.0/extensions', { token, body });

    for (const extension of ['', 'a'.repeat(33), 'a b', 'a@b', 'ä1', 'x:y']) {
      const error = expectEnvelope(await post({ domain_id: domain.id, extension, password: PASSWORD }), 400, 'INVALID_ARGUMENT', 'INVALID_BODY');
      expect(error.message, extension).toContain('extension');
    }
    expect(expectEnvelope(await post({ domain_id: domain.id }), 400, 'INVALID_ARGUMENT').message).toContain('extension');
    for (const domainId of ['', 'nope', 42, null]) {
      expect(expectEnvelope(await post({ domain_id: domainId, extension: '1' }), 400, 'INVALID_ARGUMENT').message).toContain('domain_id');
    }
    expect(expectEnvelope(await post({ domain_id: domain.id, extension: 1001 }), 400, 'INVALID_ARGUMENT').message).toContain(
      'extension',
    );

    const passwordCases: [string, string][] = [
      ['short1A', 'at least 12'],
      ['onlyletterspassword', 'letters and digits'],
      ['123456789012345', 'letters and digits'],
      ['abcdefgh1234 space', 'printable ASCII'],
      ['xAlice.42yyyyyyy', 'not contain the extension'],
    ];
    for (const [password, why] of passwordCases) {
      const error = expectEnvelope(
        await post({ domain_id: domain.id, extension: 'alice.42', password }),
        400,
        'INVALID_ARGUMENT',
        'INVALID_PASSWORD',
      );
      expect(error.message, password).toContain(why);
      expect(error.message).not.toContain(password);
    }
    // Nothing was created by the refused requests.
    const listed = await api.call('GET', `/v1.0/extensions?domain_id=${domain.id}`, { token });
    expect(listed.body.result).toEqual([]);
    // Edge cases that are valid.
    await createExtension(token, { domain_id: domain.id, extension: 'a'.repeat(32), password: PASSWORD });
    await createExtension(token, { domain_id: domain.id, extension: 'A.b-c_9', password: 'twelve12char' });
  });

  it('answers 404 for an unknown or foreign domain_id (400 for a malformed one, above)', async () => {
    const alice = await newCustomer();
    const bob = await newCustomer();
    const bobsDomain = await newDomain(bob.token);
    for (const domainId of [bobsDomain.id, '01890000-0000-7000-8000-000000000000']) {
      expectEnvelope(
        await api.call('POST', '/v1.0/extensions', { token: alice.token, body: { domain_id: domainId, extension: '100' } }),
        404,
        'NOT_FOUND',
        'DOMAIN_NOT_FOUND',
      );
    }
    // Nothing landed in Bob's domain: the number is still free there and his list is empty.
    expect((await api.call('GET', `/v1.0/extensions?domain_id=${bobsDomain.id}`, { token: bob.token })).body.result).toEqual([]);
    await createExtension(bob.token, { domain_id: bobsDomain.id, extension: '100' });
  });

  it('refuses a number that exists in the domain (409) but allows it in another domain', async () => {
    const { token } = await newCustomer();
    const first = await newDomain(token);
    const second = await newDomain(token);
    await createExtension(token, { domain_id: first.id, extension: '200' });
    const again = await api.call('POST', '/v1.0/extensions', { token, body: { domain_id: first.id, extension: '200' } });
    expect(expectEnvelope(again, 409, 'ALREADY_EXISTS', 'EXTENSION_ALREADY_EXISTS').message).toContain('200');
    await createExtension(token, { domain_id: second.id, extension: '200' });
  });

  it('of 20 concurrent creates of one number exactly one wins, the others get 409', async () => {
    const { token } = await newCustomer();
    const domain = await newDomain(token);
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        api.call('POST', '/v1.0/extensions', { token, body: { domain_id: domain.id, extension: '300', name: `racer ${i}` } }),
      ),
    );
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(19);
    for (const r of responses.filter((r) => r.status === 409)) expectEnvelope(r, 409, 'ALREADY_EXISTS', 'EXTENSION_ALREADY_EXISTS');
    const winner = responses.find((r) => r.status === 200)!.body;

    const listed = await api.call('GET', `/v1.0/extensions?domain_id=${domain.id}`, { token });
    expect(listed.body.result.map((e: { id: string }) => e.id)).toEqual([winner.id]);
    const credential = await findSipCredential(domain.realm, '300');
    expect(credential?.extension_id).toBe(winner.id);
    expect(credential?.ha1).toBe(md5(`300:${domain.realm}:${winner.password}`));

    // The losers left no count behind: after deleting the winner the domain can go.
    expect((await api.call('DELETE', `/v1.0/extensions/${winner.id}`, { token })).status).toBe(200);
    expect((await api.call('DELETE', `/v1.0/domains/${domain.id}`, { token })).status).toBe(200);
  });
});

describe('reading and listing', () => {
  it('lists all of the caller’s extensions or one domain’s, newest first', async () => {
    const alice = await newCustomer();
    const bob = await newCustomer();
    const d1 = await newDomain(alice.token);
    const d2 = await newDomain(alice.token);
    const a = await createExtension(alice.token, { domain_id: d1.id, extension: '1' });
    const b = await createExtension(alice.token, { domain_id: d2.id, extension: '1' });
    const c = await createExtension(alice.token, { domain_id: d1.id, extension: '2' });
    const bobsDomain = await newDomain(bob.token);
    await createExtension(bob.token, { domain_id: bobsDomain.id, extension: '1' });

    const ids = async (query: string, token = alice.token) => {
      const response = await api.call('GET', `/v1.0/extensions${query}`, { token });
      expect(response.status, response.text).toBe(200);
      expect(response.body.next_page_token).toBe('');
      return response.body.result.map((e: { id: string }) => e.id);
    };
    expect(await ids('')).toEqual([c.id, b.id, a.id]);
    expect(await ids('?domain_id=')).toEqual([c.id, b.id, a.id]);
    expect(await ids(`?domain_id=${d1.id}`)).toEqual([c.id, a.id]);
    expect(await ids(`?domain_id=${d2.id}`)).toEqual([b.id]);
    // Unknown, malformed and another customer's domain ids: an empty list, never a hint.
    expect(await ids(`?domain_id=${bobsDomain.id}`)).toEqual([]);
    expect(await ids('?domain_id=01890000-0000-7000-8000-000000000000')).toEqual([]);
    expect(await ids('?domain_id=garbage')).toEqual([]);

    const full = await api.call('GET', `/v1.0/extensions/${a.id}`, { token: alice.token });
    expect(full.body).toEqual(a);
  });

  it('validates page_size', async () => {
    const { token } = await newCustomer();
    const response = await api.call('GET', '/v1.0/extensions?page_size=ten', { token });
    expect(expectEnvelope(response, 400, 'INVALID_ARGUMENT', 'INVALID_QUERY_PARAMETER').message).toContain('page_size');
  });
});

describe('updating', () => {
  it('changes only the given fields; name/detail updates keep the password', async () => {
    const { token } = await newCustomer();
    const domain = await newDomain(token);
    const created = await createExtension(token, {
      domain_id: domain.id,
      extension: '400',
      name: 'front desk',
      detail: 'lobby',
      password: PASSWORD,
    });
    const renamed = await api.call('PUT', `/v1.0/extensions/${created.id}`, { token, body: { name: 'reception' } });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ name: 'reception', detail: 'lobby', password: PASSWORD, extension: '400' });
    expect(renamed.body.tm_update).toMatch(TIMESTAMP);
    expect(renamed.body.tm_create).toBe(created.tm_create);
    expect(renamed.body.direct_hash).toBe(created.direct_hash);

    const emptied = await api.call('PUT', `/v1.0/extensions/${created.id}`, { token, body: { detail: '' } });
    expect(emptied.body).toMatchObject({ name: 'reception', detail: '', password: PASSWORD });

    // extension/domain_id cannot change: naming them is a 400 that says so, and changes nothing.
    const refused = await api.call('PUT', `/v1.0/extensions/${created.id}`, {
      token,
      body: { name: 'not applied', extension: '999', domain_id: 'x' },
    });
    const message = expectEnvelope(refused, 400, 'INVALID_ARGUMENT', 'INVALID_BODY').message;
    expect(message).toContain('extension cannot be changed');
    expect(message).toContain('domain_id cannot be changed');
    // A body without fields, or with "" as the password, changes nothing but tm_update.
    const nothing = await api.call('PUT', `/v1.0/extensions/${created.id}`, { token, body: { password: '' } });
    expect(nothing.status).toBe(200);
    expect(nothing.body).toMatchObject({ name: 'reception', detail: '', password: PASSWORD, extension: '400', domain_id: domain.id });
    expect((await api.call('GET', `/v1.0/extensions/${created.id}`, { token })).body).toEqual(nothing.body);
    // The password (and with it the credential) was never touched.
    expect((await findSipCredential(domain.realm, '400'))?.ha1).toBe(md5(`400:${domain.realm}:${PASSWORD}`));
  });

  it('a new password replaces the HA1s at once; a refused one changes nothing', async () => {
    const { token, customerId } = await newCustomer();
    const domain = await newDomain(token);
    const created = await createExtension(token, { domain_id: domain.id, extension: 'alice', password: PASSWORD });

    const before = await findSipCredential(domain.realm, 'alice');
    expect(before).toEqual({
      customer_id: customerId,
      extension_id: created.id,
      domain_id: domain.id,
      username: 'alice',
      realm: domain.realm,
      ha1: md5(`alice:${domain.realm}:${PASSWORD}`),
      ha1b: md5(`alice@${domain.realm}:${domain.realm}:${PASSWORD}`),
    });
    // The realm is matched case-insensitively, the username exactly.
    expect(await findSipCredential(domain.realm.toUpperCase(), 'alice')).toEqual(before);
    expect(await findSipCredential(domain.realm, 'Alice')).toBeUndefined();

    for (const password of ['short9', 'xxALICE123456789']) {
      const refused = await api.call('PUT', `/v1.0/extensions/${created.id}`, { token, body: { name: 'changed', password } });
      expectEnvelope(refused, 400, 'INVALID_ARGUMENT', 'INVALID_PASSWORD');
    }
    expect((await api.call('GET', `/v1.0/extensions/${created.id}`, { token })).body).toEqual(created);
    expect(await findSipCredential(domain.realm, 'alice')).toEqual(before);

    const newPassword = 'An0therGoodPassword';
    const changed = await api.call('PUT', `/v1.0/extensions/${created.id}`, { token, body: { password: newPassword } });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ password: newPassword, name: created.name, detail: created.detail });
    const after = await findSipCredential(domain.realm, 'alice');
    expect(after?.ha1).toBe(md5(`alice:${domain.realm}:${newPassword}`));
    expect(after?.ha1b).toBe(md5(`alice@${domain.realm}:${domain.realm}:${newPassword}`));
    expect(after?.ha1).not.toBe(before?.ha1);
    expect(after?.ha1b).not.toBe(before?.ha1b);
    expect((await api.call('GET', `/v1.0/extensions/${created.id}`, { token })).body.password).toBe(newPassword);
  });
});

describe('direct hash', () => {
  it('resolves the current hash only; regenerate kills the old one at once', async () => {
    const { token, customerId } = await newCustomer();
    const domain = await newDomain(token);
    const created = await createExtension(token, { domain_id: domain.id, extension: '500' });
    const target = {
      customer_id: customerId,
      extension_id: created.id,
      domain_id: domain.id,
      username: '500',
      realm: domain.realm,
    };
    expect(await findExtensionByDirectHash(created.direct_hash)).toEqual({ direct_hash: created.direct_hash, ...target });

    const first = await api.call('POST', `/v1.0/extensions/${created.id}/direct-hash-regenerate`, { token });
    expect(first.status).toBe(200);
    expect(first.body.direct_hash).toMatch(/^[0-9a-f]{12}$/);
    expect(first.body.direct_hash).not.toBe(created.direct_hash);
    expect(first.body.tm_update).toMatch(TIMESTAMP);
    expect(await findExtensionByDirectHash(created.direct_hash)).toBeUndefined();
    expect(await findExtensionByDirectHash(first.body.direct_hash)).toEqual({ direct_hash: first.body.direct_hash, ...target });
    expect((await api.call('GET', `/v1.0/extensions/${created.id}`, { token })).body.direct_hash).toBe(first.body.direct_hash);

    // A body is ignored, and regenerating again swaps again.
    const second = await api.call('POST', `/v1.0/extensions/${created.id}/direct-hash-regenerate`, {
      token,
      body: { direct_hash: 'aaaaaaaaaaaa' },
    });
    expect(second.status).toBe(200);
    expect(second.body.direct_hash).not.toBe('aaaaaaaaaaaa');
    expect(await findExtensionByDirectHash(first.body.direct_hash)).toBeUndefined();
    expect((await findExtensionByDirectHash(second.body.direct_hash))?.extension_id).toBe(created.id);

    expect(await findExtensionByDirectHash('not-a-hash')).toBeUndefined();
  });
});

describe('deleting', () => {
  it('returns the deleted extension, then 404; frees the number, credential and hash', async () => {
    const { token } = await newCustomer();
    const domain = await newDomain(token);
    const created = await createExtension(token, { domain_id: domain.id, extension: '600', password: PASSWORD });
    const deleted = await api.call('DELETE', `/v1.0/extensions/${created.id}`, { token });
    expect(deleted.status).toBe(200);
    expect(deleted.body).toEqual({ ...created, tm_delete: deleted.body.tm_delete });
    expect(deleted.body.tm_delete).toMatch(TIMESTAMP);

    for (const [method, path] of [
      ['GET', `/v1.0/extensions/${created.id}`],
      ['PUT', `/v1.0/extensions/${created.id}`],
      ['DELETE', `/v1.0/extensions/${created.id}`],
      ['POST', `/v1.0/extensions/${created.id}/direct-hash-regenerate`],
    ] as const) {
      expectEnvelope(
        await api.call(method, path, { token, ...(method === 'PUT' ? { body: { name: 'x' } } : {}) }),
        404,
        'NOT_FOUND',
        'EXTENSION_NOT_FOUND',
      );
    }
    expect(await findSipCredential(domain.realm, '600')).toBeUndefined();
    expect(await findExtensionByDirectHash(created.direct_hash)).toBeUndefined();
    expect((await api.call('GET', '/v1.0/extensions', { token })).body.result).toEqual([]);

    const reused = await createExtension(token, { domain_id: domain.id, extension: '600' });
    expect(reused.id).not.toBe(created.id);
    expect((await findSipCredential(domain.realm, '600'))?.extension_id).toBe(reused.id);
  });

  it('a password change on a deleted extension is a 404 and resurrects nothing', async () => {
    const { token } = await newCustomer();
    const domain = await newDomain(token);
    const created = await createExtension(token, { domain_id: domain.id, extension: '601' });
    await api.call('DELETE', `/v1.0/extensions/${created.id}`, { token });
    expectEnvelope(
      await api.call('PUT', `/v1.0/extensions/${created.id}`, { token, body: { password: PASSWORD } }),
      404,
      'NOT_FOUND',
    );
    expect(await findSipCredential(domain.realm, '601')).toBeUndefined();
  });
});

describe('tenant isolation', () => {
  it("every route answers 404 for another customer's ids and changes nothing", async () => {
    const alice = await newCustomer();
    const bob = await newCustomer();
    const bobsDomain = await newDomain(bob.token);
    const bobs = await createExtension(bob.token, { domain_id: bobsDomain.id, extension: '700', password: PASSWORD });
    const credential = await findSipCredential(bobsDomain.realm, '700');
    const unknown = '01890000-0000-7000-8000-000000000000';

    for (const id of [bobs.id, unknown, 'not-a-uuid', '..%2F..']) {
      const calls = [
        api.call('GET', `/v1.0/extensions/${id}`, { token: alice.token }),
        api.call('PUT', `/v1.0/extensions/${id}`, { token: alice.token, body: { name: 'hijacked' } }),
        api.call('PUT', `/v1.0/extensions/${id}`, { token: alice.token, body: { password: 'Hijacked12345' } }),
        api.call('POST', `/v1.0/extensions/${id}/direct-hash-regenerate`, { token: alice.token }),
        api.call('DELETE', `/v1.0/extensions/${id}`, { token: alice.token }),
      ];
      for (const response of await Promise.all(calls)) expectEnvelope(response, 404, 'NOT_FOUND');
    }
    expectEnvelope(
      await api.call('POST', '/v1.0/extensions', { token: alice.token, body: { domain_id: bobsDomain.id, extension: '701' } }),
      404,
      'NOT_FOUND',
      'DOMAIN_NOT_FOUND',
    );
    expect((await api.call('GET', `/v1.0/extensions?domain_id=${bobsDomain.id}`, { token: alice.token })).body.result).toEqual([]);
    expect((await api.call('GET', '/v1.0/extensions', { token: alice.token })).body.result).toEqual([]);

    // Bob's extension, credential and hash are exactly as before.
    expect((await api.call('GET', `/v1.0/extensions/${bobs.id}`, { token: bob.token })).body).toEqual(bobs);
    expect(await findSipCredential(bobsDomain.realm, '700')).toEqual(credential);
    expect((await findExtensionByDirectHash(bobs.direct_hash))?.extension_id).toBe(bobs.id);
    expect((await api.call('GET', `/v1.0/extensions?domain_id=${bobsDomain.id}`, { token: bob.token })).body.result).toEqual([bobs]);
  });
});

import { createHash } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { REGISTRAR_AUTH_REJECTED } from '../shared/http/registrarAuth.js';
import { logger } from '../shared/log.js';
import { queryBindings } from '../shared/store/bindings.js';
import { expectEnvelope, newCustomer, useApi } from './support/api.js';
import { binding, deliver, newExtension, nowSeconds, PASSWORD, ruid, SECRET_A, SECRET_B, useRegistrarSecrets } from './support/registrar.js';

useRegistrarSecrets(SECRET_A, SECRET_B);
const api = useApi();

const md5 = (text: string) => createHash('md5').update(text).digest('hex');
const lookup = (username: string, realm: string, secret?: string, headers: Record<string, string> = {}) =>
  api.call('GET', `/v1.0/registrar/credentials?username=${encodeURIComponent(username)}&realm=${encodeURIComponent(realm)}`, {
    headers: { ...(secret ? { authorization: `Bearer ${secret}` } : {}), ...headers },
  });

describe('GET /v1.0/registrar/credentials', () => {
  it('returns the HA1 values of the extension, and only them', async () => {
    const { token, customerId } = await newCustomer();
    const ext = await newExtension(api, token);
    const response = await lookup(ext.username, ext.realm, SECRET_A);
    expect(response.status, response.text).toBe(200);
    expect(response.body).toEqual({
      extension_id: ext.extensionId,
      customer_id: customerId,
      ha1: md5(`${ext.username}:${ext.realm}:${PASSWORD}`),
      ha1b: md5(`${ext.username}@${ext.realm}:${ext.realm}:${PASSWORD}`),
    });
    expect(response.text).not.toContain(PASSWORD);
  });

  it('finds the realm case-insensitively', async () => {
    const { token } = await newCustomer();
    const ext = await newExtension(api, token);
    expect((await lookup(ext.username, ext.realm.toUpperCase(), SECRET_A)).status).toBe(200);
  });

  it('answers 404 for an unknown user or realm', async () => {
    const { token } = await newCustomer();
    const ext = await newExtension(api, token);
    expectEnvelope(await lookup('nobody', ext.realm, SECRET_A), 404, 'NOT_FOUND', 'SIP_USER_NOT_FOUND');
    expectEnvelope(await lookup(ext.username, 'nowhere.sip.test', SECRET_A), 404, 'NOT_FOUND', 'SIP_USER_NOT_FOUND');
  });

  it('answers 400 without username or realm', async () => {
    expectEnvelope(await api.call('GET', '/v1.0/registrar/credentials?username=a', { headers: { authorization: `Bearer ${SECRET_A}` } }), 400, 'INVALID_ARGUMENT');
  });

  it('accepts every configured secret (rotation)', async () => {
    const { token } = await newCustomer();
    const ext = await newExtension(api, token);
    expect((await lookup(ext.username, ext.realm, SECRET_A)).status).toBe(200);
    expect((await lookup(ext.username, ext.realm, SECRET_B)).status).toBe(200);
  });

  it('refuses a missing, wrong or malformed registrar secret with 401 and logs only the reason', async () => {
    const { token } = await newCustomer();
    const ext = await newExtension(api, token);
    const warn = vi.spyOn(logger, 'warn');
    try {
      const attempts: [string, () => ReturnType<typeof lookup>][] = [
        ['missing', () => lookup(ext.username, ext.realm)],
        ['unknown_secret', () => lookup(ext.username, ext.realm, `${SECRET_A}x`)],
        ['malformed', () => lookup(ext.username, ext.realm, undefined, { authorization: `Basic ${SECRET_A}` })],
      ];
      for (const [reason, attempt] of attempts) {
        warn.mockClear();
        expectEnvelope(await attempt(), 401, 'UNAUTHENTICATED');
        // The same message as a refused signature: one metric filter counts both.
        expect(warn, reason).toHaveBeenCalledWith(REGISTRAR_AUTH_REJECTED, { mode: 'bearer', reason });
      }
      expect(JSON.stringify(warn.mock.calls)).not.toContain(SECRET_A);
    } finally {
      warn.mockRestore();
    }
  });

  it('refuses customer access keys, in any form', async () => {
    const { token } = await newCustomer();
    const ext = await newExtension(api, token);
    expectEnvelope(await lookup(ext.username, ext.realm, token), 401, 'UNAUTHENTICATED');
    const viaQuery = await api.call(
      'GET',
      `/v1.0/registrar/credentials?username=${ext.username}&realm=${ext.realm}`,
      { token },
    );
    expectEnvelope(viaQuery, 401, 'UNAUTHENTICATED');
  });

  it('stops answering once a secret is rotated out', async () => {
    const { token } = await newCustomer();
    const ext = await newExtension(api, token);
    try {
      useRegistrarSecrets(SECRET_B);
      expectEnvelope(await lookup(ext.username, ext.realm, SECRET_A), 401, 'UNAUTHENTICATED');
      expect((await lookup(ext.username, ext.realm, SECRET_B)).status).toBe(200);
    } finally {
      useRegistrarSecrets(SECRET_A, SECRET_B);
    }
  });

  it('refuses everything when no secret is configured', async () => {
    const { token } = await newCustomer();
    const ext = await newExtension(api, token);
    try {
      useRegistrarSecrets();
      expectEnvelope(await lookup(ext.username, ext.realm, ''), 401, 'UNAUTHENTICATED');
      expectEnvelope(await lookup(ext.username, ext.realm, SECRET_A), 401, 'UNAUTHENTICATED');
    } finally {
      useRegistrarSecrets(SECRET_A, SECRET_B);
    }
  });

  it('a password change makes the old HA1 fail at once', async () => {
    const { token } = await newCustomer();
    const ext = await newExtension(api, token);
    const before = await lookup(ext.username, ext.realm, SECRET_A);
    const newPassword = 'An0therGoodPassw0rd';
    const updated = await api.call('PUT', `/v1.0/extensions/${ext.extensionId}`, { token, body: { password: newPassword } });
    expect(updated.status, updated.text).toBe(200);
    const after = await lookup(ext.username, ext.realm, SECRET_A);
    expect(after.status).toBe(200);
    expect(after.body.ha1).toBe(md5(`${ext.username}:${ext.realm}:${newPassword}`));
    expect(after.body.ha1).not.toBe(before.body.ha1);
    expect(after.body.ha1b).toBe(md5(`${ext.username}@${ext.realm}:${ext.realm}:${newPassword}`));
  });

  it('deleting the extension makes the lookup and the webhook fail at once, and removes its bindings', async () => {
    const { token, customerId } = await newCustomer();
    const ext = await newExtension(api, token);
    const id = ruid();
    const registered = await deliver(api, {
      event: 'registered',
      aor: ext.aor,
      binding: binding({ registration_id: id, expires_at: nowSeconds() + 3600 }),
    });
    expect(registered.status, registered.text).toBe(200);
    expect(await queryBindings(customerId, ext.extensionId)).toHaveLength(1);
    expect((await api.call('DELETE', `/v1.0/extensions/${ext.extensionId}`, { token })).status).toBe(200);
    expectEnvelope(await lookup(ext.username, ext.realm, SECRET_A), 404, 'NOT_FOUND');
    const refresh = await deliver(api, {
      event: 'refreshed',
      aor: ext.aor,
      binding: binding({ registration_id: id, cseq: 2, expires_at: nowSeconds() + 3600 }),
    });
    expectEnvelope(refresh, 404, 'NOT_FOUND', 'AOR_NOT_FOUND');
    expect(await queryBindings(customerId, ext.extensionId)).toEqual([]);
    expectEnvelope(await api.call('GET', `/v1.0/extensions/${ext.extensionId}/registrations`, { token }), 404, 'NOT_FOUND');
    // The number can be created again and starts with no registration data.
    const again = await api.call('POST', '/v1.0/extensions', {
      token,
      body: { domain_id: ext.domainId, extension: ext.username, password: PASSWORD },
    });
    expect(again.status, again.text).toBe(200);
    const fresh = await api.call('GET', `/v1.0/extensions/${again.body.id}/registrations`, { token });
    expect(fresh.body).toEqual({ extension_id: again.body.id, registered: false, registrations: [] });
  });
});

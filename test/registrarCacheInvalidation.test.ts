import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { computeHa1 } from '../shared/domain/secrets.js';
import { logger } from '../shared/log.js';
import { CONTROL_TIMEOUT_MS, INVALIDATION_FAILED } from '../shared/registrar/control.js';
import { routes } from '../shared/routes/index.js';
import { expectEnvelope, newCustomer, useApi } from './support/api.js';
import { newExtension, PASSWORD, SECRET_A, startControlStandIn, useRegistrarSecrets, type Fixture } from './support/registrar.js';
import { updateConfig } from '../shared/config.js';

/**
 * The registrar's credential cache is kept honest by the API: after a committed change
 * to what the credential lookup answers, the API tells the registrar's control channel
 * to forget the AOR (or the realm) before it replies (docs/registrar-protocol.md section 3).
 */

useRegistrarSecrets(SECRET_A);
const api = useApi();

const CONTROL_TOKEN = 'cache-control-token-for-tests';
const NEW_PASSWORD = 'An0therStr0ngPassw0rd';

const useControl = (url: string | undefined, token = CONTROL_TOKEN) => {
  updateConfig({ registrarControlUrl: url, registrarControlToken: token });
};
afterEach(() => useControl(undefined));

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

const lookup = (username: string, realm: string) =>
  api.call('GET', `/v1.0/registrar/credentials?username=${encodeURIComponent(username)}&realm=${encodeURIComponent(realm)}`, {
    headers: { authorization: `Bearer ${SECRET_A}` },
  });

/** What the registrar would cache if it looked the AOR up now: its HA1, or 404. */
async function credentialNow(aor: string) {
  const [username, realm] = aor.split('@') as [string, string];
  const response = await lookup(username, realm);
  return response.status === 200 ? { status: 200, ha1: response.body.ha1 as string } : { status: response.status };
}

const ha1Of = (username: string, realm: string, password: string) => computeHa1(username, realm, password).ha1;

let registrar: Awaited<ReturnType<typeof startControlStandIn>>;
beforeAll(async () => {
  registrar = await startControlStandIn(CONTROL_TOKEN);
});
afterAll(async () => {
  await registrar.close();
});

/** A fresh stand-in state, and the API pointed at it. */
function useStandIn() {
  registrar.reset();
  registrar.observe(async (body) => (body?.aor ? credentialNow(body.aor) : undefined));
  useControl(registrar.url);
}

async function newDomain(token: string) {
  const created = await api.call('POST', '/v1.0/domains', { token, body: { domain_name: `inv-${hex(5)}` } });
  expect(created.status, created.text).toBe(200);
  return created.body as { id: string; realm: string };
}

async function createExtension(token: string, domain: { id: string; realm: string }, username = `u${hex(4)}`) {
  const created = await api.call('POST', '/v1.0/extensions', {
    token,
    body: { domain_id: domain.id, extension: username, password: PASSWORD },
  });
  return { created, aor: `${username}@${domain.realm}`, username };
}

const changePassword = (token: string, ext: Fixture, password = NEW_PASSWORD) =>
  api.call('PUT', `/v1.0/extensions/${ext.extensionId}`, { token, body: { password } });

const invalidateAor = (aor: string) => ({ action: 'invalidate', aor });

describe('the API tells the registrar to forget cached credentials, after the change committed', () => {
  it('extension create: the new AOR (its negative entry goes), and the lookup already finds it', async () => {
    const { token } = await newCustomer();
    const domain = await newDomain(token);
    useStandIn();
    const { created, aor, username } = await createExtension(token, domain);
    expect(created.status, created.text).toBe(200);
    expect(registrar.calls).toEqual([
      { authorized: true, body: invalidateAor(aor), seen: { status: 200, ha1: ha1Of(username, domain.realm, PASSWORD) } },
    ]);
  });

  it('the default domain (no domain_id): create, a PUT with password "" and delete name the AOR in its realm', async () => {
    const { token, customerId } = await newCustomer();
    useStandIn();
    const username = `u${hex(4)}`;
    const created = await api.call('POST', '/v1.0/extensions', { token, body: { extension: username, password: PASSWORD } });
    expect(created.status, created.text).toBe(200);
    const realm = created.body.domain_name as string;
    expect(realm).toBe(`${customerId}.sip.test`);
    const aor = `${username}@${realm}`;
    expect(registrar.calls).toEqual([
      { authorized: true, body: invalidateAor(aor), seen: { status: 200, ha1: ha1Of(username, realm, PASSWORD) } },
    ]);
    registrar.calls.length = 0;
    // What VoIPbin's SDK sends for a rename: "" for the password it does not set. Not a credential change.
    const renamed = await api.call('PUT', `/v1.0/extensions/${created.body.id}`, {
      token,
      body: { name: 'front desk', detail: '', password: '' },
    });
    expect(renamed.status, renamed.text).toBe(200);
    expect(registrar.calls).toEqual([]);
    const deleted = await api.call('DELETE', `/v1.0/extensions/${created.body.id}`, { token });
    expect(deleted.status, deleted.text).toBe(200);
    expect(registrar.calls[0]).toEqual({ authorized: true, body: invalidateAor(aor), seen: { status: 404 } });
  });

  it('a refused create (number taken) sends nothing', async () => {
    const { token } = await newCustomer();
    const domain = await newDomain(token);
    const { username } = await createExtension(token, domain);
    useStandIn();
    const again = await createExtension(token, domain, username);
    expectEnvelope(again.created, 409, 'ALREADY_EXISTS');
    expect(registrar.calls).toEqual([]);
  });

  it('password change: the AOR, and the lookup already answers the new HA1', async () => {
    const { token } = await newCustomer();
    const ext = await newExtension(api, token);
    useStandIn();
    const changed = await changePassword(token, ext);
    expect(changed.status, changed.text).toBe(200);
    expect(registrar.calls).toEqual([
      { authorized: true, body: invalidateAor(ext.aor), seen: { status: 200, ha1: ha1Of(ext.username, ext.realm, NEW_PASSWORD) } },
    ]);
  });

  it('name or detail only: no request (they are not credentials)', async () => {
    const { token } = await newCustomer();
    const ext = await newExtension(api, token);
    useStandIn();
    for (const body of [{ name: 'front desk' }, { detail: 'lobby phone' }, { name: 'n', detail: 'd' }, {}]) {
      const response = await api.call('PUT', `/v1.0/extensions/${ext.extensionId}`, { token, body });
      expect(response.status, response.text).toBe(200);
    }
    expect(registrar.calls).toEqual([]);
    // A refused password (too weak) changes nothing, so nothing is sent either.
    expectEnvelope(await changePassword(token, ext, 'short1'), 400, 'INVALID_ARGUMENT');
    expect(registrar.calls).toEqual([]);
  });

  it('extension delete: the AOR first (the lookup already answers 404), then the existing drop of its bindings', async () => {
    const { token } = await newCustomer();
    const ext = await newExtension(api, token);
    useStandIn();
    const deleted = await api.call('DELETE', `/v1.0/extensions/${ext.extensionId}`, { token });
    expect(deleted.status, deleted.text).toBe(200);
    expect(registrar.calls).toEqual([
      { authorized: true, body: invalidateAor(ext.aor), seen: { status: 404 } },
      { authorized: true, body: { aor: ext.aor }, seen: { status: 404 } },
    ]);
  });

  it('domain delete: the whole realm, once the domain is gone; a refused delete (409) sends nothing', async () => {
    const { token } = await newCustomer();
    const ext = await newExtension(api, token);
    const empty = await newDomain(token);
    useStandIn();
    expectEnvelope(await api.call('DELETE', `/v1.0/domains/${ext.domainId}`, { token }), 409, 'FAILED_PRECONDITION');
    expect(registrar.calls).toEqual([]);
    registrar.observe(async () => (await api.call('GET', `/v1.0/domains/${empty.id}`, { token })).status);
    const deleted = await api.call('DELETE', `/v1.0/domains/${empty.id}`, { token });
    expect(deleted.status, deleted.text).toBe(200);
    expect(registrar.calls).toEqual([{ authorized: true, body: { action: 'invalidate', realm: empty.realm }, seen: 404 }]);
  });

  it('the reply waits for the registrar (a client registering right after meets the new password)', async () => {
    const { token } = await newCustomer();
    const ext = await newExtension(api, token);
    useStandIn();
    registrar.delay(600);
    const started = Date.now();
    const changed = await changePassword(token, ext);
    expect(changed.status, changed.text).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(550);
    expect(registrar.calls).toHaveLength(1);
  });
});

describe('a failed invalidation never fails the request', () => {
  /** Runs `act` with logger.warn and logger.error recorded; returns the warnings. */
  async function withLogs(act: () => Promise<void>) {
    const warn = vi.spyOn(logger, 'warn');
    const error = vi.spyOn(logger, 'error');
    try {
      await act();
      const logged = JSON.stringify([warn.mock.calls, error.mock.calls]);
      expect(logged).not.toContain(CONTROL_TOKEN);
      expect(logged).not.toContain('wrong-token');
      return warn.mock.calls.filter(([message]) => message === INVALIDATION_FAILED).map(([, fields]) => fields);
    } finally {
      warn.mockRestore();
      error.mockRestore();
    }
  }

  it('registrar errors, a wrong token, an older registrar: each operation succeeds, committed, with a warning and a reason', async () => {
    const { token } = await newCustomer();
    const failures: [string, () => void, Record<string, unknown>][] = [
      ['500', () => registrar.answer({ status: 500 }), { reason: 'status', status: 500 }],
      ['503', () => registrar.answer({ status: 503 }), { reason: 'status', status: 503 }],
      ['404', () => registrar.answer({ status: 404 }), { reason: 'status', status: 404 }],
      ['wrong token', () => useControl(registrar.url, 'wrong-token'), { reason: 'status', status: 401 }],
      // A registrar that predates the action reads it as "drop the bindings" and answers so.
      ['older registrar', () => registrar.answer({ status: 200, body: { removed: 0 } }), { reason: 'unexpected_reply' }],
    ];
    for (const [label, fail, expected] of failures) {
      const domain = await newDomain(token);
      const warnings = await withLogs(async () => {
        useStandIn();
        fail();
        const { created, aor, username } = await createExtension(token, domain);
        expect(created.status, label).toBe(200);
        expect((await credentialNow(aor)).status, label).toBe(200);
        const ext = { extensionId: created.body.id as string, aor, username } as Fixture;
        expect((await changePassword(token, ext)).status, label).toBe(200);
        expect(await credentialNow(aor), label).toEqual({ status: 200, ha1: ha1Of(username, domain.realm, NEW_PASSWORD) });
        expect((await api.call('DELETE', `/v1.0/extensions/${ext.extensionId}`, { token })).status, label).toBe(200);
        expect((await credentialNow(aor)).status, label).toBe(404);
        expect((await api.call('DELETE', `/v1.0/domains/${domain.id}`, { token })).status, label).toBe(200);
        expect((await api.call('GET', `/v1.0/domains/${domain.id}`, { token })).status, label).toBe(404);
        expect(registrar.calls.filter((c) => c.body?.action === 'invalidate'), label).toHaveLength(4);
      });
      const aor = registrar.calls[0]!.body.aor as string;
      expect(warnings, label).toEqual([
        { aor, ...expected },
        { aor, ...expected },
        { aor, ...expected },
        { realm: domain.realm, ...expected },
      ]);
    }
  });

  it('an unreachable registrar: the request succeeds, warning "unreachable"', async () => {
    const { token } = await newCustomer();
    const ext = await newExtension(api, token);
    const closed = await startControlStandIn(CONTROL_TOKEN);
    await closed.close();
    const warnings = await withLogs(async () => {
      useControl(closed.url);
      expect((await changePassword(token, ext)).status).toBe(200);
    });
    expect(warnings).toEqual([{ aor: ext.aor, reason: 'unreachable' }]);
    expect(await credentialNow(ext.aor)).toEqual({ status: 200, ha1: ha1Of(ext.username, ext.realm, NEW_PASSWORD) });
  });

  it(`a registrar that does not answer: the request succeeds after the ${CONTROL_TIMEOUT_MS} ms timeout, warning "timeout"`, async () => {
    const { token } = await newCustomer();
    const ext = await newExtension(api, token);
    const warnings = await withLogs(async () => {
      useStandIn();
      registrar.answer('hang');
      const started = Date.now();
      expect((await changePassword(token, ext)).status).toBe(200);
      const waited = Date.now() - started;
      expect(waited).toBeGreaterThanOrEqual(CONTROL_TIMEOUT_MS - 100);
      expect(waited).toBeLessThan(CONTROL_TIMEOUT_MS + 5000);
    });
    expect(warnings).toEqual([{ aor: ext.aor, reason: 'timeout' }]);
    expect(await credentialNow(ext.aor)).toEqual({ status: 200, ha1: ha1Of(ext.username, ext.realm, NEW_PASSWORD) });
  });

  it('a misconfigured control endpoint: no request, the request succeeds, warning with the reason', async () => {
    const { token } = await newCustomer();
    const ext = await newExtension(api, token);
    const warnings = await withLogs(async () => {
      useStandIn();
      useControl('http://192.0.2.1:5071/control'); // plain http beyond loopback: refused before any packet
      expect((await changePassword(token, ext)).status).toBe(200);
      useControl(registrar.url, '');
      expect((await changePassword(token, ext, `${NEW_PASSWORD}2`)).status).toBe(200);
    });
    expect(warnings).toEqual([
      { aor: ext.aor, reason: 'url_not_allowed' },
      { aor: ext.aor, reason: 'missing_token' },
    ]);
    expect(registrar.calls).toEqual([]);
  });
});

describe('without a control endpoint (REGISTRAR_CONTROL_URL unset)', () => {
  it('create, password change, delete and domain delete send nothing and log nothing', async () => {
    const { token } = await newCustomer();
    useStandIn();
    useControl(undefined);
    const domain = await newDomain(token);
    const warn = vi.spyOn(logger, 'warn');
    try {
      const { created, aor, username } = await createExtension(token, domain);
      expect(created.status).toBe(200);
      const ext = { extensionId: created.body.id as string, aor, username } as Fixture;
      expect((await changePassword(token, ext)).status).toBe(200);
      expect((await api.call('DELETE', `/v1.0/extensions/${ext.extensionId}`, { token })).status).toBe(200);
      expect((await api.call('DELETE', `/v1.0/domains/${domain.id}`, { token })).status).toBe(200);
      expect(warn).not.toHaveBeenCalled();
    } finally {
      warn.mockRestore();
    }
    expect(registrar.calls).toEqual([]);
  });
});

describe('on AWS', () => {
  it('every route that tells the registrar something gets the control endpoint (needs registrarCache or registrarControl)', () => {
    const wired = routes
      .filter((r) => r.needs?.some((n) => n === 'registrarCache' || n === 'registrarControl'))
      .map((r) => r.operationId)
      .sort();
    expect(wired).toEqual(
      [
        'createExtension',
        'updateExtension',
        'deleteExtension',
        'deleteDomain',
        'deleteExtensionRegistration',
        'deleteExtensionRegistrations',
      ].sort(),
    );
  });
});

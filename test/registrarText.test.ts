import { beforeAll, describe, expect, it } from 'vitest';
import { queryBindings } from '../shared/store/bindings.js';
import { newCustomer, useApi } from './support/api.js';
import { binding, deliver, newExtension, nowSeconds, ruid, SECRET_A, useRegistrarSecrets, type Fixture } from './support/registrar.js';

/**
 * Text from SIP devices (docs/registrar-protocol.md, "Text from devices") reaches
 * customers through GET .../registrations: whatever the device sent, the registration is
 * kept, and what is stored and served is valid, printable UTF-8.
 */
useRegistrarSecrets(SECRET_A);
const api = useApi();

let token = '';
let customerId = '';
beforeAll(async () => {
  ({ token, customerId } = await newCustomer('device text'));
});

/** Anything a reader (a terminal, a log viewer, a browser) could be tricked by. */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

const registrations = async (ext: Fixture) => {
  const response = await api.call('GET', `/v1.0/extensions/${ext.extensionId}/registrations`, { token });
  expect(response.status, response.text).toBe(200);
  return response;
};

describe('text from SIP devices', () => {
  it('is stored and served printable, and the registration is kept', async () => {
    const ext = await newExtension(api, token);
    const id = ruid();
    const hostile = binding({
      registration_id: id,
      expires_at: nowSeconds() + 600,
      user_agent: 'ua\u001b[2J\u0000\u0007 \ud800 end\u202e',
      contact: 'sip:1001@10.0.0.1\u0000;x=\u001b',
      received: 'sip:203.0.113.7:5060\u0008',
      call_id: 'call\r\n\u0085id',
    });
    const reply = await deliver(api, { event: 'registered', aor: ext.aor, binding: hostile });
    expect(reply.status, reply.text).toBe(200);
    expect(reply.body.applied).toBe(1);

    const response = await registrations(ext);
    expect(response.body.registered).toBe(true);
    const [shown] = response.body.registrations;
    expect(shown).toMatchObject({
      registration_id: id,
      device: 'ua\ufffd[2J\ufffd\ufffd \ufffd end\ufffd',
      contact_address: 'sip:1001@10.0.0.1\ufffd;x=\ufffd',
      real_address: 'sip:203.0.113.7:5060\ufffd',
    });
    // The reply on the wire, not only the parsed object: no raw control character, no
    // escaped one (\u0000), no lone surrogate.
    expect(response.text).not.toMatch(UNSAFE);
    expect(response.text).not.toMatch(/\\u00[01][0-9a-f]|\\ud[89ab]/i);

    const [stored] = await queryBindings(customerId, ext.extensionId);
    for (const text of [stored!.user_agent, stored!.contact, stored!.received, stored!.call_id]) {
      expect(text).not.toMatch(UNSAFE);
      expect(Buffer.from(text, 'utf8').toString('utf8')).toBe(text); // survives UTF-8 unchanged: no lone surrogate
    }
    expect(stored!.call_id).toBe('call\ufffd\ufffd\ufffdid');
  });

  it('past its length bound is cut, not refused, and never inside a surrogate pair', async () => {
    const ext = await newExtension(api, token);
    const id = ruid();
    const long = binding({
      registration_id: id,
      expires_at: nowSeconds() + 600,
      user_agent: `${'a'.repeat(511)}😀 and more`,
      contact: `sip:${'x'.repeat(5000)}@10.0.0.1`,
    });
    const reply = await deliver(api, { event: 'registered', aor: ext.aor, binding: long });
    expect(reply.status, reply.text).toBe(200);
    const [shown] = (await registrations(ext)).body.registrations;
    expect(shown.device).toBe('a'.repeat(511));
    expect(shown.contact_address).toHaveLength(2048);
    expect(shown.contact_address.startsWith('sip:xxx')).toBe(true);
  });

  it('keeps ordinary text exactly as sent', async () => {
    const ext = await newExtension(api, token);
    const plain = binding({
      registration_id: ruid(),
      expires_at: nowSeconds() + 600,
      user_agent: 'Téléphone «Bureau» 电话 😀 v1.2',
      contact: '<sip:1001@[2001:db8::1]:5062;transport=tls>',
    });
    await deliver(api, { event: 'registered', aor: ext.aor, binding: plain });
    const [shown] = (await registrations(ext)).body.registrations;
    expect(shown).toMatchObject({ device: plain.user_agent, contact_address: plain.contact });
  });
});

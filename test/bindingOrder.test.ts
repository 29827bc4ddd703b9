import { beforeAll, describe, expect, it } from 'vitest';
import { mapLimit } from '../shared/mapLimit.js';
import { queryBindings } from '../shared/store/bindings.js';
import { newCustomerWithDomain, useApi } from './support/api.js';
import { permutations } from './support/permutations.js';
import { deliver, newExtension, nowSeconds, SECRET_A, useRegistrarSecrets, type Fixture } from './support/registrar.js';

/**
 * One binding's events delivered in every order leave the same record: the GET view and
 * the stored item are functions of the set of events, not of their arrival order
 * (shared/store/bindingTransitions.ts). Each order runs on its own extension and ruid.
 */
useRegistrarSecrets(SECRET_A);
const api = useApi();

let token = '';
let customerId = '';
let domain: { id: string; realm: string };
beforeAll(async () => {
  ({ token, customerId, domain } = await newCustomerWithDomain(api, 'delivery order', 'order'));
});

type Build = (ext: Fixture, id: string) => Record<string, unknown>[];

/** What GET shows and what is stored, less what names the run (ids) and what counts down or counts writes. */
async function finalRecord(ext: Fixture) {
  const response = await api.call('GET', `/v1.0/extensions/${ext.extensionId}/registrations`, { token });
  expect(response.status, response.text).toBe(200);
  const view = {
    ...response.body,
    extension_id: undefined,
    registrations: response.body.registrations.map(({ expires: _e, registration_id: _r, ...rest }: any) => rest),
  };
  const stored = (await queryBindings(customerId, ext.extensionId)).map(
    ({ registration_id: _r, extension_id: _e, customer_id: _c, aor: _a, rev: _v, ...rest }) => rest,
  );
  return { view, stored };
}

/** Delivers the events of `build` in every order (one delivery per event) and returns each order's record. */
async function everyOrder(build: Build) {
  const count = build({ aor: '' } as Fixture, 'x').length;
  const orders = permutations(Array.from({ length: count }, (_, i) => i));
  return mapLimit(orders, 6, async (order) => {
    const ext = await newExtension(api, token, domain);
    const events = build(ext, `uloc-order-${ext.username}`);
    for (const i of order) {
      const response = await deliver(api, events[i]);
      expect(response.status, `order ${order.join(',')}: ${response.text}`).toBe(200);
    }
    return { order: order.join(','), record: await finalRecord(ext) };
  });
}

function expectAllEqual(runs: { order: string; record: unknown }[]) {
  const [first, ...rest] = runs;
  for (const run of rest) expect(run.record, `order ${run.order} differs from order ${first!.order}`).toEqual(first!.record);
}

describe('a binding whose events arrive in any order', () => {
  it('registered, refreshed, contact changed (same second), stale expiry, unregistered: 120 orders, one record', async () => {
    const t0 = nowSeconds() - 300;
    const build: Build = (ext, id) => {
      const report = (event: string, cseq: number, at: number, expiresAt: number, changes: Record<string, string> = {}) => ({
        event,
        aor: ext.aor,
        event_time: at,
        binding: {
          registration_id: id,
          contact: 'sip:1001@192.168.1.10:5062',
          received: 'sip:203.0.113.7:62338',
          user_agent: 'Desk/1.0',
          call_id: 'dialog-a',
          cseq,
          expires_at: expiresAt,
          ...changes,
        },
      });
      return [
        report('registered', 1, t0, t0 + 100),
        report('refreshed', 2, t0 + 50, t0 + 200),
        // The device moved (new NAT mapping, new firmware) in the same second as the refresh.
        report('refreshed', 3, t0 + 50, t0 + 250, { contact: 'sip:1001@192.168.1.99:5070', received: 'sip:198.51.100.9:4000', user_agent: 'Desk/1.1' }),
        // The registrar's expiry of the lifetime the second refresh had; the third outlived it.
        { ...report('expired', 2, t0 + 201, t0 + 200), event: 'expired' },
        { event: 'unregistered', aor: ext.aor, event_time: t0 + 120, binding: { registration_id: id, call_id: 'dialog-a', cseq: 4 } },
      ];
    };
    const runs = await everyOrder(build);
    expect(runs).toHaveLength(120);
    expectAllEqual(runs);
    // And the record is the one the events describe: the moved device, ended by its unregistration.
    const { view } = runs[0]!.record;
    expect(view.registered).toBe(false);
    expect(view.registrations).toEqual([
      expect.objectContaining({
        contact_address: 'sip:1001@192.168.1.99:5070',
        real_address: 'sip:198.51.100.9:4000',
        device: 'Desk/1.1',
        tm_expire: new Date((t0 + 120) * 1000).toISOString().replace('T', ' ').replace('Z', '000'),
      }),
    ]);
  }, 600_000);

  it('two dialogs of one ruid with events in the same second: 24 orders, one record', async () => {
    const t0 = nowSeconds() - 300;
    const build: Build = (ext, id) => {
      const report = (event: string, callId: string, cseq: number, at: number, contact: string) => ({
        event,
        aor: ext.aor,
        event_time: at,
        binding: { registration_id: id, contact, received: '', user_agent: `ua-${callId}`, call_id: callId, cseq, expires_at: t0 + 1000 + cseq },
      });
      return [
        report('registered', 'dialog-a', 1, t0, 'sip:a@10.0.0.1'),
        // The device restarted: a new dialog, in the same second as the old dialog's end.
        report('registered', 'dialog-b', 1, t0 + 10, 'sip:b@10.0.0.2'),
        report('refreshed', 'dialog-b', 2, t0 + 10, 'sip:b@10.0.0.3'),
        { event: 'unregistered', aor: ext.aor, event_time: t0 + 10, binding: { registration_id: id, call_id: 'dialog-a', cseq: 2 } },
      ];
    };
    const runs = await everyOrder(build);
    expect(runs).toHaveLength(24);
    expectAllEqual(runs);
  }, 300_000);
});

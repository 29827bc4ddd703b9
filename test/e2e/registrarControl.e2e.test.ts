import { describe, expect, it } from 'vitest';
import { fromOtherHost, useRegistrarStand } from '../support/registrarStand.js';
import { requireRegistrarTools } from '../support/registrarTools.js';

/**
 * Kamailio's control channel (/control) and RPC (/RPC): behind the token, on loopback unless WITH_REMOTE_CONTROL.
 * The whole loop runs for real (test/support/registrarStand.ts): SIPp devices -> Kamailio
 * (registrar/kamailio/kamailio.cfg) -> the API -> DynamoDB Local. Needs kamailio and sipp
 * (registrar/install.sh).
 */
const { tools, missing } = requireRegistrarTools('registrar end-to-end tests');

describe.skipIf(missing)("Kamailio's control channel (Kamailio + SIPp + API)", () => {
  const stand = useRegistrarStand(tools.sipp!);
  const { controlToken, startNode } = stand;

  it('keeps its control channel and RPC behind the token', async () => {
    const noToken = await fetch(stand.kamailio.rpcUrl, {
      method: 'POST',
      body: JSON.stringify({ jsonrpc: '2.0', method: 'ul.dump', id: 1 }),
    });
    expect(noToken.status).toBe(401);
    const wrongToken = await fetch(stand.kamailio.controlUrl, {
      method: 'POST',
      headers: { authorization: 'Bearer nope' },
      body: JSON.stringify({ aor: `x@${stand.realm}` }),
    });
    expect(wrongToken.status).toBe(401);
    const unknown = await fetch(stand.kamailio.controlUrl, {
      method: 'POST',
      headers: { authorization: `Bearer ${controlToken}` },
      body: JSON.stringify({ aor: `nobody@${stand.realm}` }),
    });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ removed: 0 });

    // A caller that is not 127.0.0.1 (here 127.0.0.2) is refused even with the token
    // (no WITH_REMOTE_CONTROL), on /control and /RPC alike.
    const auth = `Bearer ${controlToken}`;
    expect((await fromOtherHost(stand.kamailio.controlUrl, auth, { aor: `nobody@${stand.realm}` })).status).toBe(403);
    expect((await fromOtherHost(stand.kamailio.rpcUrl, auth, { jsonrpc: '2.0', method: 'core.version', id: 1 })).status).toBe(403);
    // A token that differs only in its last character, or its length, is refused.
    for (const wrong of [controlToken.slice(0, -1) + (controlToken.endsWith('A') ? 'B' : 'A'), controlToken + 'x', '']) {
      const r = await fetch(stand.kamailio.controlUrl, {
        method: 'POST',
        headers: { authorization: `Bearer ${wrong}` },
        body: JSON.stringify({ aor: `nobody@${stand.realm}` }),
      });
      expect(r.status).toBe(401);
    }
  });

  it('with WITH_REMOTE_CONTROL serves /control to other hosts but keeps /RPC on loopback', async () => {
    const remote = await startNode('remote-control', { WITH_REMOTE_CONTROL: 1 });
    try {
      const auth = `Bearer ${controlToken}`;
      const control = await fromOtherHost(remote.controlUrl, auth, { aor: `nobody@${stand.realm}` });
      expect(control.status).toBe(404);
      expect(JSON.parse(control.text)).toEqual({ removed: 0 });
      expect((await fromOtherHost(remote.controlUrl, 'Bearer nope', { aor: `nobody@${stand.realm}` })).status).toBe(401);
      const rpc = await fromOtherHost(remote.rpcUrl, auth, { jsonrpc: '2.0', method: 'core.version', id: 1 });
      expect(rpc.status).toBe(403);
      expect(rpc.text).not.toContain('kamailio');
      // Loopback still reaches /RPC.
      expect(await remote.rpc('core.version')).toBeTruthy();
    } finally {
      await remote.stop();
    }
  });
});

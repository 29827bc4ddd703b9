import { config } from '../config.js';
import { invalidArgument, notFound } from '../errors.js';
import { logger } from '../log.js';
import type { WebhookBinding, WebhookEvent } from '../schemas/registrations.js';
import * as bindings from '../store/bindings.js';
import { findSipCredential } from '../store/extensions.js';

/** How far an event_time may lie before the signed timestamp (a delayed retry), in seconds. */
const MAX_EVENT_AGE_SECONDS = 86400;

/** "alice@acme.sip.test" -> username, realm (the username may itself contain '@'). */
export function splitAor(aor: string): { username: string; realm: string } | undefined {
  const at = aor.lastIndexOf('@');
  if (at <= 0 || at === aor.length - 1) return undefined;
  return { username: aor.slice(0, at), realm: aor.slice(at + 1) };
}

const full = (b: WebhookBinding): Required<bindings.BindingFields> => ({
  registration_id: b.registration_id,
  contact: b.contact,
  received: b.received ?? '',
  user_agent: b.user_agent ?? '',
  call_id: b.call_id,
  cseq: b.cseq,
  expires_at: b.expires_at,
});

/**
 * Applies one registrar event (docs/registrar-protocol.md section 2).
 *
 * Round trips: one GetItem resolves the AOR (the credential lookup item names the
 * customer and the extension, so no other read is needed to find or authorize the
 * partition), then one conditional UpdateItem per binding the event describes. Only
 * when the event carries a `bindings` snapshot is the extension's partition queried
 * (in parallel with the event's own write), to end the stored bindings missing from it.
 *
 * Every write is conditional on the stored ordering state (call_id/cseq, event time,
 * expires_at, ended_by; see shared/store/bindings.ts), so duplicates, reordering and
 * concurrent deliveries cannot move a binding backwards: a failed condition means
 * "the stored state is newer", and the event is ignored for that binding.
 */
export async function applyRegistrarEvent(event: WebhookEvent, signedAt: number): Promise<{ applied: number }> {
  const eventAt = event.event_time ?? signedAt;
  if (eventAt > signedAt + 5 || eventAt < signedAt - MAX_EVENT_AGE_SECONDS) {
    throw invalidArgument('INVALID_EVENT_TIME', 'event_time must be unix seconds, not after X-Registrar-Timestamp.');
  }
  const aor = splitAor(event.aor);
  const credential = aor && (await findSipCredential(aor.realm, aor.username));
  if (!credential) {
    logger.warn('registrar webhook for unknown aor', { event: event.event, aor: event.aor });
    throw notFound('AOR_NOT_FOUND', 'No extension has this address of record.');
  }
  const owner: bindings.BindingOwner = {
    customerId: credential.customer_id,
    extensionId: credential.extension_id,
    aor: `${credential.username}@${credential.realm}`,
    retentionDays: config.registrationRetentionDays,
  };
  const now = Date.now();

  const own = event.binding;
  const ownWrite = (async () => {
    if (!own) return false;
    switch (event.event) {
      case 'registered':
      case 'refreshed':
        return bindings.upsertBinding(owner, full(event.binding), eventAt, now);
      case 'expired':
        return bindings.expireBinding(owner, event.binding, eventAt, now);
      case 'unregistered':
        return bindings.unregisterBinding(owner, event.binding!, eventAt, now);
    }
  })();
  const snapshot = event.bindings;
  const [ownApplied, stored] = await Promise.all([
    ownWrite,
    snapshot ? bindings.queryBindings(owner.customerId, owner.extensionId) : Promise.resolve([]),
  ]);

  let applied = ownApplied ? 1 : 0;
  if (snapshot) {
    const ownId = own?.registration_id;
    const storedById = new Map(stored.map((b) => [b.registration_id, b]));
    const listed = new Set(snapshot.map((b) => b.registration_id));
    const writes: Promise<boolean>[] = [];
    for (const entry of snapshot) {
      if (entry.registration_id === ownId) continue;
      const current = storedById.get(entry.registration_id);
      // Pruning only what the write's condition would refuse anyway: nothing new in this dialog.
      const unchanged =
        current && current.ended_by === '' && current.call_id === entry.call_id && current.cseq >= entry.cseq;
      if (!unchanged) writes.push(bindings.upsertBinding(owner, full(entry), eventAt, now));
    }
    for (const current of stored) {
      if (current.registration_id === ownId || listed.has(current.registration_id)) continue;
      if (current.ended_by !== '' || current.expires_at <= eventAt || current.event_at >= eventAt) continue;
      writes.push(bindings.endMissingBinding(owner, current.registration_id, eventAt, now));
    }
    applied += (await Promise.all(writes)).filter(Boolean).length;
  }
  return { applied };
}

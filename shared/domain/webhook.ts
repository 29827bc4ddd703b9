import { config } from '../config.js';
import { ApiError, invalidArgument, notFound } from '../errors.js';
import { logger } from '../log.js';
import { mapLimit } from '../mapLimit.js';
import {
  MAX_BATCH_EVENTS,
  webhookEvent,
  type WebhookBinding,
  type WebhookDelivery,
  type WebhookEvent,
  type WebhookEventResult,
  type WebhookReply,
} from '../schemas/registrations.js';
import * as bindings from '../store/bindings.js';
import { findSipCredential } from '../store/extensions.js';

/** How far an event_time may lie before the signed timestamp (a delayed retry), in seconds. */
const MAX_EVENT_AGE_SECONDS = 86400;
/** AORs of one batch applied at once (events of one AOR go one after the other, in order). */
const AOR_CONCURRENCY = 16;

/** "alice@acme.sip.test" -> username, realm (the username may itself contain '@'). */
export function splitAor(aor: string): { username: string; realm: string } | undefined {
  const at = aor.lastIndexOf('@');
  if (at <= 0 || at === aor.length - 1) return undefined;
  return { username: aor.slice(0, at), realm: aor.slice(at + 1) };
}

/** The AOR as stored on binding items: realms are case-insensitive DNS names, kept lowercase. */
const storedAor = (username: string, realm: string) => `${username}@${realm.toLowerCase()}`;

const full = (b: WebhookBinding): Required<bindings.BindingFields> => ({
  registration_id: b.registration_id,
  contact: b.contact,
  received: b.received ?? '',
  user_agent: b.user_agent ?? '',
  call_id: b.call_id,
  cseq: b.cseq,
  expires_at: b.expires_at,
});

/** A delivery: one event (protocol 1) or a batch (protocol 2). docs/registrar-protocol.md section 2. */
export async function applyRegistrarDelivery(delivery: WebhookDelivery, signedAt: number): Promise<WebhookReply> {
  if ('events' in delivery) return applyBatch(delivery.events, signedAt);
  const { applied } = await applyRegistrarEvent(delivery, signedAt);
  return { status: 'ok', applied };
}

/**
 * A batch: each event is checked and applied as if it had been delivered alone. A
 * malformed event, an unknown AOR or an impossible event time rejects that event only
 * (its result says why). Events of one AOR are applied in the order sent; AORs in
 * parallel. A failure of the database fails the whole delivery (5xx): the registrar
 * retries the batch, and replaying the events that did apply changes nothing.
 */
async function applyBatch(events: readonly unknown[], signedAt: number): Promise<WebhookReply> {
  if (events.length > MAX_BATCH_EVENTS) {
    throw new ApiError('PAYLOAD_TOO_LARGE', 'BATCH_TOO_LARGE', `A batch carries at most ${MAX_BATCH_EVENTS} events; nothing was applied.`);
  }
  const results: WebhookEventResult[] = new Array(events.length);
  const byAor = new Map<string, { index: number; event: WebhookEvent }[]>();
  events.forEach((raw, index) => {
    const parsed = webhookEvent.safeParse(raw);
    if (!parsed.success) {
      const message = parsed.error.issues.map((i) => `${i.path.map(String).join('.') || 'event'}: ${i.message}`).join('; ');
      results[index] = { index, outcome: 'rejected', reason: 'INVALID_EVENT', message };
      return;
    }
    const key = parsed.data.aor.toLowerCase();
    byAor.set(key, [...(byAor.get(key) ?? []), { index, event: parsed.data }]);
  });
  await mapLimit([...byAor.values()], AOR_CONCURRENCY, async (entries) => {
    for (const { index, event } of entries) {
      try {
        const { applied } = await applyRegistrarEvent(event, signedAt);
        results[index] = { index, outcome: applied > 0 ? 'applied' : 'unchanged', applied };
      } catch (error) {
        if (!(error instanceof ApiError) || error.httpStatus >= 500) throw error;
        results[index] = { index, outcome: 'rejected', reason: error.reason, message: error.message };
      }
    }
  });
  return {
    status: 'ok',
    applied: results.reduce((sum, r) => sum + (r.applied ?? 0), 0),
    rejected: results.filter((r) => r.outcome === 'rejected').length,
    results,
  };
}

/**
 * Applies one registrar event (docs/registrar-protocol.md section 2).
 *
 * Round trips, by what the event carries:
 * - `customer_id` + `extension_id` (the registrar's cache) and no snapshot (a pure
 *   refresh, or any event without snapshots): ONE conditional UpdateItem that only
 *   writes an existing binding of this AOR. No read. Only when there is no such item (a
 *   new binding, or stale ids) is the owner proven by the credential lookup and the
 *   write made again.
 * - ids and a snapshot: ONE Query of the extension's partition proves the owner (the
 *   extension item names its number and realm) and returns the stored bindings; then
 *   one conditional UpdateItem per binding that changes.
 * - no ids: one GetItem resolves the AOR (the credential lookup item names the customer
 *   and the extension), then as above (with a snapshot, the partition is queried in
 *   parallel with the event's own write).
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
  const now = Date.now();
  if (aor && event.customer_id && event.extension_id) {
    const claimed = ownerOf(event.customer_id, event.extension_id, storedAor(aor.username, aor.realm));
    if (!event.bindings) {
      const outcome = await writeOwn(claimed, event, eventAt, now, 'existing');
      if (outcome !== 'missing') return { applied: outcome === 'applied' ? 1 : 0 };
    } else {
      const { extension, bindings: stored } = await bindings.readExtensionBindings(claimed.customerId, claimed.extensionId);
      const proven = extension && storedAor(String(extension.extension), String(extension.realm)) === claimed.aor;
      if (proven) return applyWithSnapshot(claimed, event, eventAt, now, stored);
    }
  }
  const credential = aor && (await findSipCredential(aor.realm, aor.username));
  if (!credential) {
    logger.warn('registrar webhook for unknown aor', { event: event.event, aor: event.aor });
    throw notFound('AOR_NOT_FOUND', 'No extension has this address of record.');
  }
  const owner = ownerOf(credential.customer_id, credential.extension_id, storedAor(credential.username, credential.realm));
  if (!event.bindings) {
    return { applied: (await writeOwn(owner, event, eventAt, now, 'any')) === 'applied' ? 1 : 0 };
  }
  const [ownOutcome, stored] = await Promise.all([
    writeOwn(owner, event, eventAt, now, 'any'),
    bindings.queryBindings(owner.customerId, owner.extensionId),
  ]);
  const { applied } = await reconcileSnapshot(owner, event, eventAt, now, stored);
  return { applied: applied + (ownOutcome === 'applied' ? 1 : 0) };
}

const ownerOf = (customerId: string, extensionId: string, aor: string): bindings.BindingOwner => ({
  customerId,
  extensionId,
  aor,
  retentionDays: config.registrationRetentionDays,
});

/** The event's own binding, by its kind: the named state transitions of a binding. */
async function writeOwn(
  owner: bindings.BindingOwner,
  event: WebhookEvent,
  eventAt: number,
  now: number,
  mode: bindings.WriteMode,
): Promise<bindings.WriteOutcome | 'none'> {
  switch (event.event) {
    case 'registered':
    case 'refreshed':
      return bindings.upsertBinding(owner, full(event.binding), eventAt, now, mode);
    case 'expired':
      return bindings.expireBinding(owner, event.binding, eventAt, now, mode);
    case 'unregistered':
      return event.binding ? bindings.unregisterBinding(owner, event.binding, eventAt, now, mode) : 'none';
  }
}

/** The owner is proven and the stored bindings read: the event's write, then the snapshot's. */
async function applyWithSnapshot(
  owner: bindings.BindingOwner,
  event: WebhookEvent,
  eventAt: number,
  now: number,
  stored: bindings.BindingRecord[],
) {
  const own = await writeOwn(owner, event, eventAt, now, 'any');
  const { applied } = await reconcileSnapshot(owner, event, eventAt, now, stored);
  return { applied: applied + (own === 'applied' ? 1 : 0) };
}

/**
 * A snapshot lists ALL the AOR's bindings on the registrar after the change: entries
 * unknown or newer than what is stored are written; stored live bindings missing from it
 * end at the event time (unless an event at or after that time touched them).
 */
async function reconcileSnapshot(
  owner: bindings.BindingOwner,
  event: WebhookEvent,
  eventAt: number,
  now: number,
  stored: bindings.BindingRecord[],
): Promise<{ applied: number }> {
  const snapshot = event.bindings;
  if (!snapshot) return { applied: 0 };
  const ownId = event.binding?.registration_id;
  const storedById = new Map(stored.map((b) => [b.registration_id, b]));
  const listed = new Set(snapshot.map((b) => b.registration_id));
  const writes: Promise<bindings.WriteOutcome>[] = [];
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
  return { applied: (await Promise.all(writes)).filter((outcome) => outcome === 'applied').length };
}

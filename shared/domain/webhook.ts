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
} from '../schemas/registrarEvents.js';
import * as bindings from '../store/bindings.js';
import * as writes from '../store/bindingWrites.js';
import * as transitions from '../store/bindingTransitions.js';
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

/** A full report of a binding: registered / refreshed / a snapshot entry. */
const reportOf = (b: WebhookBinding) => ({
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
 * Each event is a transition of its binding's state machine
 * (shared/store/bindingTransitions.ts): a join of the event into the stored state that
 * does not depend on the order events arrive in, so duplicates, reordering and
 * concurrent deliveries leave the same binding. Writes are conditional on the stored
 * revision (or, for a refresh, on being newer), so concurrent deliveries cannot lose one.
 */
export async function applyRegistrarEvent(event: WebhookEvent, signedAt: number): Promise<{ applied: number }> {
  const eventAt = event.event_time ?? signedAt;
  if (eventAt > signedAt + 5 || eventAt < signedAt - MAX_EVENT_AGE_SECONDS) {
    throw invalidArgument('INVALID_EVENT_TIME', 'event_time must be unix seconds, not after X-Registrar-Timestamp.');
  }
  const aor = splitAor(event.aor);
  if (aor && event.customer_id && event.extension_id) {
    const claimed = ownerOf(event.customer_id, event.extension_id, storedAor(aor.username, aor.realm));
    if (!event.bindings) {
      const outcome = await writeOwn(claimed, event, eventAt, 'existing');
      if (outcome !== 'missing') return { applied: outcome === 'applied' ? 1 : 0 };
    } else {
      const { extension, bindings: stored } = await bindings.readExtensionBindings(claimed.customerId, claimed.extensionId);
      const proven = extension && storedAor(String(extension.extension), String(extension.realm)) === claimed.aor;
      if (proven) return applyWithSnapshot(claimed, event, eventAt, stored);
    }
  }
  const credential = aor && (await findSipCredential(aor.realm, aor.username));
  if (!credential) {
    logger.warn('registrar webhook for unknown aor', { event: event.event, aor: event.aor });
    throw notFound('AOR_NOT_FOUND', 'No extension has this address of record.');
  }
  const owner = ownerOf(credential.customer_id, credential.extension_id, storedAor(credential.username, credential.realm));
  if (!event.bindings) {
    return { applied: (await writeOwn(owner, event, eventAt, 'any')) === 'applied' ? 1 : 0 };
  }
  const [ownOutcome, stored] = await Promise.all([
    writeOwn(owner, event, eventAt, 'any'),
    bindings.queryBindings(owner.customerId, owner.extensionId),
  ]);
  const { applied } = await reconcileSnapshot(owner, event, eventAt, stored);
  return { applied: applied + (ownOutcome === 'applied' ? 1 : 0) };
}

const ownerOf = (customerId: string, extensionId: string, aor: string): bindings.BindingOwner => ({
  customerId,
  extensionId,
  aor,
  retentionDays: config.registrationRetentionDays,
});

/** The event as a transition of its own binding (docs/registrar-protocol.md section 2). */
function transitionOf(event: WebhookEvent, eventAt: number): transitions.BindingEvent | undefined {
  switch (event.event) {
    case 'registered':
    case 'refreshed':
      return transitions.reported(eventAt, reportOf(event.binding));
    case 'expired':
      return transitions.expired(eventAt, event.binding.expires_at, event.binding);
    case 'unregistered':
      return event.binding && transitions.unregistered(eventAt, event.binding);
  }
}

/** The event's own binding; `known`: as read in this request (null: read, none). */
async function writeOwn(
  owner: bindings.BindingOwner,
  event: WebhookEvent,
  eventAt: number,
  mode: writes.WriteMode,
  known?: bindings.BindingRecord | null,
): Promise<writes.WriteOutcome | 'none'> {
  const transition = transitionOf(event, eventAt);
  if (!transition || !event.binding) return 'none';
  return writes.applyBindingEvent(owner, event.binding.registration_id, transition, { mode, known });
}

/** The owner is proven and the stored bindings read: the event's write, then the snapshot's. */
async function applyWithSnapshot(
  owner: bindings.BindingOwner,
  event: WebhookEvent,
  eventAt: number,
  stored: bindings.BindingRecord[],
) {
  const ownId = event.binding?.registration_id;
  const known = stored.find((b) => b.registration_id === ownId) ?? null;
  const own = await writeOwn(owner, event, eventAt, 'any', known);
  const { applied } = await reconcileSnapshot(owner, event, eventAt, stored);
  return { applied: applied + (own === 'applied' ? 1 : 0) };
}

/**
 * A snapshot lists ALL the AOR's bindings on the registrar after the change: its entries
 * are reports of those bindings, and a stored binding missing from it was dropped at the
 * event time. Only what would change how a binding shows is written: the bindings' own
 * events carry the rest, so a snapshot costs nothing when nothing was lost.
 */
async function reconcileSnapshot(
  owner: bindings.BindingOwner,
  event: WebhookEvent,
  eventAt: number,
  stored: bindings.BindingRecord[],
): Promise<{ applied: number }> {
  const snapshot = event.bindings;
  if (!snapshot) return { applied: 0 };
  const ownId = event.binding?.registration_id;
  const storedById = new Map(stored.map((b) => [b.registration_id, b]));
  const listed = new Set(snapshot.map((b) => b.registration_id));
  const changes: { id: string; transition: transitions.BindingEvent }[] = [
    ...snapshot.map((entry) => ({ id: entry.registration_id, transition: transitions.reported(eventAt, reportOf(entry)) })),
    ...stored
      .filter((b) => !listed.has(b.registration_id))
      .map((b) => ({ id: b.registration_id, transition: transitions.dropped(eventAt) })),
  ];
  const pending = changes
    .filter(({ id }) => id !== ownId)
    .filter(({ id, transition }) => {
      const current = storedById.get(id);
      return !transitions.sameResolved(current?.state, transitions.apply(current?.state, transition));
    })
    .map(({ id, transition }) => writes.applyBindingEvent(owner, id, transition, { known: storedById.get(id) ?? null }));
  return { applied: (await Promise.all(pending)).filter((outcome) => outcome === 'applied').length };
}

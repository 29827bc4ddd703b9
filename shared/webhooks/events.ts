import { createHash } from 'node:crypto';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { formatTimestamp } from '../ids.js';
import type { ExtensionEventPayload, RegistrationEventPayload, WebhookEventPayload } from '../schemas/webhookEvents.js';
import type { WebhookEventType } from '../schemas/webhooks.js';
import { fromItem as bindingFromItem, toView as registrationView, type BindingRecord } from '../entities/binding.js';
import * as Extension from '../entities/extension.js';

/**
 * Customer events derived from the table's change stream (NEW_AND_OLD_IMAGES), the same
 * code on Lambda and in npm start. Nothing on the request path or the registrar path
 * knows about events: they follow from how items change.
 *
 * Binding items (shared/store/bindings.ts), by their derived `ended_by` before and after
 * (the stored state is a report and its endings; the store's fromItem resolves them):
 * - new item live, or an ended one live again          -> registration.registered
 * - live -> 'unregistered' (device) / 'removed' (API)  -> registration.unregistered
 * - live -> 'expired' (the registrar's expiry)         -> registration.expired
 * - live item deleted by TTL, or already lapsed        -> registration.expired
 * - live item deleted with its extension               -> registration.unregistered
 * - live -> live (a refresh) and everything else       -> nothing
 * A duplicate or outdated registrar delivery is refused by the store's conditions and
 * writes nothing, so it reaches no stream record at all.
 *
 * Extension items: INSERT -> extension.created; REMOVE -> extension.deleted; MODIFY ->
 * extension.password_changed when the password changed, extension.updated when a field
 * the API shows changed (both when both did). Payloads never carry the password or HA1.
 */

/** A stream record reduced to what derivation needs (from Lambda's or the Streams API's shape). */
export interface ChangeRecord {
  /** The stream's eventID: unique per record, the same when a batch is retried. */
  eventId: string;
  eventName: 'INSERT' | 'MODIFY' | 'REMOVE';
  oldImage?: Record<string, unknown>;
  newImage?: Record<string, unknown>;
  /** DynamoDB's TTL sweeper deleted the item (userIdentity dynamodb.amazonaws.com). */
  byTtl: boolean;
  /** When the change was written (epoch ms; the stream has second precision). */
  approximateAt: number;
}

type AttributeMap = Record<string, unknown>;
interface RawStreamRecord {
  eventID?: string;
  eventName?: string;
  userIdentity?: { type?: string; principalId?: string } | null;
  dynamodb?: { OldImage?: AttributeMap; NewImage?: AttributeMap; ApproximateCreationDateTime?: number | Date };
}

/** Lambda's DynamoDBRecord and the Streams API's _Record have the same fields (time: seconds vs Date). */
export function changeRecordOf(raw: RawStreamRecord): ChangeRecord {
  const time = raw.dynamodb?.ApproximateCreationDateTime;
  const image = (map: AttributeMap | undefined) => (map ? unmarshall(map as never) : undefined);
  return {
    eventId: raw.eventID ?? '',
    eventName: (raw.eventName ?? 'MODIFY') as ChangeRecord['eventName'],
    oldImage: image(raw.dynamodb?.OldImage),
    newImage: image(raw.dynamodb?.NewImage),
    byTtl: raw.userIdentity?.type === 'Service' && raw.userIdentity.principalId === 'dynamodb.amazonaws.com',
    approximateAt: time instanceof Date ? time.getTime() : typeof time === 'number' ? time * 1000 : Date.now(),
  };
}

/**
 * The Lambda event filter (infra/webhookDelivery.ts) and the local poller both keep only
 * records that can yield an event; refreshes, credential items and delivery records are
 * dropped before any code runs. On Lambda the same rule is written as filter patterns.
 */
export const entityOf = (record: ChangeRecord) => String((record.newImage ?? record.oldImage)?.entity ?? '');

/** A deterministic id: retried batches produce the same event ids and delivery ids. */
const digest = (text: string) => createHash('sha256').update(text).digest();

export const eventIdOf = (streamEventId: string, type: WebhookEventType) =>
  `evt_${digest(`${streamEventId}|${type}`).toString('base64url').slice(0, 24)}`;

export interface DerivedEvent {
  customerId: string;
  /** Events of one resource share it: deliveries of one resource are kept in order. */
  resourceKey: string;
  /** Epoch ms of the change. */
  at: number;
  payload: WebhookEventPayload;
}

export function deriveEvents(record: ChangeRecord): DerivedEvent[] {
  const entity = entityOf(record);
  if (entity === 'binding') return bindingEvents(record);
  if (entity === 'extension') return extensionEvents(record);
  return [];
}

// ---- registrations ------------------------------------------------------------------

type Transition = { type: RegistrationEventPayload['type']; reason: RegistrationEventPayload['data']['reason']; binding: BindingRecord; at: number };

function bindingTransition(record: ChangeRecord): Transition | undefined {
  const before = record.oldImage ? bindingFromItem(record.oldImage) : undefined;
  const after = record.newImage ? bindingFromItem(record.newImage) : undefined;
  const wasLive = before !== undefined && before.ended_by === '';
  if (after) {
    const at = after.updated_at || record.approximateAt;
    const isLive = after.ended_by === '';
    if (isLive && !wasLive) return { type: 'registration.registered', reason: 'registered', binding: after, at };
    if (!wasLive || isLive) return undefined;
    if (after.ended_by === 'expired') return { type: 'registration.expired', reason: 'expired', binding: after, at };
    return {
      type: 'registration.unregistered',
      reason: after.ended_by === 'removed' ? 'api' : 'device',
      binding: after,
      at,
    };
  }
  // Deleted: by TTL, or with its extension. Only a binding still live on record was never reported ended.
  if (!wasLive) return undefined;
  const lapsed = before.expires_at <= record.approximateAt / 1000;
  if (record.byTtl || lapsed) return { type: 'registration.expired', reason: 'expired', binding: before, at: record.approximateAt };
  return { type: 'registration.unregistered', reason: 'extension_deleted', binding: before, at: record.approximateAt };
}

function bindingEvents(record: ChangeRecord): DerivedEvent[] {
  const t = bindingTransition(record);
  if (!t) return [];
  const b = t.binding;
  const payload: RegistrationEventPayload = {
    id: eventIdOf(record.eventId, t.type),
    type: t.type,
    timestamp: new Date(t.at).toISOString(),
    customer_id: b.customer_id,
    data: { extension_id: b.extension_id, reason: t.reason, registration: registrationView(b, t.at / 1000) },
  };
  return [{ customerId: b.customer_id, resourceKey: `registration:${b.extension_id}:${b.registration_id}`, at: t.at, payload }];
}

// ---- extensions ---------------------------------------------------------------------

const str = (item: AttributeMap, field: string) => (item[field] === undefined ? '' : String(item[field]));

/** The extension as the API shows it, without its password (and never HA1: not in the view). */
function extensionView(item: AttributeMap, tmDelete = ''): ExtensionEventPayload['data']['extension'] {
  const { password: _password, ...shown } = Extension.toView(Extension.fromItem(item), tmDelete);
  return shown;
}

/** What a receiver would see change: the view without its update time. */
const shownOf = (item: AttributeMap) => JSON.stringify({ ...extensionView(item), tm_update: '' });

const timeOf = (tm: string, fallback: number) => {
  const parsed = Date.parse(`${tm.replace(' ', 'T').slice(0, 23)}Z`);
  return Number.isFinite(parsed) ? parsed : fallback;
};

function extensionEvents(record: ChangeRecord): DerivedEvent[] {
  const before = record.oldImage;
  const after = record.newImage;
  const types: { type: ExtensionEventPayload['type']; item: AttributeMap; at: number; tmDelete?: string }[] = [];
  if (after && !before) types.push({ type: 'extension.created', item: after, at: timeOf(str(after, 'tm_create'), record.approximateAt) });
  if (before && !after) {
    types.push({ type: 'extension.deleted', item: before, at: record.approximateAt, tmDelete: formatTimestamp(record.approximateAt) });
  }
  if (before && after) {
    const at = timeOf(str(after, 'tm_update'), record.approximateAt);
    if (shownOf(before) !== shownOf(after)) types.push({ type: 'extension.updated', item: after, at });
    if (str(before, 'password') !== str(after, 'password')) types.push({ type: 'extension.password_changed', item: after, at });
  }
  return types.map(({ type, item, at, tmDelete }) => {
    const extension = extensionView(item, tmDelete);
    const payload: ExtensionEventPayload = {
      id: eventIdOf(record.eventId, type),
      type,
      timestamp: new Date(at).toISOString(),
      customer_id: extension.customer_id,
      data: { extension },
    };
    return { customerId: extension.customer_id, resourceKey: `extension:${extension.id}`, at, payload };
  });
}

import { marshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it } from 'vitest';
import { webhookStreamFilters } from '../infra/webhookDelivery.js';
import { webhookEventPayload } from '../shared/schemas/webhookEvents.js';
import { changeRecordOf, deriveEvents } from '../shared/webhooks/events.js';

/**
 * Event derivation from stream records, case by case, including what the local table
 * cannot produce on demand (a TTL sweep, a binding deleted with its extension), and the
 * Lambda filter patterns agreeing with it.
 */
const NOW = Date.UTC(2026, 11, 1, 12, 0, 0);
/**
 * A binding item as the store writes it (shared/store/bindings.ts): the newest report and
 * its endings. `ended_by` here is shorthand for one ending just after the report.
 */
const binding = ({ ended_by, ...over }: Record<string, unknown> = {}) => {
  const item = bindingItem(over);
  // The registrar's expiry counts from the report's expiry on; the others at once.
  const at = ended_by === 'expired' ? item.expires_at : NOW / 1000 + 1;
  return { ...item, endings: ended_by ? [{ kind: ended_by, at }] : [] };
};
const bindingItem = (over: Record<string, unknown>) => ({
  PK: 'CUSTOMER#c1#EXTENSION#e1',
  SK: 'BINDING#uloc-1',
  entity: 'binding',
  customer_id: 'c1',
  extension_id: 'e1',
  registration_id: 'uloc-1',
  aor: '1001@acme.sip.test',
  contact: 'sip:1001@10.0.0.5:5060',
  received: '',
  user_agent: 'phone',
  call_id: 'c',
  cseq: 1,
  expires_at: NOW / 1000 + 300,
  seen_at: NOW / 1000,
  first_at: NOW / 1000,
  rev: 1,
  ttl: NOW / 1000 + 86400,
  ...over,
});
const extension = (over: Record<string, unknown> = {}) => ({
  PK: 'CUSTOMER#c1#EXTENSION#e1',
  SK: '#EXTENSION',
  entity: 'extension',
  id: 'e1',
  customer_id: 'c1',
  name: '',
  detail: '',
  domain_id: 'd1',
  extension: '1001',
  password: 'Secret1234pw',
  direct_hash: 'abcdefabcdef',
  realm: 'acme.sip.test',
  tm_create: '2026-12-01 12:00:00.000000',
  tm_update: '',
  ...over,
});

let n = 0;
/** A record in the stream's wire shape (what Lambda and the Streams API hand over). */
function raw(eventName: 'INSERT' | 'MODIFY' | 'REMOVE', oldImage?: Record<string, unknown>, newImage?: Record<string, unknown>, ttl = false) {
  const image = newImage ?? oldImage!;
  return {
    eventID: `ev-${++n}`,
    eventName,
    ...(ttl ? { userIdentity: { type: 'Service', principalId: 'dynamodb.amazonaws.com' } } : {}),
    dynamodb: {
      ApproximateCreationDateTime: NOW / 1000,
      Keys: marshall({ PK: image.PK, SK: image.SK }),
      ...(oldImage ? { OldImage: marshall(oldImage) } : {}),
      ...(newImage ? { NewImage: marshall(newImage) } : {}),
    },
  };
}
const typesOf = (record: ReturnType<typeof raw>) => deriveEvents(changeRecordOf(record)).map((e) => e.payload.type);

describe('registration events from binding changes', () => {
  it.each([
    ['a new live binding', raw('INSERT', undefined, binding()), ['registration.registered']],
    ['a refresh (live before and after)', raw('MODIFY', binding(), binding({ cseq: 3, expires_at: NOW / 1000 + 600 })), []],
    ['an ended binding live again', raw('MODIFY', binding({ ended_by: 'removed' }), binding({ cseq: 5 })), ['registration.registered']],
    ['unregistered by the device', raw('MODIFY', binding(), binding({ ended_by: 'unregistered' })), ['registration.unregistered']],
    ['removed by the API', raw('MODIFY', binding(), binding({ ended_by: 'removed' })), ['registration.unregistered']],
    ['expired by the registrar', raw('MODIFY', binding(), binding({ ended_by: 'expired' })), ['registration.expired']],
    ['an ended binding changed again', raw('MODIFY', binding({ ended_by: 'expired' }), binding({ ended_by: 'removed' })), []],
    ['history recorded for an unknown binding', raw('INSERT', undefined, binding({ ended_by: 'unregistered' })), []],
    ['a live binding swept by TTL', raw('REMOVE', binding(), undefined, true), ['registration.expired']],
    ['a lapsed binding deleted', raw('REMOVE', binding({ expires_at: NOW / 1000 - 5 }), undefined), ['registration.expired']],
    ['a live binding deleted with its extension', raw('REMOVE', binding(), undefined), ['registration.unregistered']],
    ['an ended binding swept by TTL', raw('REMOVE', binding({ ended_by: 'expired' }), undefined, true), []],
  ])('%s', (_what, record, expected) => {
    expect(typesOf(record)).toEqual(expected);
  });

  it('says why a registration ended, and shows it as GET .../registrations does', () => {
    const [removed] = deriveEvents(changeRecordOf(raw('MODIFY', binding(), binding({ ended_by: 'removed', expires_at: NOW / 1000 }))));
    expect(webhookEventPayload.parse(removed!.payload)).toMatchObject({
      type: 'registration.unregistered',
      customer_id: 'c1',
      data: {
        extension_id: 'e1',
        reason: 'api',
        registration: { registration_id: 'uloc-1', contact_address: 'sip:1001@10.0.0.5:5060', device: 'phone', expires: 0 },
      },
    });
    const [deleted] = deriveEvents(changeRecordOf(raw('REMOVE', binding(), undefined)));
    expect((deleted!.payload as any).data.reason).toBe('extension_deleted');
  });
});

describe('extension events', () => {
  it.each([
    ['created', raw('INSERT', undefined, extension()), ['extension.created']],
    ['renamed', raw('MODIFY', extension(), extension({ name: 'desk', tm_update: '2026-12-01 12:01:00.000000' })), ['extension.updated']],
    ['password changed', raw('MODIFY', extension(), extension({ password: 'N3wPassword99' })), ['extension.password_changed']],
    ['renamed and new password', raw('MODIFY', extension(), extension({ name: 'x', password: 'N3wPassword99' })), ['extension.updated', 'extension.password_changed']],
    ['direct hash regenerated', raw('MODIFY', extension(), extension({ direct_hash: '012345012345' })), ['extension.updated']],
    ['nothing shown changed', raw('MODIFY', extension(), extension({ some_counter: 2 })), []],
    ['deleted', raw('REMOVE', extension(), undefined), ['extension.deleted']],
  ])('%s', (_what, record, expected) => {
    expect(typesOf(record)).toEqual(expected);
  });

  it('never carries the password (or anything not in the extension view)', () => {
    for (const record of [raw('INSERT', undefined, extension()), raw('MODIFY', extension(), extension({ password: 'N3wPassword99' }))]) {
      for (const event of deriveEvents(changeRecordOf(record))) {
        const text = JSON.stringify(event.payload);
        expect(text).not.toContain('Secret1234pw');
        expect(text).not.toContain('N3wPassword99');
        expect(webhookEventPayload.parse(event.payload)).toBeTruthy();
        expect(Object.keys((event.payload as any).data.extension)).not.toContain('password');
      }
    }
  });
});

describe('other items', () => {
  it.each([
    ['a credential item', { PK: 'SIPUSER#acme#1001', SK: '#LOOKUP', entity: 'sip-credential', ha1: 'x' }],
    ['a delivery record', { PK: 'CUSTOMER#c1#WEBHOOK#w', SK: 'DELIVERY#d', entity: 'webhook-delivery' }],
    ['a webhook', { PK: 'CUSTOMER#c1', SK: 'WEBHOOK#w', entity: 'webhook' }],
  ])('%s is no event', (_what, item) => {
    expect(typesOf(raw('INSERT', undefined, item))).toEqual([]);
  });

  it('gives the same event id for the same stream record (a retried batch) and distinct ones otherwise', () => {
    const record = raw('INSERT', undefined, binding());
    const a = deriveEvents(changeRecordOf(record))[0]!.payload.id;
    const b = deriveEvents(changeRecordOf(record))[0]!.payload.id;
    const c = deriveEvents(changeRecordOf(raw('INSERT', undefined, binding())))[0]!.payload.id;
    expect(a).toBe(b);
    expect(c).not.toBe(a);
  });
});

/**
 * Lambda's event filtering, the subset the patterns use: exact strings and anything-but,
 * nested objects, and a field that must be present. Enough to check that the filters
 * let through every record that yields an event and hold back refreshes.
 */
function matches(pattern: unknown, value: unknown): boolean {
  if (Array.isArray(pattern)) {
    return pattern.some((rule) =>
      typeof rule === 'object' && rule !== null && 'anything-but' in rule
        ? value !== undefined && !(rule as { 'anything-but': unknown[] })['anything-but'].includes(value)
        : value === rule,
    );
  }
  if (typeof pattern === 'object' && pattern !== null) {
    if (typeof value !== 'object' || value === null) return false;
    return Object.entries(pattern).every(([key, sub]) => matches(sub, (value as Record<string, unknown>)[key]));
  }
  return false;
}
const passesFilters = (record: ReturnType<typeof raw>) => webhookStreamFilters.some((pattern) => matches(pattern, record));

describe('the Lambda stream filters (infra/webhookDelivery.ts)', () => {
  const cases: ReturnType<typeof raw>[] = [
    raw('INSERT', undefined, binding()),
    raw('MODIFY', binding(), binding({ cseq: 3 })),
    raw('MODIFY', binding({ ended_by: 'removed' }), binding()),
    raw('MODIFY', binding(), binding({ ended_by: 'unregistered' })),
    raw('MODIFY', binding(), binding({ ended_by: 'expired' })),
    raw('MODIFY', binding({ ended_by: 'expired' }), binding({ ended_by: 'removed' })),
    raw('INSERT', undefined, binding({ ended_by: 'unregistered' })),
    raw('REMOVE', binding(), undefined, true),
    raw('REMOVE', binding({ ended_by: 'expired' }), undefined, true),
    raw('INSERT', undefined, extension()),
    raw('MODIFY', extension(), extension({ name: 'x' })),
    raw('REMOVE', extension(), undefined),
    raw('INSERT', undefined, { PK: 'CUSTOMER#c1#WEBHOOK#w', SK: 'DELIVERY#d', entity: 'webhook-delivery' }),
  ];

  it('pass every record that yields an event', () => {
    for (const record of cases) if (typesOf(record).length) expect(passesFilters(record), JSON.stringify(record)).toBe(true);
  });

  it('hold back delivery records; pass binding refreshes, which derive no event', () => {
    expect(passesFilters(cases[12]!)).toBe(false);
    // Liveness is derived from the report and its endings: no pattern can tell a refresh.
    expect(passesFilters(cases[1]!)).toBe(true);
    expect(typesOf(cases[1]!)).toEqual([]);
  });

  it('are at most 5 (the default limit of filters per event source mapping)', () => {
    expect(webhookStreamFilters.length).toBeLessThanOrEqual(5);
  });
});


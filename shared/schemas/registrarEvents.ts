import * as z from 'zod/mini';
import { described, entityId } from './common.js';
import { printable } from './registrarText.js';
import { deferred } from './deferred.js';

/* Registration events the registrar delivers to the webhook (docs/registrar-protocol.md). */

/** Kamailio may hand numbers over as strings (jansson from a pv): accept both. */
const numeric = <T extends z.ZodMiniNumber>(schema: T) =>
  z.pipe(
    z.transform((v: unknown) => (typeof v === 'string' && /^\d+(\.\d+)?$/.test(v) ? Number(v) : v)),
    schema,
  );

/** Text from the device: accepted as sent, stored and served printable (registrarText.ts). */
const deviceText = (maxLength: number, what: string) =>
  described(
    z.pipe(
      z.string(),
      z.transform((text) => printable(text, maxLength)),
    ),
    `${what}; control characters and lone surrogates become U+FFFD, text past ${maxLength} characters is cut`,
  );

const bindingFields = deferred(() => ({
  registration_id: z.string().check(z.minLength(1), z.maxLength(256)),
  contact: deviceText(2048, 'Contact URI'),
  received: z.optional(deviceText(2048, 'source address when NAT was seen')),
  user_agent: z.optional(deviceText(512, 'User-Agent')),
  call_id: deviceText(512, 'Call-ID of the REGISTER'),
  cseq: numeric(z.int().check(z.minimum(0), z.maximum(2 ** 32))),
  expires_at: numeric(z.number().check(z.minimum(0), z.maximum(2 ** 40))),
}));

/** A binding in full: registered / refreshed / snapshot entries. */
export const webhookBinding = deferred(() => z.object(bindingFields).check(z.meta({ id: 'WebhookBinding' })));
/** `expired`: the binding as the registrar last knew it; call_id/cseq strongly advised. */
const expiredBinding = deferred(() => z.object({
  ...bindingFields,
  contact: z.optional(bindingFields.contact),
  call_id: z.optional(bindingFields.call_id),
  cseq: z.optional(bindingFields.cseq),
}));
/** `unregistered`: at least the registration_id. */
const unregisteredBinding = deferred(() => z.required(z.partial(expiredBinding), { registration_id: true }));

const snapshot = deferred(() => z.optional(z.array(webhookBinding).check(z.maxLength(100))));
const common = deferred(() => ({
  aor: z.string().check(z.minLength(3), z.maxLength(400), z.describe('username@realm')),
  customer_id: described(
    z.optional(entityId),
    "the AOR's customer, as the credential lookup named it (the registrar's cache); with extension_id it lets the API write a known binding without a read",
  ),
  extension_id: described(z.optional(entityId), "the AOR's extension, as the credential lookup named it"),
  bindings: described(snapshot, "snapshot of ALL the AOR's bindings after the change"),
  event_time: described(
    z.optional(numeric(z.number().check(z.minimum(0), z.maximum(2 ** 40)))),
    'unix seconds (may be fractional) when the registrar saw the change; default X-Registrar-Timestamp',
  ),
}));

export const webhookEvent = deferred(() => z
  .discriminatedUnion('event', [
    z.object({ event: z.literal('registered'), binding: webhookBinding, ...common }),
    z.object({ event: z.literal('refreshed'), binding: webhookBinding, ...common }),
    z.object({ event: z.literal('expired'), binding: expiredBinding, ...common }),
    z.object({ event: z.literal('unregistered'), binding: z.optional(unregisteredBinding), ...common }),
  ])
  .check(
    z.refine((e) => e.event !== 'unregistered' || e.binding !== undefined || e.bindings !== undefined, {
      message: 'unregistered needs binding and/or bindings',
      path: ['binding'],
    }),
    z.meta({ id: 'WebhookEvent' }),
  ));

export type WebhookEvent = z.output<typeof webhookEvent>;
export type WebhookBinding = z.output<typeof webhookBinding>;

/** The most events one batch may carry: more is 413 and nothing is applied. */
export const MAX_BATCH_EVENTS = 500;

/**
 * Protocol 2: many events in one signed delivery. Each entry is a WebhookEvent, checked
 * one by one: a malformed entry is rejected alone (its result says why), the others apply.
 */
export const webhookBatch = deferred(() => z
  .strictObject({
    events: z
      .array(described(z.unknown(), 'a WebhookEvent'))
      .check(
        z.minLength(1),
        z.describe(`1..${MAX_BATCH_EVENTS} WebhookEvent objects, applied as if delivered one by one; more is 413`),
      ),
  })
  .check(z.meta({ id: 'WebhookBatch' })));

const issuesOf = (issues: readonly { path: PropertyKey[]; message: string }[]) =>
  issues.map((issue) => `${issue.path.length ? issue.path.map(String).join('.') : 'body'}: ${issue.message}`).join('; ');

/**
 * A delivery is one event (protocol 1) or a batch (protocol 2, `events`). When neither
 * fits, the problems of the shape the body looks like are named (not zod's bare
 * "Invalid input" of a union).
 */
// z.lazy keeps WebhookEvent a named component: the generator flattens a union nested
// directly in a union, and the event's own name would be lost.
export const webhookDelivery = deferred(() => z.union([webhookBatch, z.lazy(() => webhookEvent)], {
  error: (issue) => {
    if (issue.code !== 'invalid_union' || !('errors' in issue)) return undefined;
    const looksLikeBatch = typeof issue.input === 'object' && issue.input !== null && 'events' in issue.input;
    return issuesOf(issue.errors[looksLikeBatch ? 0 : 1] ?? []);
  },
}));

export type WebhookDelivery = z.output<typeof webhookDelivery>;

export const eventResult = deferred(() => z
  .object({
    index: described(z.int(), "the event's position in `events`"),
    outcome: described(
      z.enum(['applied', 'unchanged', 'rejected']),
      'applied: bindings changed; unchanged: a duplicate or an outdated event; rejected: see reason',
    ),
    applied: described(z.optional(z.int()), 'bindings this event changed'),
    reason: described(z.optional(z.string()), 'why it was rejected: INVALID_EVENT, AOR_NOT_FOUND, INVALID_EVENT_TIME'),
    message: z.optional(z.string()),
  })
  .check(z.meta({ id: 'WebhookEventResult' })));

export const webhookReply = deferred(() => z.object({
  status: z.literal('ok'),
  applied: described(z.int(), 'bindings changed by this delivery; 0 for a duplicate or an outdated event'),
  rejected: described(z.optional(z.int()), 'batches only: events rejected'),
  results: described(z.optional(z.array(eventResult)), 'batches only: one result per event, in order'),
}).check(z.meta({ id: 'WebhookReply' })));

export type WebhookReply = z.output<typeof webhookReply>;
export type WebhookEventResult = z.output<typeof eventResult>;

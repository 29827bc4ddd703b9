import * as z from 'zod';
import { entityId, listOf, pageQuery, timestamp } from './common.js';
import { printable } from './registrarText.js';

// ---- Customer-facing (Telphin's registration API, docs/registrations.md) ----

export const registration = z.object({
  registration_id: z.string().describe("the registrar's ruid, e.g. uloc-572b0ffb-6d47-001"),
  contact_address: z.string().describe('Contact URI the device registered'),
  real_address: z.string().describe('where the REGISTER really came from (NAT); "" when the same'),
  device: z.string().describe('User-Agent of the device'),
  expires: z.number().int().describe('seconds until the registration lapses; 0 once it has'),
  tm_expire: timestamp,
  tm_create: timestamp,
  tm_update: timestamp,
}).meta({ id: 'Registration' });

export const regInfo = z.object({
  extension_id: z.string(),
  registered: z.boolean().describe('true when at least one registration is live'),
  registrations: z
    .array(registration)
    .describe('the live registrations; when none is live, the last ended ones (at most 10), most recent first'),
}).meta({ id: 'RegInfo' });

export const extensionRegistrationsParams = z.object({ id: entityId });
/** A registration_id longer than the registrar's (<= 256) names nothing: 404. */
export const registrationParams = z.object({ id: entityId, registration_id: z.string().min(1).max(256) });

export const MAX_EXTENSION_IDS = 100;

/** ?extension_id=A&extension_id=B (repeated, as in the seed; "A,B" also works). */
export const registrationsQuery = pageQuery.extend({
  extension_id: z
    .union([z.string(), z.array(z.string())])
    .optional()
    .transform((value) =>
      value === undefined
        ? undefined
        : (Array.isArray(value) ? value : [value]).flatMap((v) => v.split(',')).map((v) => v.trim()),
    )
    .pipe(
      z
        .array(z.string().min(1, 'an extension_id is empty'))
        .min(1)
        .max(MAX_EXTENSION_IDS, `at most ${MAX_EXTENSION_IDS} extension_id values per request`)
        .optional(),
    )
    .describe(`1..${MAX_EXTENSION_IDS} extension ids, repeated; omit to page through every extension with registration data`),
});

export const regInfoList = z.union([
  z.array(regInfo).describe('with extension_id: one RegInfo per id asked, in the order asked'),
  listOf(regInfo).describe('without extension_id: a page of the extensions that have registration data'),
]);

// ---- Registrar-facing (docs/registrar-protocol.md) ----

export const credentialsQuery = z.object({
  username: z.string().min(1).max(128),
  realm: z.string().min(1).max(253),
});

export const credentials = z.object({
  extension_id: z.string(),
  customer_id: z.string(),
  ha1: z.string().describe('md5(username:realm:password)'),
  ha1b: z.string().describe('md5(username@realm:realm:password)'),
}).meta({ id: 'RegistrarCredentials' });

/** Kamailio may hand numbers over as strings (jansson from a pv): accept both. */
const numeric = (schema: z.ZodNumber) =>
  z.preprocess((v) => (typeof v === 'string' && /^\d+(\.\d+)?$/.test(v) ? Number(v) : v), schema);

/** Text from the device: accepted as sent, stored and served printable (registrarText.ts). */
const deviceText = (maxLength: number, what: string) =>
  z
    .string()
    .transform((text) => printable(text, maxLength))
    .describe(`${what}; control characters and lone surrogates become U+FFFD, text past ${maxLength} characters is cut`);

const bindingFields = {
  registration_id: z.string().min(1).max(256),
  contact: deviceText(2048, 'Contact URI'),
  received: deviceText(2048, 'source address when NAT was seen').optional(),
  user_agent: deviceText(512, 'User-Agent').optional(),
  call_id: deviceText(512, 'Call-ID of the REGISTER'),
  cseq: numeric(z.number().int().min(0).max(2 ** 32)),
  expires_at: numeric(z.number().min(0).max(2 ** 40)),
};

/** A binding in full: registered / refreshed / snapshot entries. */
export const webhookBinding = z.object(bindingFields).meta({ id: 'WebhookBinding' });
/** `expired`: the binding as the registrar last knew it; call_id/cseq strongly advised. */
const expiredBinding = z.object({
  ...bindingFields,
  contact: bindingFields.contact.optional(),
  call_id: bindingFields.call_id.optional(),
  cseq: bindingFields.cseq.optional(),
});
/** `unregistered`: at least the registration_id. */
const unregisteredBinding = expiredBinding.partial().required({ registration_id: true });

const snapshot = z.array(webhookBinding).max(100).optional();
const common = {
  aor: z.string().min(3).max(400).describe('username@realm'),
  customer_id: entityId
    .optional()
    .describe("the AOR's customer, as the credential lookup named it (the registrar's cache); with extension_id it lets the API write a known binding without a read"),
  extension_id: entityId.optional().describe("the AOR's extension, as the credential lookup named it"),
  bindings: snapshot.describe("snapshot of ALL the AOR's bindings after the change"),
  event_time: numeric(z.number().min(0).max(2 ** 40))
    .optional()
    .describe('unix seconds (may be fractional) when the registrar saw the change; default X-Registrar-Timestamp'),
};

export const webhookEvent = z
  .discriminatedUnion('event', [
    z.object({ event: z.literal('registered'), binding: webhookBinding, ...common }),
    z.object({ event: z.literal('refreshed'), binding: webhookBinding, ...common }),
    z.object({ event: z.literal('expired'), binding: expiredBinding, ...common }),
    z.object({ event: z.literal('unregistered'), binding: unregisteredBinding.optional(), ...common }),
  ])
  .refine((e) => e.event !== 'unregistered' || e.binding !== undefined || e.bindings !== undefined, {
    message: 'unregistered needs binding and/or bindings',
    path: ['binding'],
  })
  .meta({ id: 'WebhookEvent' });

export type WebhookEvent = z.output<typeof webhookEvent>;
export type WebhookBinding = z.output<typeof webhookBinding>;

/** The most events one batch may carry: more is 413 and nothing is applied. */
export const MAX_BATCH_EVENTS = 500;

/**
 * Protocol 2: many events in one signed delivery. Each entry is a WebhookEvent, checked
 * one by one: a malformed entry is rejected alone (its result says why), the others apply.
 */
export const webhookBatch = z
  .object({
    events: z
      .array(z.unknown().describe('a WebhookEvent'))
      .min(1)
      .describe(`1..${MAX_BATCH_EVENTS} WebhookEvent objects, applied as if delivered one by one; more is 413`),
  })
  .strict()
  .meta({ id: 'WebhookBatch' });

const issuesOf = (issues: readonly { path: PropertyKey[]; message: string }[]) =>
  issues.map((issue) => `${issue.path.length ? issue.path.map(String).join('.') : 'body'}: ${issue.message}`).join('; ');

/**
 * A delivery is one event (protocol 1) or a batch (protocol 2, `events`). When neither
 * fits, the problems of the shape the body looks like are named (not zod's bare
 * "Invalid input" of a union).
 */
// z.lazy keeps WebhookEvent a named component: the generator flattens a union nested
// directly in a union, and the event's own name would be lost.
export const webhookDelivery = z.union([webhookBatch, z.lazy(() => webhookEvent)], {
  error: (issue) => {
    if (issue.code !== 'invalid_union' || !('errors' in issue)) return undefined;
    const looksLikeBatch = typeof issue.input === 'object' && issue.input !== null && 'events' in issue.input;
    return issuesOf(issue.errors[looksLikeBatch ? 0 : 1] ?? []);
  },
});

export type WebhookDelivery = z.output<typeof webhookDelivery>;

export const eventResult = z
  .object({
    index: z.number().int().describe("the event's position in `events`"),
    outcome: z
      .enum(['applied', 'unchanged', 'rejected'])
      .describe('applied: bindings changed; unchanged: a duplicate or an outdated event; rejected: see reason'),
    applied: z.number().int().optional().describe('bindings this event changed'),
    reason: z.string().optional().describe('why it was rejected: INVALID_EVENT, AOR_NOT_FOUND, INVALID_EVENT_TIME'),
    message: z.string().optional(),
  })
  .meta({ id: 'WebhookEventResult' });

export const webhookReply = z.object({
  status: z.literal('ok'),
  applied: z.number().int().describe('bindings changed by this delivery; 0 for a duplicate or an outdated event'),
  rejected: z.number().int().optional().describe('batches only: events rejected'),
  results: z.array(eventResult).optional().describe('batches only: one result per event, in order'),
}).meta({ id: 'WebhookReply' });

export type WebhookReply = z.output<typeof webhookReply>;
export type WebhookEventResult = z.output<typeof eventResult>;

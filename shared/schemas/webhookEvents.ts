import * as z from 'zod/mini';
import { view as extensionView } from '../entities/extension.js';
import { registration } from './registrations.js';
import { deferred } from './deferred.js';

/*
 * What a webhook delivers (docs/webhooks.md): built by the stream function
 * (shared/webhooks/events.ts) and documented in the OpenAPI document. Apart from the
 * subscription schemas (webhooks.ts) so that the subscription routes' bundles do not
 * build the registration and extension views at cold start.
 */

const d = z.describe;

/** The extension as the API shows it (shared/entities/extension.ts), without its password. */
const { password: _password, ...extensionShown } = extensionView.shape;
export const webhookExtension = deferred(() => z.object(extensionShown).check(z.meta({ id: 'WebhookExtension' })));

const eventEnvelope = deferred(() => ({
  id: z.string().check(d('unique per event; the same in every delivery of it (deduplicate on webhook-id)')),
  timestamp: z.string().check(d('when the change happened, ISO 8601 UTC')),
  customer_id: z.string(),
}));

export const registrationEvent = deferred(() => z
  .object({
    ...eventEnvelope,
    type: z.enum(['registration.registered', 'registration.unregistered', 'registration.expired']),
    data: z.object({
      extension_id: z.string(),
      reason: z
        .enum(['registered', 'device', 'api', 'extension_deleted', 'expired'])
        .check(d('device: the device unregistered; api: DELETE .../registrations; extension_deleted; expired')),
      registration,
    }),
  })
  .check(z.meta({ id: 'RegistrationEvent' })));

export const extensionEvent = deferred(() => z
  .object({
    ...eventEnvelope,
    type: z.enum(['extension.created', 'extension.updated', 'extension.deleted', 'extension.password_changed']),
    data: z.object({ extension: webhookExtension }),
  })
  .check(z.meta({ id: 'ExtensionEvent' })));

export const webhookEventPayload = deferred(() => z.union([registrationEvent, extensionEvent]).check(z.meta({ id: 'WebhookEventPayload' })));
export type WebhookEventPayload = z.output<typeof webhookEventPayload>;
export type RegistrationEventPayload = z.output<typeof registrationEvent>;
export type ExtensionEventPayload = z.output<typeof extensionEvent>;

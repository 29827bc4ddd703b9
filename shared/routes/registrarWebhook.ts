import { webhookDelivery, webhookReply } from '../schemas/registrarEvents.js';
import { uses } from './access.js';
import { defineRoute } from './route.js';

/** Registration events from the registrar (docs/registrar-protocol.md); one of registrarRoutes (registrar.ts). */
export const webhookRoute = defineRoute({
  operationId: 'postRegistrarWebhook',
  method: 'POST',
  path: '/v1.0/registrar/webhook',
  handler: 'functions/registrar/webhook.ts',
  auth: 'registrar-signed',
  table: 'write',
  // The credential lookup: an event without the owner's ids is resolved by its AOR.
  access: [uses.registrar.credentials, uses.extensions.withBindings, uses.registrations.write],
  needs: ['registrarSecrets', 'retention'],
  summary: 'Registration events from the registrar (signed), one or a batch; idempotent and order-safe',
  tag: 'Registrar',
  body: webhookDelivery,
  // A batch of up to 500 events with their snapshots; every other route keeps 64 KB.
  maxBodyBytes: 512 * 1024,
  responses: {
    200: {
      description: 'Applied; applied = bindings changed (0 for a duplicate); a batch has one result per event',
      schema: webhookReply,
    },
  },
});

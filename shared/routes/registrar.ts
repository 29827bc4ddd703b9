import { credentials, credentialsQuery, webhookDelivery, webhookReply } from '../schemas/registrations.js';
import { uses } from './access.js';
import { defineRoute } from './route.js';

const tag = 'Registrar';

/** Called by the SIP registrar only (docs/registrar-protocol.md), never by customers. */
export const registrarRoutes = {
  credentials: defineRoute({
    operationId: 'getRegistrarCredentials',
    method: 'GET',
    path: '/v1.0/registrar/credentials',
    handler: 'functions/registrar/credentials.ts',
    auth: 'registrar-bearer',
    table: 'read',
    access: [uses.registrar.credentials],
    needs: ['registrarSecrets'],
    summary: 'Digest credentials (HA1) of a SIP user, for the registrar; Bearer registrar secret',
    tag,
    query: credentialsQuery,
    responses: { 200: { description: 'The extension and its HA1 values', schema: credentials } },
  }),
  webhook: defineRoute({
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
    tag,
    body: webhookDelivery,
    // A batch of up to 500 events with their snapshots; every other route keeps 64 KB.
    maxBodyBytes: 512 * 1024,
    responses: {
      200: {
        description: 'Applied; applied = bindings changed (0 for a duplicate); a batch has one result per event',
        schema: webhookReply,
      },
    },
  }),
};

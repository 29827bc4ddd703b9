import { credentials, credentialsQuery, webhookEvent, webhookReply } from '../schemas/registrations.js';
import { defineRoute } from './route.js';

const tag = 'Registrar';

/** Called by the SIP registrar only (docs/registrar-protocol.md), never by customers. */
export const registrarRoutes = {
  credentials: defineRoute({
    operationId: 'getRegistrarCredentials',
    method: 'GET',
    path: '/v1.0/registrar/credentials',
    handler: 'functions/registrar/credentials.ts',
    auth: 'registrar',
    table: 'read',
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
    auth: 'registrar',
    table: 'write',
    needs: ['registrarSecrets', 'retention'],
    summary: 'Registration events from the registrar (signed); idempotent and order-safe',
    tag,
    body: webhookEvent,
    responses: { 200: { description: 'Applied; applied = bindings changed (0 for a duplicate)', schema: webhookReply } },
  }),
};

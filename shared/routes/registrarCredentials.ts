import { credentials, credentialsQuery } from '../schemas/registrarCredentials.js';
import { uses } from './access.js';
import { defineRoute } from './route.js';

/** The registrar's credential lookup (docs/registrar-protocol.md); one of registrarRoutes (registrar.ts). */
export const credentialsRoute = defineRoute({
  operationId: 'getRegistrarCredentials',
  method: 'GET',
  path: '/v1.0/registrar/credentials',
  handler: 'functions/registrar/credentials.ts',
  auth: 'registrar-bearer',
  table: 'read',
  access: [uses.registrar.credentials],
  needs: ['registrarSecrets'],
  summary: 'Digest credentials (HA1) of a SIP user, for the registrar; Bearer registrar secret',
  tag: 'Registrar',
  query: credentialsQuery,
  responses: { 200: { description: 'The extension and its HA1 values', schema: credentials } },
});

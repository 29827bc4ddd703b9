import { credentialsRoute } from './registrarCredentials.js';
import { webhookRoute } from './registrarWebhook.js';

/**
 * Called by the SIP registrar only (docs/registrar-protocol.md), never by customers.
 * Each route has its own module, and each function imports only its own: the credential
 * lookup's bundle then builds none of the event schemas at cold start (issue 14).
 */
export const registrarRoutes = { credentials: credentialsRoute, webhook: webhookRoute };

import { applyRegistrarDelivery } from '../../shared/domain/webhook.js';
import { registrarHandler } from '../../shared/http/registrarHandler.js';
import { webhookRoute } from '../../shared/routes/registrarWebhook.js';

// Events are ordered and expired by the time the registrar signed them, not when they arrived.
export const handler = registrarHandler(webhookRoute, async ({ body, auth }) =>
  applyRegistrarDelivery(body, auth.timestamp),
);

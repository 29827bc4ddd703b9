import { httpHandler } from '../../shared/http/handler.js';
import { webhookRoutes } from '../../shared/routes/webhooks.js';
import { updateWebhook } from '../../shared/webhooks/subscriptions.js';

export const handler = httpHandler(webhookRoutes.update, ({ customerId, params, body }) => updateWebhook(customerId, params.id, body));

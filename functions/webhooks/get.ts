import { httpHandler } from '../../shared/http/handler.js';
import { webhookRoutes } from '../../shared/routes/webhooks.js';
import { getWebhook } from '../../shared/webhooks/subscriptions.js';

export const handler = httpHandler(webhookRoutes.get, ({ customerId, params }) => getWebhook(customerId, params.id));

import { httpHandler } from '../../shared/http/handler.js';
import { webhookRoutes } from '../../shared/routes/webhooks.js';
import { deleteWebhook } from '../../shared/webhooks/subscriptions.js';

export const handler = httpHandler(webhookRoutes.delete, ({ customerId, params }) => deleteWebhook(customerId, params.id));

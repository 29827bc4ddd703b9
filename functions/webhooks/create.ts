import { httpHandler } from '../../shared/http/handler.js';
import { webhookRoutes } from '../../shared/routes/webhooks.js';
import { createWebhook } from '../../shared/webhooks/subscriptions.js';

export const handler = httpHandler(webhookRoutes.create, ({ customerId, body }) => createWebhook(customerId, body));

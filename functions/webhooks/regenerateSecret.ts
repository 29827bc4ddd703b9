import { httpHandler } from '../../shared/http/handler.js';
import { webhookRoutes } from '../../shared/routes/webhooks.js';
import { regenerateWebhookSecret } from '../../shared/webhooks/subscriptions.js';

export const handler = httpHandler(webhookRoutes.regenerateSecret, ({ customerId, params }) =>
  regenerateWebhookSecret(customerId, params.id),
);

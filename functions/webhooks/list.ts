import { httpHandler } from '../../shared/http/handler.js';
import { webhookRoutes } from '../../shared/routes/webhooks.js';
import { listWebhooks } from '../../shared/webhooks/subscriptions.js';

export const handler = httpHandler(webhookRoutes.list, ({ customerId }) => listWebhooks(customerId));

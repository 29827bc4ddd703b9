import { httpHandler } from '../../shared/http/handler.js';
import { webhookRoutes } from '../../shared/routes/webhooks.js';
import { requestRedelivery } from '../../shared/webhooks/deliveries.js';
import { deliveryQueue } from '../../shared/webhooks/queue.js';

export const handler = httpHandler(webhookRoutes.redeliver, ({ customerId, params }) =>
  requestRedelivery(customerId, params.id, params.delivery_id, deliveryQueue),
);

import { httpHandler } from '../../shared/http/handler.js';
import { webhookRoutes } from '../../shared/routes/webhooks.js';
import { listDeliveries } from '../../shared/webhooks/deliveries.js';

export const handler = httpHandler(webhookRoutes.listDeliveries, ({ customerId, params, query }) =>
  listDeliveries(customerId, params.id, { pageSize: query.page_size, pageToken: query.page_token }),
);

import { updateDomain } from '../../shared/domain/domains.js';
import { httpHandler } from '../../shared/http/handler.js';
import { domainRoutes } from '../../shared/routes/domains.js';

export const handler = httpHandler(domainRoutes.update, ({ customerId, params, body }) =>
  updateDomain(customerId, params.id, body),
);

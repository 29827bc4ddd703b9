import { getDomain } from '../../shared/domain/domains.js';
import { httpHandler } from '../../shared/http/handler.js';
import { domainRoutes } from '../../shared/routes/domains.js';

export const handler = httpHandler(domainRoutes.get, ({ customerId, params }) => getDomain(customerId, params.id));

import { createDomain } from '../../shared/domain/domains.js';
import { httpHandler } from '../../shared/http/handler.js';
import { domainRoutes } from '../../shared/routes/domains.js';

export const handler = httpHandler(domainRoutes.create, ({ customerId, body }) => createDomain(customerId, body));

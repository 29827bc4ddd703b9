import { deleteDomain } from '../../shared/domain/domains.js';
import { httpHandler } from '../../shared/http/handler.js';
import { domainRoutes } from '../../shared/routes/domains.js';

export const handler = httpHandler(domainRoutes.delete, ({ customerId, params }) => deleteDomain(customerId, params.id));

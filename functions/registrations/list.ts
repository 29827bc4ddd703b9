import { getRegistrationsOf, listRegistrations } from '../../shared/domain/registrations.js';
import { httpHandler } from '../../shared/http/handler.js';
import { registrationRoutes } from '../../shared/routes/registrations.js';

export const handler = httpHandler(registrationRoutes.list, ({ customerId, query }) =>
  query.extension_id
    ? getRegistrationsOf(customerId, query.extension_id)
    : listRegistrations(customerId, { pageSize: query.page_size, pageToken: query.page_token }),
);

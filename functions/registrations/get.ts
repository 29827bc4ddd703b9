import { getRegistrations } from '../../shared/domain/registrations.js';
import { httpHandler } from '../../shared/http/handler.js';
import { registrationRoutes } from '../../shared/routes/registrations.js';

export const handler = httpHandler(registrationRoutes.get, ({ customerId, params }) =>
  getRegistrations(customerId, params.id),
);

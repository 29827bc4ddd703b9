import { deleteRegistrations } from '../../shared/domain/registrations.js';
import { httpHandler } from '../../shared/http/handler.js';
import { Reply } from '../../shared/http/reply.js';
import { registrationRoutes } from '../../shared/routes/registrations.js';

export const handler = httpHandler(registrationRoutes.deleteAll, async ({ customerId, params }) => {
  await deleteRegistrations(customerId, params.id);
  return Reply.noContent();
});

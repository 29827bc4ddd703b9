import { deleteRegistration } from '../../shared/domain/registrations.js';
import { httpHandler } from '../../shared/http/handler.js';
import { Reply } from '../../shared/http/reply.js';
import { registrationRoutes } from '../../shared/routes/registrations.js';

export const handler = httpHandler(registrationRoutes.delete, async ({ customerId, params }) => {
  await deleteRegistration(customerId, params.id, params.registration_id);
  return Reply.noContent();
});

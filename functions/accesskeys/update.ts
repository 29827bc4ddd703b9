import { updateAccessKey } from '../../shared/domain/accessKeys.js';
import { httpHandler } from '../../shared/http/handler.js';
import { accessKeyRoutes } from '../../shared/routes/accessKeys.js';

export const handler = httpHandler(accessKeyRoutes.update, ({ customerId, params, body }) =>
  updateAccessKey(customerId, params.id, body),
);

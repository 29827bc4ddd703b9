import { deleteAccessKey } from '../../shared/domain/accessKeys.js';
import { httpHandler } from '../../shared/http/handler.js';
import { accessKeyRoutes } from '../../shared/routes/accessKeys.js';

export const handler = httpHandler(accessKeyRoutes.delete, ({ customerId, params }) =>
  deleteAccessKey(customerId, params.id),
);

import { getMe } from '../../shared/domain/customers.js';
import { httpHandler } from '../../shared/http/handler.js';
import { customerRoutes } from '../../shared/routes/customers.js';
import { accessKeyPermissions } from '../../shared/routes/index.js';

export const handler = httpHandler(customerRoutes.me, ({ customerId, accessKeyId }) =>
  getMe(customerId, accessKeyId, accessKeyPermissions),
);

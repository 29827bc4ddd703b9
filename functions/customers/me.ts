import { config } from '../../shared/config.js';
import { getMe } from '../../shared/domain/customers.js';
import { httpHandler } from '../../shared/http/handler.js';
import { customerRoutes } from '../../shared/routes/customers.js';

// The permissions come from the configuration (ACCESS_KEY_PERMISSIONS, computed from the
// route table at deploy time): importing the table would bundle every route's schemas.
export const handler = httpHandler(customerRoutes.me, ({ customerId, accessKeyId }) =>
  getMe(customerId, accessKeyId, config.accessKeyPermissions),
);

import { getAccessKey } from '../../shared/domain/accessKeys.js';
import { httpHandler } from '../../shared/http/handler.js';
import { accessKeyRoutes } from '../../shared/routes/accessKeys.js';

export const handler = httpHandler(accessKeyRoutes.get, ({ customerId, params }) => getAccessKey(customerId, params.id));

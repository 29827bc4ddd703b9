import { getExtension } from '../../shared/domain/extensions.js';
import { httpHandler } from '../../shared/http/handler.js';
import { extensionRoutes } from '../../shared/routes/extensions.js';

export const handler = httpHandler(extensionRoutes.get, ({ customerId, params }) => getExtension(customerId, params.id));

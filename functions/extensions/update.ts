import { updateExtension } from '../../shared/domain/extensions.js';
import { httpHandler } from '../../shared/http/handler.js';
import { extensionRoutes } from '../../shared/routes/extensions.js';

export const handler = httpHandler(extensionRoutes.update, ({ customerId, params, body }) =>
  updateExtension(customerId, params.id, body),
);

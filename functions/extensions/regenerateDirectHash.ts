import { regenerateDirectHash } from '../../shared/domain/extensions.js';
import { httpHandler } from '../../shared/http/handler.js';
import { extensionRoutes } from '../../shared/routes/extensions.js';

export const handler = httpHandler(extensionRoutes.regenerateDirectHash, ({ customerId, params }) =>
  regenerateDirectHash(customerId, params.id),
);

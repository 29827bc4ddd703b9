import { createAccessKey } from '../../shared/domain/accessKeys.js';
import { httpHandler } from '../../shared/http/handler.js';
import { accessKeyRoutes } from '../../shared/routes/accessKeys.js';

export const handler = httpHandler(accessKeyRoutes.create, async ({ customerId, body }) => {
  const { accessKey, secret } = await createAccessKey(customerId, body);
  return { ...accessKey, token: secret };
});

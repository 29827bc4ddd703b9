import { listAccessKeys } from '../../shared/domain/accessKeys.js';
import { httpHandler } from '../../shared/http/handler.js';
import { accessKeyRoutes } from '../../shared/routes/accessKeys.js';

export const handler = httpHandler(accessKeyRoutes.list, async ({ customerId, query }) => {
  const page = await listAccessKeys(customerId, { pageSize: query.page_size, pageToken: query.page_token });
  return { result: page.items, next_page_token: page.nextPageToken };
});

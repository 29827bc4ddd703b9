import { listExtensions } from '../../shared/domain/extensions.js';
import { httpHandler } from '../../shared/http/handler.js';
import { extensionRoutes } from '../../shared/routes/extensions.js';

export const handler = httpHandler(extensionRoutes.list, async ({ customerId, query }) => {
  // ?domain_id= (empty) reads as no filter.
  const domainId = query.domain_id === '' ? undefined : query.domain_id;
  const page = await listExtensions(customerId, domainId, { pageSize: query.page_size, pageToken: query.page_token });
  return { result: page.items, next_page_token: page.nextPageToken };
});

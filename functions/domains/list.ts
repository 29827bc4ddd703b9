import { listDomains } from '../../shared/domain/domains.js';
import { httpHandler } from '../../shared/http/handler.js';
import { domainRoutes } from '../../shared/routes/domains.js';

export const handler = httpHandler(domainRoutes.list, async ({ customerId, query }) => {
  const page = await listDomains(customerId, { pageSize: query.page_size, pageToken: query.page_token });
  return { result: page.items, next_page_token: page.nextPageToken };
});

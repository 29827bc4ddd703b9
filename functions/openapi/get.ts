import { httpHandler } from '../../shared/http/handler.js';
import { docsRoutes } from '../../shared/routes/docs.js';

let cached: Promise<unknown> | undefined;

/**
 * Built once per cold start. The route table lists this route too, so the table and the
 * generator are imported on the first request rather than at module load: the route
 * module (docs.ts) never depends on the table, and the table never on this handler.
 */
const documentOnce = () =>
  (cached ??= Promise.all([import('../../shared/openapi/document.js'), import('../../shared/routes/index.js')]).then(
    ([{ buildOpenApiDocument }, { routes }]) => buildOpenApiDocument(routes),
    (error: unknown) => {
      cached = undefined;
      throw error;
    },
  ));

export const handler = httpHandler(docsRoutes.openapi, () => documentOnce());

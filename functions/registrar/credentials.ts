import { getCredentials } from '../../shared/domain/registrar.js';
import { httpHandler } from '../../shared/http/handler.js';
import { registrarRoutes } from '../../shared/routes/registrar.js';

export const handler = httpHandler(registrarRoutes.credentials, ({ query }) =>
  getCredentials(query.realm, query.username),
);

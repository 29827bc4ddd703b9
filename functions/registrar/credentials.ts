import { getCredentials } from '../../shared/domain/registrar.js';
import { registrarHandler } from '../../shared/http/registrarHandler.js';
import { registrarRoutes } from '../../shared/routes/registrar.js';

export const handler = registrarHandler(registrarRoutes.credentials, ({ query }) =>
  getCredentials(query.realm, query.username),
);

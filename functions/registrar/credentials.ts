import { getCredentials } from '../../shared/domain/registrar.js';
import { registrarHandler } from '../../shared/http/registrarHandler.js';
import { credentialsRoute } from '../../shared/routes/registrarCredentials.js';

export const handler = registrarHandler(credentialsRoute, ({ query }) =>
  getCredentials(query.realm, query.username),
);

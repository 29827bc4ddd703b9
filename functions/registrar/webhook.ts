import { applyRegistrarDelivery } from '../../shared/domain/webhook.js';
import { httpHandler } from '../../shared/http/handler.js';
import { registrarRoutes } from '../../shared/routes/registrar.js';

export const handler = httpHandler(registrarRoutes.webhook, async ({ body, auth }) => {
  // The signature check put the signed timestamp here; a signed route always has one.
  const signedAt = auth.kind === 'registrar' && auth.timestamp !== undefined ? auth.timestamp : Date.now() / 1000;
  return applyRegistrarDelivery(body, signedAt);
});

import { applyRegistrarDelivery } from '../../shared/domain/webhook.js';
import { registrarHandler } from '../../shared/http/registrarHandler.js';
import { registrarRoutes } from '../../shared/routes/registrar.js';

export const handler = registrarHandler(registrarRoutes.webhook, async ({ body, auth }) => {
  // The signature check put the signed timestamp here; a signed route always has one.
  const signedAt = auth.kind === 'registrar' && auth.timestamp !== undefined ? auth.timestamp : Date.now() / 1000;
  return applyRegistrarDelivery(body, signedAt);
});

import { notFound } from '../errors.js';
import { findSipCredential } from '../store/extensions.js';

/**
 * The registrar's digest lookup: ONE GetItem on the (realm, username) item, which the
 * extension's create/update/delete transactions keep exact, so a password change or a
 * deletion is refused from the moment it commits.
 */
export async function getCredentials(realm: string, username: string) {
  const credential = await findSipCredential(realm, username);
  if (!credential) throw notFound('SIP_USER_NOT_FOUND', 'No SIP user with this username in this realm.');
  return {
    extension_id: credential.extension_id,
    customer_id: credential.customer_id,
    ha1: credential.ha1,
    ha1b: credential.ha1b,
  };
}

import { unauthenticated } from '../errors.js';
import type { AuthInput } from './auth.js';

/** Placeholder until the registrar routes land: no registrar secret is configured yet. */
export async function verifyRegistrarRequest(_input: AuthInput): Promise<void> {
  throw unauthenticated('REGISTRAR_AUTH_UNAVAILABLE', 'Registrar authentication is not configured.');
}

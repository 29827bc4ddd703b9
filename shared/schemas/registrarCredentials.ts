import * as z from 'zod/mini';
import { described } from './common.js';
import { deferred } from './deferred.js';

/*
 * The registrar's credential lookup (docs/registrar-protocol.md). Apart from the event
 * schemas (registrarEvents.ts) so that the lookup's function, the hottest of the
 * registrar path, constructs only these few schemas at cold start.
 */

export const credentialsQuery = deferred(() => z.object({
  username: z.string().check(z.minLength(1), z.maxLength(128)),
  realm: z.string().check(z.minLength(1), z.maxLength(253)),
}));

export const credentials = deferred(() => z.object({
  extension_id: z.string(),
  customer_id: z.string(),
  ha1: described(z.string(), 'md5(username:realm:password)'),
  ha1b: described(z.string(), 'md5(username@realm:realm:password)'),
}).check(z.meta({ id: 'RegistrarCredentials' })));

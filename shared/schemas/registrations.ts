import * as z from 'zod/mini';
import { described, entityId, timestamp } from './common.js';
import { listOf, pageQuery } from './paging.js';
import { deferred } from './deferred.js';

/* Registrations as customers see them (Telphin's registration API, docs/registrations.md). */

export const registration = deferred(() => z.object({
  registration_id: described(z.string(), "the registrar's ruid, e.g. uloc-572b0ffb-6d47-001"),
  contact_address: described(z.string(), 'Contact URI the device registered'),
  real_address: described(z.string(), 'where the REGISTER really came from (NAT); "" when the same'),
  device: described(z.string(), 'User-Agent of the device'),
  expires: described(z.int(), 'seconds until the registration lapses; 0 once it has'),
  tm_expire: timestamp,
  tm_create: timestamp,
  tm_update: timestamp,
}).check(z.meta({ id: 'Registration' })));

export const regInfo = deferred(() => z.object({
  extension_id: z.string(),
  registered: described(z.boolean(), 'true when at least one registration is live'),
  registrations: described(
    z.array(registration),
    'the live registrations; when none is live, the last ended ones (at most 10), most recent first',
  ),
}).check(z.meta({ id: 'RegInfo' })));

export const extensionRegistrationsParams = deferred(() => z.object({ id: entityId }));
/** A registration_id longer than the registrar's (<= 256) names nothing: 404. */
export const registrationParams = deferred(() => z.object({ id: entityId, registration_id: z.string().check(z.minLength(1), z.maxLength(256)) }));

export const MAX_EXTENSION_IDS = 100;

/** ?extension_id=A&extension_id=B (repeated, as in the seed; "A,B" also works). */
export const registrationsQuery = deferred(() => z.extend(pageQuery, {
  extension_id: described(
    z.pipe(
      z.pipe(
        z.optional(z.union([z.string(), z.array(z.string())])),
        z.transform((value) =>
          value === undefined
            ? undefined
            : (Array.isArray(value) ? value : [value]).flatMap((v) => v.split(',')).map((v) => v.trim()),
        ),
      ),
      z.optional(
        z
          .array(z.string().check(z.minLength(1, 'an extension_id is empty')))
          .check(
            z.minLength(1),
            z.maxLength(MAX_EXTENSION_IDS, `at most ${MAX_EXTENSION_IDS} extension_id values per request`),
          ),
      ),
    ),
    `1..${MAX_EXTENSION_IDS} extension ids, repeated; omit to page through every extension with registration data`,
  ),
}));

export const regInfoList = deferred(() => z.union([
  described(z.array(regInfo), 'with extension_id: one RegInfo per id asked, in the order asked'),
  described(listOf(regInfo), 'without extension_id: a page of the extensions that have registration data'),
]));

import * as z from 'zod/mini';
import { strictBody } from './body.js';
import { detailText, nameText } from './text.js';
import { deferred } from './deferred.js';

export const DOMAIN_NAME_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * Names of default domains (shared/domain/domains.ts, defaultDomainName): a customer id
 * (a UUID), or `c-` and 32 hex characters for a customer id that is not a DNS label. No
 * one can create a domain with such a name, so a customer's default name is always free
 * for that customer.
 */
export const DEFAULT_DOMAIN_NAME_PATTERN = /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|c-[0-9a-f]{32})$/;

export const domainName = deferred(() => z
  .string()
  .check(
    z.regex(
      DOMAIN_NAME_PATTERN,
      'domain_name must be a DNS label: 1 to 63 lowercase letters, digits or hyphens, not starting or ending with a hyphen',
    ),
    z.refine(
      (value) => !DEFAULT_DOMAIN_NAME_PATTERN.test(value),
      'domain_name in the form of a customer id is reserved for default domains; choose another',
    ),
    z.describe('DNS label, unique across all customers; the realm is `<domain_name>.<SIP domain suffix>`'),
  ));

export const domainCreate = deferred(() => strictBody({
  domain_name: domainName,
  name: z.optional(nameText),
  detail: z.optional(detailText),
}).check(z.meta({ id: 'DomainCreate' })));

export const domainUpdate = deferred(() => strictBody(
  {
    name: z.optional(nameText).check(z.describe('omitted = unchanged')),
    detail: z.optional(detailText).check(z.describe('omitted = unchanged')),
  },
  ['id', 'customer_id', 'domain_name', 'realm'],
).check(z.meta({ id: 'DomainUpdate' })));

/** The API's domain is the view of the stored record (shared/entities/domain.ts). */
export { view as domain } from '../entities/domain.js';

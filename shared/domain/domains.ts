import { createHash } from 'node:crypto';
import { config } from '../config.js';
import { alreadyExists, failedPrecondition, notFound } from '../errors.js';
import { newId, nowTimestamp, UUID_PATTERN } from '../ids.js';
import { invalidateRegistrarCredentials } from '../registrar/control.js';
import * as store from '../store/domains.js';
import { AGAIN, immediately, retrying } from '../store/retry.js';
import type { PageRequest } from '../store/queryPage.js';
import type * as z from 'zod';
import { toView as toDomainView, type DomainRecord } from '../entities/domain.js';
import { DEFAULT_DOMAIN_NAME_PATTERN, type domainCreate } from '../schemas/domains.js';

export type DomainInput = z.output<typeof domainCreate>;

/** The SIP realm devices of a domain register to. */
export const realmOf = (domainName: string) => `${domainName}.${config.sipDomainSuffix}`;

export const domainNotFound = () => notFound('DOMAIN_NOT_FOUND', 'No domain with this id.');

const newDomainRecord = (customerId: string, input: DomainInput): DomainRecord => ({
  id: newId(),
  customer_id: customerId,
  domain_name: input.domain_name,
  realm: realmOf(input.domain_name),
  name: input.name ?? '',
  detail: input.detail ?? '',
  extension_count: 0,
  tm_create: nowTimestamp(),
  tm_update: '',
});

/** domain_name is validated by the schema (DNS label); here it is claimed platform-wide. */
export async function createDomain(customerId: string, input: DomainInput) {
  const record = newDomainRecord(customerId, input);
  const outcome = await store.insertDomain(record);
  if (outcome === 'name-taken') {
    throw alreadyExists('DOMAIN_NAME_TAKEN', `domain_name "${input.domain_name}" is already in use; choose another.`);
  }
  return toDomainView(record);
}

export async function listDomains(customerId: string, page: PageRequest) {
  const result = await store.listDomains(customerId, page);
  return { items: result.items.map((r) => toDomainView(r)), nextPageToken: result.nextPageToken };
}

/** The record (with realm and extension count) or a 404; ids that cannot exist cost no round trip. */
export async function requireDomain(customerId: string, domainId: string): Promise<DomainRecord> {
  if (!UUID_PATTERN.test(domainId)) throw domainNotFound();
  const record = await store.getDomain(customerId, domainId);
  if (!record) throw domainNotFound();
  return record;
}

export async function getDomain(customerId: string, domainId: string) {
  return toDomainView(await requireDomain(customerId, domainId));
}

/** Only the fields the body gives change; omitted fields keep their value. */
export async function updateDomain(customerId: string, domainId: string, changes: { name?: string; detail?: string }) {
  const record = await store.updateDomain(customerId, domainId, { name: changes.name, detail: changes.detail }, nowTimestamp());
  if (!record) throw domainNotFound();
  return toDomainView(record);
}

/**
 * Refused (409 FAILED_PRECONDITION) while the domain has extensions; frees domain_name.
 * Once deleted, the registrar's cache forgets the whole realm (negative entries included:
 * the domain_name may be claimed again, by anyone). Never fails the request.
 */
export async function deleteDomain(customerId: string, domainId: string) {
  const result = await store.deleteDomain(customerId, domainId);
  if (result.outcome === 'not-found') throw domainNotFound();
  if (result.outcome === 'has-extensions') {
    throw failedPrecondition('DOMAIN_HAS_EXTENSIONS', 'The domain still has extensions; delete them first.');
  }
  await invalidateRegistrarCredentials({ realm: result.record.realm });
  return toDomainView(result.record, nowTimestamp());
}

// ---------------------------------------------------------------------------------------
// The default domain

/**
 * The domain_name of a customer's default domain: the customer id itself (as VoIPbin's
 * `{customer-id}.registrar…`): stable, DNS-safe (a lowercase UUID is a 36-character DNS
 * label) and unique, because POST /v1.0/domains refuses names of this form
 * (DEFAULT_DOMAIN_NAME_PATTERN). A customer id that is not a DNS label (an operator's
 * choice, e.g. `acme`) maps to `c-` + 32 hex characters of its SHA-256, also reserved:
 * a customer's default name is never one anybody could have claimed.
 */
export function defaultDomainName(customerId: string): string {
  if (DEFAULT_DOMAIN_NAME_PATTERN.test(customerId)) return customerId;
  return `c-${createHash('sha256').update(customerId).digest('hex').slice(0, 32)}`;
}

const DEFAULT_DOMAIN_ATTEMPTS = 4;

/**
 * The customer's default domain (where extensions created without domain_id go),
 * created on first use. Its domain_name claim (`DOMAINNAME#<default name>`, a key that
 * carries the customer id) is the pointer: one strongly consistent GetItem finds it.
 * Concurrent first uses race on that claim in the create transaction: exactly one
 * domain is created, the losers read the winner's claim. It is an ordinary domain
 * otherwise (listed, renamed, deleted when empty; the next create without domain_id
 * then makes a new one under the same name). Other domains never become the default.
 */
export async function resolveDefaultDomain(customerId: string): Promise<{ id: string; realm: string }> {
  const domainName = defaultDomainName(customerId);
  return retrying(async () => {
    const claim = await store.getDomainNameClaim(domainName);
    if (claim) {
      if (claim.customer_id !== customerId) {
        // Only possible for a name claimed before such names were reserved.
        throw failedPrecondition(
          'DEFAULT_DOMAIN_UNAVAILABLE',
          'Your default domain name is held by another domain; pass domain_id.',
        );
      }
      return { id: claim.domain_id, realm: claim.realm ?? realmOf(domainName) };
    }
    const record = newDomainRecord(customerId, { domain_name: domainName, name: 'default', detail: '' });
    if ((await store.insertDomain(record)) === 'ok') return { id: record.id, realm: record.realm };
    // name-taken: a concurrent first use won; its claim is read on the next pass.
    return AGAIN;
  }, { attempts: DEFAULT_DOMAIN_ATTEMPTS, backoff: immediately });
}

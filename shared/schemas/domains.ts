import * as z from 'zod';
import { detailText, nameText, timestamp } from './common.js';

export const DOMAIN_NAME_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

export const domainName = z
  .string()
  .regex(
    DOMAIN_NAME_PATTERN,
    'domain_name must be a DNS label: 1 to 63 lowercase letters, digits or hyphens, not starting or ending with a hyphen',
  )
  .describe('DNS label, unique across all customers; the realm is `<domain_name>.<SIP domain suffix>`');

export const domainCreate = z.object({
  domain_name: domainName,
  name: nameText.optional(),
  detail: detailText.optional(),
}).meta({ id: 'DomainCreate' });

export const domainUpdate = z.object({
  name: nameText.optional().describe('omitted = unchanged'),
  detail: detailText.optional().describe('omitted = unchanged'),
}).meta({ id: 'DomainUpdate' });

export const domain = z.object({
  id: z.string(),
  customer_id: z.string(),
  domain_name: z.string(),
  realm: z.string().describe('the SIP realm (and domain) devices of this domain register to'),
  name: z.string(),
  detail: z.string(),
  tm_create: timestamp,
  tm_update: timestamp,
  tm_delete: timestamp,
}).meta({ id: 'Domain' });

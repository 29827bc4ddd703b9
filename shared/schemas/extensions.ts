import * as z from 'zod';
import { detailText, nameText, pageQuery, timestamp } from './common.js';

export const EXTENSION_PATTERN = /^[A-Za-z0-9._-]{1,32}$/;

const password = z
  .string()
  .describe(
    'at least 12 characters, printable ASCII, with letters and digits, not containing the extension; omitted on create = a strong one is generated',
  );

export const extensionCreate = z.object({
  name: nameText.optional(),
  detail: detailText.optional(),
  domain_id: z.string().describe('id of one of your domains'),
  extension: z
    .string()
    .regex(EXTENSION_PATTERN, 'extension must be 1 to 32 letters, digits, ".", "-" or "_"')
    .describe('the SIP username, unique within the domain'),
  password: password.optional(),
}).meta({ id: 'ExtensionCreate' });

export const extensionUpdate = z.object({
  name: nameText.optional().describe('omitted = unchanged'),
  detail: detailText.optional().describe('omitted = unchanged'),
  password: password.optional().describe('omitted = unchanged; a new one invalidates the old at once'),
}).meta({ id: 'ExtensionUpdate' });

export const extensionListQuery = pageQuery.extend({
  domain_id: z
    .string()
    .optional()
    .describe("only this domain's extensions; an unknown id gives an empty list"),
});

export const extension = z.object({
  id: z.string(),
  customer_id: z.string(),
  name: z.string(),
  detail: z.string(),
  domain_id: z.string(),
  extension: z.string().describe('the SIP username'),
  password: z.string().describe('the SIP digest password'),
  direct_hash: z.string().describe('12 hex characters; reach the extension at sip:direct.<hash>@<SIP domain>'),
  tm_create: timestamp,
  tm_update: timestamp,
  tm_delete: timestamp,
}).meta({ id: 'Extension' });

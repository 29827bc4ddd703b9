import * as z from 'zod/mini';
import { UUID_PATTERN } from '../ids.js';
import { strictBody } from './body.js';
import { detailText, nameText } from './text.js';
import { pageQuery } from './paging.js';
import { deferred } from './deferred.js';

export const EXTENSION_PATTERN = /^[A-Za-z0-9._-]{1,32}$/;

const password = deferred(() => z
  .string()
  .check(
    z.describe(
      'at least 12 characters, printable ASCII, with letters and digits, not containing the extension; omitted or "" on create = a strong one is generated',
    ),
  ));

/** Fields of an extension a PUT may not change: naming one is a 400 "<field> cannot be changed". */
const IMMUTABLE_EXTENSION_FIELDS = ['id', 'customer_id', 'domain_id', 'domain_name', 'extension', 'username', 'direct_hash'];

export const extensionCreate = deferred(() => strictBody({
  name: z.optional(nameText),
  detail: z.optional(detailText),
  domain_id: z
    .optional(
      z.string().check(z.regex(UUID_PATTERN, 'must be the id of one of your domains; omit domain_id to use your default domain')),
    )
    .check(z.describe('id of one of your domains; omitted = your default domain (created on first use)')),
  extension: z
    .string()
    .check(
      z.regex(EXTENSION_PATTERN, 'extension must be 1 to 32 letters, digits, ".", "-" or "_"'),
      z.describe('the SIP username, unique within the domain'),
    ),
  username: z
    .optional(z.string())
    .check(z.describe('VoIPbin clients may send it; it must equal extension (or be "")')),
  password: z.optional(password),
}).check(
  z.refine((body) => !body.username || body.username === body.extension, {
    message: 'username must equal extension (the SIP user name is the extension number)',
    path: ['username'],
  }),
  z.meta({ id: 'ExtensionCreate' }),
));

export const extensionUpdate = deferred(() => strictBody(
  {
    name: z.optional(nameText).check(z.describe('omitted = unchanged')),
    detail: z.optional(detailText).check(z.describe('omitted = unchanged')),
    password: z
      .optional(password)
      .check(z.describe('omitted or "" = unchanged; a new one must meet the policy and invalidates the old at once')),
  },
  IMMUTABLE_EXTENSION_FIELDS,
).check(z.meta({ id: 'ExtensionUpdate' })));

export const extensionListQuery = deferred(() => z.extend(pageQuery, {
  domain_id: z
    .optional(z.string())
    .check(z.describe("only this domain's extensions; an unknown id gives an empty list")),
}));

/** The API's extension is the view of the stored record (shared/entities/extension.ts). */
export { view as extension } from '../entities/extension.js';

import * as z from 'zod/mini';
import { strictBody } from './body.js';
import * as AccessKey from '../entities/accessKey.js';
import { detailText, nameText } from './text.js';
import { deferred } from './deferred.js';

const TEN_YEARS = 10 * 365 * 24 * 3600;

export const accessKeyCreate = deferred(() => strictBody({
  name: z.optional(nameText),
  detail: z.optional(detailText),
  expire: z
    .optional(z.int().check(z.minimum(60), z.maximum(TEN_YEARS)))
    .check(z.describe('validity in seconds from now; omit for no expiry')),
}).check(z.meta({ id: 'AccessKeyCreate' })));

/** What a key's PUT may change; the secret and the expiry are fixed at create. */
export const accessKeyUpdate = deferred(() => strictBody(
  {
    name: z.optional(nameText).check(z.describe('omitted = unchanged')),
    detail: z.optional(detailText).check(z.describe('omitted = unchanged')),
  },
  ['id', 'customer_id', 'token', 'token_prefix', 'expire', 'tm_expire'],
).check(z.meta({ id: 'AccessKeyUpdate' })));

/** The API's access key is the view of the stored record (shared/entities/accessKey.ts). */
export const accessKey = AccessKey.view;

export const accessKeyWithToken = deferred(() => z
  .extend(accessKey, { token: z.string().check(z.describe('the secret; shown only in this reply')) })
  .check(z.meta({ id: 'AccessKeyWithToken' })));

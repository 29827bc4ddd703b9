import * as z from 'zod';
import { strictBody } from './body.js';
import * as AccessKey from '../entities/accessKey.js';
import { detailText, nameText } from './common.js';

const TEN_YEARS = 10 * 365 * 24 * 3600;

export const accessKeyCreate = strictBody({
  name: nameText.optional(),
  detail: detailText.optional(),
  expire: z.number().int().min(60).max(TEN_YEARS).optional().describe('validity in seconds from now; omit for no expiry'),
}).meta({ id: 'AccessKeyCreate' });

/** What a key's PUT may change; the secret and the expiry are fixed at create. */
export const accessKeyUpdate = strictBody(
  {
    name: nameText.optional().describe('omitted = unchanged'),
    detail: detailText.optional().describe('omitted = unchanged'),
  },
  ['id', 'customer_id', 'token', 'token_prefix', 'expire', 'tm_expire'],
).meta({ id: 'AccessKeyUpdate' });

/** The API's access key is the view of the stored record (shared/entities/accessKey.ts). */
export const accessKey = AccessKey.view;

export const accessKeyWithToken = accessKey.extend({
  token: z.string().describe('the secret; shown only in this reply'),
}).meta({ id: 'AccessKeyWithToken' });

import * as z from 'zod';
import { strictBody } from './body.js';
import { detailText, nameText, timestamp } from './common.js';

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

export const accessKey = z.object({
  id: z.string(),
  customer_id: z.string(),
  name: z.string(),
  detail: z.string(),
  token_prefix: z
    .string()
    .describe(
      'the first characters of the secret (at most 6, and at most a quarter of it), to tell keys apart; "" for keys made before it was kept',
    ),
  tm_expire: timestamp,
  tm_create: timestamp,
  tm_update: timestamp,
  tm_delete: timestamp,
}).meta({ id: 'AccessKey' });

export const accessKeyWithToken = accessKey.extend({
  token: z.string().describe('the secret; shown only in this reply'),
}).meta({ id: 'AccessKeyWithToken' });

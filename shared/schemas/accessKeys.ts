import * as z from 'zod';
import { detailText, nameText, timestamp } from './common.js';

const TEN_YEARS = 10 * 365 * 24 * 3600;

export const accessKeyCreate = z.object({
  name: nameText.optional(),
  detail: detailText.optional(),
  expire: z.number().int().min(60).max(TEN_YEARS).optional().describe('validity in seconds from now; omit for no expiry'),
}).meta({ id: 'AccessKeyCreate' });

export const accessKey = z.object({
  id: z.string(),
  customer_id: z.string(),
  name: z.string(),
  detail: z.string(),
  tm_expire: timestamp,
  tm_create: timestamp,
  tm_update: timestamp,
  tm_delete: timestamp,
}).meta({ id: 'AccessKey' });

export const accessKeyWithToken = accessKey.extend({
  token: z.string().describe('the secret; shown only in this reply'),
}).meta({ id: 'AccessKeyWithToken' });

import * as z from 'zod';
import { timestamp } from './common.js';

/** GET /v1.0/me: whom the access key belongs to and what it may do. */
export const me = z.object({
  id: z.string().describe("the caller's customer id"),
  name: z.string(),
  tm_create: timestamp,
  tm_update: timestamp,
  tm_delete: timestamp,
  accesskey: z
    .object({
      id: z.string(),
      name: z.string(),
      token_prefix: z.string(),
      tm_expire: timestamp,
    })
    .describe('the access key this request was made with'),
  permissions: z
    .array(z.string())
    .describe(
      'what the key may do, as "<area>:read" / "<area>:write"; every key of a customer may read and change everything of that customer, nothing of another',
    ),
}).meta({ id: 'Me' });

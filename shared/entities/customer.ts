import * as z from 'zod/mini';
import { timestamp } from '../schemas/common.js';
import { customerKey } from '../table/keys.js';
import * as AccessKey from './accessKey.js';
import { ENTITY_ATTRIBUTE, parseItem } from './item.js';
import { deferred } from '../schemas/deferred.js';

/**
 * A customer: the tenant every other item belongs to. No route creates or changes one
 * (operators do, with npm run admin); GET /v1.0/me shows it to its own access keys.
 */
const ENTITY = 'customer';

/** The stored customer item, the one definition of its fields. */
export const record = deferred(() => z.object({
  id: z.string(),
  name: z.string(),
  tm_create: timestamp,
  /** "" until changed (no route changes a customer yet); customers are stored without it. */
  tm_update: z._default(timestamp, ''),
}));
export type CustomerRecord = z.output<typeof record>;

export const key = (customerId: string) => customerKey(customerId);

export const toItem = (customer: CustomerRecord) => ({ ...key(customer.id), [ENTITY_ATTRIBUTE]: ENTITY, ...customer });

export const fromItem = (item: Record<string, unknown>): CustomerRecord => parseItem(record, ENTITY, item);

/** GET /v1.0/me: whom the access key belongs to and what it may do. */
export const meView = deferred(() => z.object({
  id: z.string().check(z.describe("the caller's customer id")),
  name: record.shape.name,
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
    .check(z.describe('the access key this request was made with')),
  permissions: z
    .array(z.string())
    .check(
      z.describe(
        'what the key may do, as "<area>:read" / "<area>:write"; every key of a customer may read and change everything of that customer, nothing of another',
      ),
    ),
}).check(z.meta({ id: 'Me' })));
export type MeView = z.output<typeof meView>;

/** The caller's customer and the key the request was made with (its view, trimmed to what /me shows). */
export const toMeView = (customer: CustomerRecord, accessKey: AccessKey.AccessKeyRecord, permissions: readonly string[]): MeView =>
  meView.parse({
    ...customer,
    tm_delete: '',
    accesskey: AccessKey.toView(accessKey),
    permissions: [...permissions],
  });

import type { IndexName } from '../table/definition.js';

/**
 * What a route's function does to the table, declared next to the route: the IAM actions,
 * the index (none = the base table) and the partition keys, as patterns of the keys built
 * in shared/table/keys.ts (`*` = any characters, as in IAM's StringLike). CDK grants exactly
 * these (infra/tableGrants.ts), with a dynamodb:LeadingKeys condition per use; the
 * grant-vs-use test (test/grants.test.ts) records what every handler really does and fails
 * on a call no use allows, and on a use no call needs.
 *
 * A route lists the uses it makes, one line: `access: [use.customerAuth, use.extensions.read]`.
 */
export type DynamoAction =
  | 'GetItem'
  | 'Query'
  | 'BatchGetItem'
  | 'PutItem'
  | 'UpdateItem'
  | 'DeleteItem'
  | 'BatchWriteItem'
  | 'ConditionCheckItem';

/** Actions that change nothing: a route with `table: 'read'` may only have these. */
export const READ_ACTIONS: readonly DynamoAction[] = ['GetItem', 'Query', 'BatchGetItem'];

export interface TableUse {
  /** Shown in test failures and IAM statement ids. */
  name: string;
  actions: readonly DynamoAction[];
  /** The partition keys (of the index, when `index` is set) this use touches. */
  keys: readonly string[];
  index?: IndexName;
}

const use = (name: string, actions: readonly DynamoAction[], keys: readonly string[], index?: IndexName): TableUse => ({
  name,
  actions,
  keys,
  ...(index ? { index } : {}),
});

// Partition-key patterns, one per item family of shared/table/keys.ts.
const CUSTOMER = 'CUSTOMER#*'; // the customer, its access keys and domains
const EXTENSION = 'CUSTOMER#*#EXTENSION#*'; // an extension and its bindings
const ACCESSKEYHASH = 'ACCESSKEYHASH#*';
const DOMAINNAME = 'DOMAINNAME#*';
const SIPUSER = 'SIPUSER#*';
const DIRECTHASH = 'DIRECTHASH#*';
const HEALTH = '#HEALTH';
const WEBHOOK_DELIVERIES = 'CUSTOMER#*#WEBHOOK#*'; // one subscription's deliveries

/**
 * The uses, by what they serve; a route lists the ones its handler makes. Transactions are
 * authorized item by item (PutItem, UpdateItem, DeleteItem, ConditionCheckItem on each
 * item's partition), so they appear here as those actions.
 */
export const uses = {
  health: use('health', ['GetItem'], [HEALTH]),
  /** Access-key authentication: one GetItem of the secret's hash lookup. */
  customerAuth: use('customerAuth', ['GetItem'], [ACCESSKEYHASH]),
  customer: {
    get: use('customerGet', ['GetItem'], [CUSTOMER]),
  },
  accessKeys: {
    list: use('accessKeysList', ['Query'], [CUSTOMER]),
    get: use('accessKeysGet', ['GetItem'], [CUSTOMER]),
    /** The key item and its hash lookup, in one transaction. */
    create: use('accessKeysCreate', ['PutItem'], [CUSTOMER, ACCESSKEYHASH]),
    update: use('accessKeysUpdate', ['UpdateItem'], [CUSTOMER]),
    delete: use('accessKeysDelete', ['DeleteItem'], [CUSTOMER, ACCESSKEYHASH]),
  },
  domains: {
    list: use('domainsList', ['Query'], [CUSTOMER]),
    get: use('domainsGet', ['GetItem'], [CUSTOMER]),
    /** The domain and the platform-wide claim on its name, in one transaction. */
    create: use('domainsCreate', ['PutItem'], [CUSTOMER, DOMAINNAME]),
    /** The default domain is found by its name claim (its name is the customer id). */
    findByName: use('domainsFindByName', ['GetItem'], [DOMAINNAME]),
    /** Renames, and the extension count an extension's create and delete keep. */
    update: use('domainsUpdate', ['UpdateItem'], [CUSTOMER]),
    delete: use('domainsDelete', ['DeleteItem'], [CUSTOMER, DOMAINNAME]),
  },
  extensions: {
    get: use('extensionsGet', ['GetItem'], [EXTENSION]),
    /** The extension's partition: the extension and its bindings in one Query. */
    withBindings: use('extensionsWithBindings', ['Query'], [EXTENSION]),
    /** GSI1: a customer's extensions. */
    listAll: use('extensionsListAll', ['Query'], ['CUSTOMER#*#EXTENSIONS'], 'GSI1'),
    /** GSI2: one domain's extensions. */
    listDomain: use('extensionsListDomain', ['Query'], ['CUSTOMER#*#DOMAIN#*#EXTENSIONS'], 'GSI2'),
    /** The extension with its SIP-user and direct-hash claims, in one transaction. */
    create: use('extensionsCreate', ['PutItem'], [EXTENSION, SIPUSER, DIRECTHASH]),
    /** The extension and (new password) its SIP-user item. */
    update: use('extensionsUpdate', ['UpdateItem'], [EXTENSION, SIPUSER]),
    /** The extension, its bindings, its SIP-user item and its direct-hash claim. */
    delete: use('extensionsDelete', ['DeleteItem'], [EXTENSION, SIPUSER, DIRECTHASH]),
    /** Bindings beyond what the delete transaction holds (shared/store/batch.ts). */
    deleteBindings: use('extensionsDeleteBindings', ['BatchWriteItem'], [EXTENSION]),
    /** A new direct-hash claim replaces the old one. */
    swapDirectHash: use('extensionsSwapDirectHash', ['PutItem', 'DeleteItem'], [DIRECTHASH]),
    updateItem: use('extensionsUpdateItem', ['UpdateItem'], [EXTENSION]),
  },
  registrations: {
    /** GSI3 (keys only): a customer's bindings, grouped by extension... */
    listAll: use('registrationsListAll', ['Query'], ['CUSTOMER#*#BINDINGS'], 'GSI3'),
    /** ...then the extensions and bindings those keys name. */
    getMany: use('registrationsGetMany', ['BatchGetItem'], [EXTENSION]),
    /** Bindings are items in the extension's partition. */
    write: use('registrationsWrite', ['UpdateItem'], [EXTENSION]),
  },
  /** A customer's webhook subscriptions: items of the customer's partition, counted on the customer. */
  webhooks: {
    list: use('webhooksList', ['Query'], [CUSTOMER]),
    get: use('webhooksGet', ['GetItem'], [CUSTOMER]),
    /** The customer's webhook_count (the limit) and the new subscription, in one transaction. */
    create: use('webhooksCreate', ['UpdateItem', 'PutItem'], [CUSTOMER]),
    /** Changes, a new secret. */
    update: use('webhooksUpdate', ['UpdateItem'], [CUSTOMER]),
    /** The subscription and the count, in one transaction. */
    delete: use('webhooksDelete', ['DeleteItem', 'UpdateItem'], [CUSTOMER]),
    deliveriesList: use('webhookDeliveriesList', ['Query'], [WEBHOOK_DELIVERIES]),
    deliveryGet: use('webhookDeliveryGet', ['GetItem'], [WEBHOOK_DELIVERIES]),
    /** Redelivery puts the delivery back to pending before it is queued. */
    deliveryUpdate: use('webhookDeliveryUpdate', ['UpdateItem'], [WEBHOOK_DELIVERIES]),
    /** The events function (stream): a customer's subscriptions, then one delivery record per event and subscription. */
    fanOut: use('webhookFanOut', ['Query', 'PutItem'], [CUSTOMER, WEBHOOK_DELIVERIES]),
    /** The delivery function: the delivery and its subscription, the attempt, a 410's disabling. */
    attempt: use('webhookAttempt', ['GetItem', 'UpdateItem'], [CUSTOMER, WEBHOOK_DELIVERIES]),
  },
  /**
   * Idempotency-Key records (shared/store/idempotency.ts): claimed with a conditional put,
   * read back by a duplicate, completed with the reply, released after a 5xx. Customer
   * POSTs get this use from the route table (shared/routes/index.ts), not line by line.
   */
  idempotency: use('idempotency', ['PutItem', 'GetItem', 'UpdateItem', 'DeleteItem'], ['CUSTOMER#*#IDEMPOTENCY#*']),
  registrar: {
    /** The credential lookup reads SIP-user items only. */
    credentials: use('registrarCredentials', ['GetItem'], [SIPUSER]),
  },
} as const;

/** IAM StringLike: `*` matches any run of characters, everything else itself. */
export function keyPatternMatches(pattern: string, value: string): boolean {
  const regex = new RegExp(`^${pattern.split('*').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 's');
  return regex.test(value);
}

/**
 * The most specific pattern of `patterns` matching `value` (the longest literal part):
 * `CUSTOMER#*` also matches an extension's partition, which belongs to `CUSTOMER#*#EXTENSION#*`.
 */
export function mostSpecificPattern(patterns: readonly string[], value: string): string | undefined {
  return patterns
    .filter((pattern) => keyPatternMatches(pattern, value))
    .sort((a, b) => b.replaceAll('*', '').length - a.replaceAll('*', '').length)[0];
}

/** One item-level access as IAM authorizes it. */
export interface TableAccessRecord {
  action: string;
  index?: string;
  /** The partition key value (the index's, for a Query on an index). */
  partitionKey?: string;
}

/** Which of the route's uses allows `access`, if any. */
export function allowingUse(access: readonly TableUse[], record: TableAccessRecord): TableUse | undefined {
  return access.find(
    (u) =>
      u.actions.includes(record.action as DynamoAction) &&
      (u.index ?? undefined) === (record.index ?? undefined) &&
      record.partitionKey !== undefined &&
      u.keys.some((pattern) => keyPatternMatches(pattern, record.partitionKey!)),
  );
}

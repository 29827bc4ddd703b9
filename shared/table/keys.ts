/**
 * Every key of the single table is built here and nowhere else. Each item of a tenant
 * carries the customer id in its partition key (or is a global lookup item that names
 * its owner), so no access pattern can reach another tenant's data by accident.
 * docs/data-model.md lists the access patterns these keys serve.
 *
 * The layout stays in this one file rather than spread over the entity modules: in one
 * table, prefixes of different entities must never collide and some entities share a
 * partition (an extension and its bindings), which is only reviewable side by side.
 * Each entity module (shared/entities/*) is the only caller of its own builders here (the
 * binding module reaches the extension's partition, which its items share, through the
 * extension module).
 */
export interface Key {
  PK: string;
  SK: string;
}

const LOOKUP = '#LOOKUP';

export const customerKey = (customerId: string): Key => ({ PK: `CUSTOMER#${customerId}`, SK: '#CUSTOMER' });

export const accessKeyKey = (customerId: string, accessKeyId: string): Key => ({
  PK: `CUSTOMER#${customerId}`,
  SK: `ACCESSKEY#${accessKeyId}`,
});
export const accessKeysPrefix = (customerId: string) => ({ PK: `CUSTOMER#${customerId}`, SKPrefix: 'ACCESSKEY#' });
/** Global lookup from the SHA-256 of a secret to its key: one GetItem authenticates. */
export const accessKeyHashKey = (secretHash: string): Key => ({ PK: `ACCESSKEYHASH#${secretHash}`, SK: LOOKUP });

export const domainKey = (customerId: string, domainId: string): Key => ({
  PK: `CUSTOMER#${customerId}`,
  SK: `DOMAIN#${domainId}`,
});
export const domainsPrefix = (customerId: string) => ({ PK: `CUSTOMER#${customerId}`, SKPrefix: 'DOMAIN#' });
/** Claims a domain_name platform-wide (realms must be unique). */
export const domainNameKey = (domainName: string): Key => ({ PK: `DOMAINNAME#${domainName}`, SK: LOOKUP });

/** The extension and its registration bindings share one partition: one Query reads both. */
export const extensionPartition = (customerId: string, extensionId: string) =>
  `CUSTOMER#${customerId}#EXTENSION#${extensionId}`;
export const extensionKey = (customerId: string, extensionId: string): Key => ({
  PK: extensionPartition(customerId, extensionId),
  SK: '#EXTENSION',
});
/** GSI1 lists a customer's extensions, GSI2 a domain's; both sort by the time-ordered id. */
export const extensionIndexKeys = (customerId: string, domainId: string, extensionId: string) => ({
  GSI1PK: `CUSTOMER#${customerId}#EXTENSIONS`,
  GSI1SK: extensionId,
  GSI2PK: `CUSTOMER#${customerId}#DOMAIN#${domainId}#EXTENSIONS`,
  GSI2SK: extensionId,
});
export const customerExtensionsIndex = (customerId: string) => ({
  indexName: 'GSI1' as const,
  PK: `CUSTOMER#${customerId}#EXTENSIONS`,
});
export const domainExtensionsIndex = (customerId: string, domainId: string) => ({
  indexName: 'GSI2' as const,
  PK: `CUSTOMER#${customerId}#DOMAIN#${domainId}#EXTENSIONS`,
});

/** Registrar lookup: (realm, username) to the extension and its digest credentials. */
export const sipCredentialKey = (realm: string, username: string): Key => ({
  PK: `SIPUSER#${realm.toLowerCase()}#${username}`,
  SK: LOOKUP,
});
/** direct_hash to the extension; also claims the hash platform-wide. */
export const directHashKey = (directHash: string): Key => ({ PK: `DIRECTHASH#${directHash}`, SK: LOOKUP });

export const bindingKey = (customerId: string, extensionId: string, registrationId: string): Key => ({
  PK: extensionPartition(customerId, extensionId),
  SK: `BINDING#${registrationId}`,
});
export const BINDING_PREFIX = 'BINDING#';
/**
 * GSI3 (keys only) on binding items: a customer's bindings grouped by extension, so
 * "every extension with registration data" is one Query of exactly those, not a pass
 * over every extension. Keys only, because a refresh rewrites the binding's expiry:
 * with nothing projected but keys, that write does not touch the index.
 */
export const bindingIndexKeys = (customerId: string, extensionId: string, registrationId: string) => ({
  GSI3PK: `CUSTOMER#${customerId}#BINDINGS`,
  GSI3SK: `${extensionId}#${registrationId}`,
});
export const customerBindingsIndex = (customerId: string) => ({
  indexName: 'GSI3' as const,
  PK: `CUSTOMER#${customerId}#BINDINGS`,
  /** Sort keys of an extension's bindings all sort above this and below the next id's. */
  extensionBound: (extensionId: string) => `${extensionId}#`,
});

/**
 * One Idempotency-Key of a customer (shared/http/idempotency.ts); its own partition, so the
 * customer's other items never share a hot key with retries. `keyHash` is the SHA-256 of
 * the client's key (base64url): the key itself is never stored.
 */
export const idempotencyKeyItem = (customerId: string, keyHash: string): Key => ({
  PK: `CUSTOMER#${customerId}#IDEMPOTENCY#${keyHash}`,
  SK: '#IDEMPOTENCY',
});

/** A customer's webhook subscriptions live in the customer's partition: one Query lists them all. */
export const webhookKey = (customerId: string, webhookId: string): Key => ({
  PK: `CUSTOMER#${customerId}`,
  SK: `WEBHOOK#${webhookId}`,
});
export const webhooksPrefix = (customerId: string) => ({ PK: `CUSTOMER#${customerId}`, SKPrefix: 'WEBHOOK#' });
/** A subscription's deliveries, one partition per subscription, newest last (time-ordered ids). */
export const webhookDeliveriesPartition = (customerId: string, webhookId: string) =>
  `CUSTOMER#${customerId}#WEBHOOK#${webhookId}`;
export const webhookDeliveryKey = (customerId: string, webhookId: string, deliveryId: string): Key => ({
  PK: webhookDeliveriesPartition(customerId, webhookId),
  SK: `DELIVERY#${deliveryId}`,
});
export const WEBHOOK_DELIVERY_PREFIX = 'DELIVERY#';

/** Fixed item the health check reads: proves the table answers without touching tenant data. */
export const healthKey: Key = { PK: '#HEALTH', SK: LOOKUP };

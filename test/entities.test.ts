import { randomUUID } from 'node:crypto';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import * as AccessKey from '../shared/entities/accessKey.js';
import * as Binding from '../shared/entities/binding.js';
import { accessKeyLookupItem, directHashItem, domainNameItem, sipCredentialItem } from '../shared/entities/claims.js';
import * as Customer from '../shared/entities/customer.js';
import * as Domain from '../shared/entities/domain.js';
import * as Extension from '../shared/entities/extension.js';
import * as Webhook from '../shared/entities/webhook.js';
import * as Delivery from '../shared/entities/webhookDelivery.js';
import { getAccessKey, findAccessKeyBySecretHash } from '../shared/store/accessKeys.js';
import { queryBindings } from '../shared/store/bindings.js';
import { getCustomer } from '../shared/store/customers.js';
import { getDomain, getDomainNameClaim } from '../shared/store/domains.js';
import { findExtensionByDirectHash, findSipCredential, getExtension } from '../shared/store/extensions.js';
import { db, tableName } from '../shared/table/client.js';
import { tableDefinition } from '../shared/table/definition.js';
import { getDelivery, putDelivery } from '../shared/webhooks/deliveries.js';
import { getWebhookRecord } from '../shared/webhooks/subscriptions.js';

const put = (item: Record<string, unknown>) => db().send(new PutCommand({ TableName: tableName(), Item: item }));

/** Records of one fresh customer, each entity once. */
function records() {
  const customerId = randomUUID();
  const domainName = `entities-${randomUUID().slice(0, 8)}`;
  const customer: Customer.CustomerRecord = { id: customerId, name: 'acme', tm_create: '2026-12-01 00:00:00.000000', tm_update: '' };
  const accessKey: AccessKey.AccessKeyRecord = {
    id: randomUUID(),
    customer_id: customerId,
    name: 'ci',
    detail: '',
    secret_hash: randomUUID().replaceAll('-', ''),
    token_prefix: 'abcdef',
    expire_at: 0,
    tm_create: '2026-12-01 00:00:00.000000',
    tm_update: '',
  };
  const domain: Domain.DomainRecord = {
    id: randomUUID(),
    customer_id: customerId,
    domain_name: domainName,
    realm: `${domainName}.sip.test`,
    name: '',
    detail: '',
    extension_count: 1,
    tm_create: '2026-12-01 00:00:00.000000',
    tm_update: '',
  };
  const extension: Extension.ExtensionRecord = {
    id: randomUUID(),
    customer_id: customerId,
    name: 'front desk',
    detail: '',
    domain_id: domain.id,
    extension: '100',
    password: 'Sup3rSecretPassw0rd',
    direct_hash: randomUUID().replaceAll('-', '').slice(0, 12),
    realm: domain.realm,
    tm_create: '2026-12-01 00:00:00.000000',
    tm_update: '',
  };
  const webhook: Webhook.WebhookRecord = {
    id: randomUUID(),
    customer_id: customerId,
    url: 'https://hooks.example.test/in',
    event_types: ['extension.created', 'registration.expired'],
    name: 'crm',
    detail: '',
    enabled: false,
    disabled_reason: 'endpoint_gone',
    secret: `whsec_${randomUUID()}`,
    tm_create: '2026-12-01 00:00:00.000000',
    tm_update: '',
  };
  const createdAt = Date.UTC(2026, 11, 1);
  const delivery: Delivery.DeliveryRecord = {
    id: randomUUID(),
    customer_id: customerId,
    webhook_id: webhook.id,
    event_id: `evt_${randomUUID()}`,
    event_type: 'extension.created',
    body: '{"type":"extension.created"}',
    status: 'retrying',
    attempts: 2,
    last_response_code: 503,
    last_error: '',
    next_attempt_at: createdAt + 60_000,
    created_at: createdAt,
    updated_at: createdAt + 1_000,
  };
  return { customer, accessKey, domain, extension, webhook, delivery };
}

describe('each entity reads back what it wrote', () => {
  it('customer, access key, domain and extension records, and their claims, through DynamoDB', async () => {
    const { customer, accessKey, domain, extension } = records();
    const ha1 = { ha1: 'a'.repeat(32), ha1b: 'b'.repeat(32) };
    for (const item of [
      Customer.toItem(customer),
      AccessKey.toItem(accessKey),
      Domain.toItem(domain),
      Extension.toItem(extension),
      accessKeyLookupItem(accessKey),
      domainNameItem(domain),
      sipCredentialItem(extension, ha1),
      directHashItem(extension, extension.direct_hash),
    ]) {
      await put(item);
    }
    expect(await getCustomer(customer.id)).toEqual(customer);
    expect(await getAccessKey(customer.id, accessKey.id)).toEqual(accessKey);
    expect(await getDomain(customer.id, domain.id)).toEqual(domain);
    expect(await getExtension(customer.id, extension.id)).toEqual(extension);
    expect(await findAccessKeyBySecretHash(accessKey.secret_hash)).toEqual({
      customer_id: customer.id,
      accesskey_id: accessKey.id,
      expire_at: 0,
    });
    expect(await getDomainNameClaim(domain.domain_name)).toEqual({
      customer_id: customer.id,
      domain_id: domain.id,
      realm: domain.realm,
    });
    expect(await findSipCredential(domain.realm, '100')).toEqual({
      customer_id: customer.id,
      extension_id: extension.id,
      domain_id: domain.id,
      username: '100',
      realm: domain.realm,
      ...ha1,
    });
    expect(await findExtensionByDirectHash(extension.direct_hash)).toEqual({
      direct_hash: extension.direct_hash,
      customer_id: customer.id,
      extension_id: extension.id,
      domain_id: domain.id,
      username: '100',
      realm: domain.realm,
    });
  });

  it('webhook and delivery records through DynamoDB; a delivery item lapses 30 days after it was made', async () => {
    const { webhook, delivery } = records();
    await put(Webhook.toItem(webhook));
    expect(await putDelivery(delivery)).toBe(true);
    expect(await getWebhookRecord(webhook.customer_id, webhook.id)).toEqual(webhook);
    expect(await getDelivery(delivery.customer_id, delivery.webhook_id, delivery.id)).toEqual(delivery);
    expect(Delivery.toItem(delivery)[tableDefinition.timeToLiveAttribute]).toBe(delivery.created_at / 1000 + 30 * 86400);
  });

  it('items stored before a field was kept read with its documented default', async () => {
    const { customer, accessKey } = records();
    const { tm_update: _, ...customerWithoutUpdate } = Customer.toItem(customer);
    const { token_prefix: __, ...keyWithoutPrefix } = AccessKey.toItem(accessKey);
    await put(customerWithoutUpdate);
    await put(keyWithoutPrefix);
    expect((await getCustomer(customer.id))?.tm_update).toBe('');
    expect((await getAccessKey(customer.id, accessKey.id))?.token_prefix).toBe('');
  });
});

describe('a stored item that is not its entity’s record', () => {
  it('is an error naming the attribute (never its value), not a record with blanks', async () => {
    const { extension } = records();
    const { realm: _, ...withoutRealm } = Extension.toItem(extension);
    await put(withoutRealm);
    const read = getExtension(extension.customer_id, extension.id);
    await expect(read).rejects.toThrow(/stored extension item does not match its record: realm/);
    await read.catch((error: Error) => expect(error.message).not.toContain(extension.password));
  });

  it('is refused when it is another entity’s item', () => {
    const { domain } = records();
    expect(() => Extension.fromItem(Domain.toItem(domain))).toThrow('expected a stored extension item, read a domain item');
  });

  it('webhook: an unknown disabled_reason or a missing secret names the attribute, never the secret', () => {
    const { webhook } = records();
    const { secret: _, ...withoutSecret } = Webhook.toItem(webhook);
    expect(() => Webhook.fromItem(withoutSecret)).toThrow(/stored webhook item does not match its record: secret/);
    const oddReason = { ...Webhook.toItem(webhook), disabled_reason: 'tired' };
    expect(() => Webhook.fromItem(oddReason)).toThrow(/stored webhook item does not match its record: disabled_reason/);
    expect(() => Webhook.fromItem(oddReason)).not.toThrow(webhook.secret);
  });

  it('webhook delivery: an item of another entity, or a status it cannot have', () => {
    const { webhook, delivery } = records();
    expect(() => Delivery.fromItem(Webhook.toItem(webhook))).toThrow('expected a stored webhook-delivery item, read a webhook item');
    const odd = { ...Delivery.toItem(delivery), status: 'lost' };
    expect(() => Delivery.fromItem(odd)).toThrow(/stored webhook-delivery item does not match its record: status/);
  });
});

describe('the API view of a record', () => {
  it('shows exactly the documented fields: never the secret’s hash, the extension count or the realm field', () => {
    const { accessKey, domain, extension } = records();
    const documented = (view: { shape: object }) => Object.keys(view.shape).sort();
    expect(Object.keys(AccessKey.toView(accessKey)).sort()).toEqual(documented(AccessKey.view));
    expect(AccessKey.toView(accessKey)).not.toHaveProperty('secret_hash');
    expect(Object.keys(Domain.toView(domain)).sort()).toEqual(documented(Domain.view));
    expect(Domain.toView(domain)).not.toHaveProperty('extension_count');
    expect(Object.keys(Extension.toView(extension)).sort()).toEqual(documented(Extension.view));
    expect(Extension.toView(extension)).toMatchObject({ username: '100', domain_name: extension.realm });
  });

  it('webhook: never the secret, but for create and regenerate; a delivery: never the body, epoch ms as timestamps', () => {
    const { webhook, delivery } = records();
    const documented = (view: { shape: object }) => Object.keys(view.shape).sort();
    expect(Object.keys(Webhook.toView(webhook)).sort()).toEqual(documented(Webhook.view));
    expect(Webhook.toView(webhook)).not.toHaveProperty('secret');
    expect(Webhook.toViewWithSecret(webhook)).toEqual({ ...Webhook.toView(webhook), secret: webhook.secret });
    expect(Object.keys(Delivery.toView(delivery)).sort()).toEqual(documented(Delivery.view));
    expect(Delivery.toView(delivery)).not.toHaveProperty('body');
    expect(Delivery.toView(delivery)).toMatchObject({
      next_retry: '2026-12-01 00:01:00.000000',
      tm_create: '2026-12-01 00:00:00.000000',
      tm_update: '2026-12-01 00:00:01.000000',
    });
    expect(Delivery.toView({ ...delivery, next_attempt_at: 0 }).next_retry).toBe('');
  });
});

describe('a binding item', () => {
  const owner = (customerId: string) => ({ customerId, extensionId: randomUUID(), aor: '100@example.test', retentionDays: 1 });

  it('written before the state machine reads as documented: event_at, ended_by at expires_at, created_at', async () => {
    const { customerId, extensionId, aor } = owner(randomUUID());
    const device = { contact: 'sip:100@192.0.2.1:5060', received: '', user_agent: 'phone', call_id: 'c1', cseq: 7, expires_at: 1_800_000_300 };
    const legacy = {
      ...Binding.key(customerId, extensionId, 'uloc-1'),
      ...Binding.identity({ customerId, extensionId, aor, retentionDays: 1 }, 'uloc-1'),
      ...device,
      event_at: 1_800_000_000,
      ended_by: 'expired',
      created_at: 1_799_999_000_000,
      ttl: 1_800_086_700,
    };
    await put(legacy);
    const [binding] = await queryBindings(customerId, extensionId);
    expect(binding).toMatchObject({
      registration_id: 'uloc-1',
      ...device,
      ended_by: 'expired',
      created_at: 1_799_999_000_000,
      updated_at: 1_800_000_300_000,
      rev: 0,
    });
    expect(binding!.state).toEqual({
      report: { ...device, seen_at: 1_800_000_000 },
      endings: [{ kind: 'expired', at: 1_800_000_300 }],
      first_at: 1_799_999_000,
    });
  });

  it('that does not match its record is an error naming the attribute, never its value', () => {
    const item = {
      ...Binding.identity(owner(randomUUID()), 'uloc-2'),
      contact: 'sip:secret-contact@192.0.2.1',
      seen_at: 'yesterday',
      ttl: 1,
    };
    expect(() => Binding.fromItem(item)).toThrow(/stored binding item does not match its record: seen_at/);
    expect(() => Binding.fromItem(item)).not.toThrow(/secret-contact/);
  });

  it('is refused when it is another entity’s item', () => {
    const { extension } = records();
    expect(() => Binding.fromItem(Extension.toItem(extension))).toThrow('expected a stored binding item, read a extension item');
  });
});

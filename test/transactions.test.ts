import { randomUUID } from 'node:crypto';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createDomain } from '../shared/domain/domains.js';
import { createExtension } from '../shared/domain/extensions.js';
import { computeHa1 } from '../shared/domain/secrets.js';
import { getExtension, insertExtension } from '../shared/store/extensions.js';
import { ApiError } from '../shared/errors.js';
import {
  putItem,
  putNew,
  transactWrite,
  type TransactionWrite,
} from '../shared/store/transactions.js';
import { AGAIN, immediately, retrying } from '../shared/store/retry.js';
import { db, tableName } from '../shared/table/client.js';

/** Items of this file only: a partition of its own per test. */
const itemIn = (partition: string, name: string) => ({ PK: `TEST#transactions#${partition}`, SK: name, entity: 'test' });
const exists = async (item: { PK: string; SK: string }) =>
  (await db().send(new GetCommand({ TableName: tableName(), Key: { PK: item.PK, SK: item.SK }, ConsistentRead: true })))
    .Item !== undefined;

/** The same writes in their order and reversed. */
const bothOrders = <T>(writes: TransactionWrite<T>[]) => [writes, [...writes].reverse()];

describe('a transaction answers with the outcomes its failing writes carry', () => {
  it('one failing write: the same outcome whatever the order of the writes, and nothing written', async () => {
    const partition = randomUUID();
    const [number, hash, record] = ['number', 'hash', 'record'].map((name) => itemIn(partition, name));
    await transactWrite([{ write: putItem(hash!) }]);
    const writes: TransactionWrite<string>[] = [
      { write: putNew(number!), onConditionFailed: 'number-taken' },
      { write: putNew(hash!), onConditionFailed: 'hash-taken' },
      { write: putNew(record!) },
    ];
    for (const order of [...bothOrders(writes), [writes[1]!, writes[2]!, writes[0]!]]) {
      const result = await transactWrite(order);
      expect(result).toEqual({ ok: false, failed: new Set(['hash-taken']) });
    }
    expect(await exists(number!)).toBe(false);
    expect(await exists(record!)).toBe(false);
  });

  it('several failing writes: all their outcomes, whatever the order, so the caller decides which wins', async () => {
    const partition = randomUUID();
    const [number, hash, record] = ['number', 'hash', 'record'].map((name) => itemIn(partition, name));
    await transactWrite([{ write: putItem(number!) }, { write: putItem(hash!) }]);
    const writes: TransactionWrite<string>[] = [
      { write: putNew(record!) },
      { write: putNew(number!), onConditionFailed: 'number-taken' },
      { write: putNew(hash!), onConditionFailed: 'hash-taken' },
    ];
    for (const order of bothOrders(writes)) {
      expect(await transactWrite(order)).toEqual({ ok: false, failed: new Set(['number-taken', 'hash-taken']) });
    }
    expect(await exists(record!)).toBe(false);
  });

  it('a write that carries no outcome and fails is an error, not an answer', async () => {
    const partition = randomUUID();
    const [taken, free] = ['taken', 'free'].map((name) => itemIn(partition, name));
    await transactWrite([{ write: putItem(taken!) }]);
    await expect(
      transactWrite([{ write: putNew(free!), onConditionFailed: 'free-taken' }, { write: putNew(taken!) }]),
    ).rejects.toThrow('the condition of a Put that should not fail failed');
    expect(await exists(free!)).toBe(false);
  });

  it('no failing write: ok, and every write is applied', async () => {
    const partition = randomUUID();
    const items = ['a', 'b'].map((name) => itemIn(partition, name));
    expect(await transactWrite(items.map((item) => ({ write: putNew(item), onConditionFailed: 'taken' })))).toEqual({
      ok: true,
    });
    for (const item of items) expect(await exists(item)).toBe(true);
  });
});

describe('an extension create that breaks several rules at once', () => {
  it('answers by the rules’ precedence (missing domain, then taken number, then taken hash), not by write order', async () => {
    const customerId = randomUUID();
    const domain = await createDomain(customerId, { domain_name: `tx-${randomUUID().slice(0, 8)}` });
    const taken = await createExtension(customerId, { extension: '100', domain_id: domain.id });
    const existing = (await getExtension(customerId, taken.id))!;
    const again = { ...existing, id: randomUUID() };
    const ha1 = computeHa1('100', domain.realm, existing.password);

    expect(await insertExtension({ ...again, domain_id: randomUUID() }, ha1)).toBe('domain-not-found');
    expect(await insertExtension(again, ha1)).toBe('extension-taken');
    expect(await insertExtension({ ...again, extension: '101' }, ha1)).toBe('direct-hash-taken');
    expect(await getExtension(customerId, again.id)).toBeUndefined();
  });
});

describe('a read-decide-write that finds the state changed', () => {
  it('decides again on a fresh read, and answers the first settled attempt', async () => {
    const answers = [AGAIN, AGAIN, 'deleted'] as const;
    let attempts = 0;
    expect(await retrying(async () => answers[attempts++]!, { attempts: 5, backoff: immediately })).toBe('deleted');
    expect(attempts).toBe(3);
  });

  it('still changing after its attempts: 503 CONTENDED (retry shortly), not a stale answer', async () => {
    let attempts = 0;
    const settled = retrying(async () => (attempts++, AGAIN), { attempts: 4, backoff: immediately });
    await expect(settled).rejects.toBeInstanceOf(ApiError);
    await expect(settled).rejects.toMatchObject({ status: 'UNAVAILABLE', reason: 'CONTENDED' });
    expect(attempts).toBe(4);
  });
});

describe('a transaction that conflicts with concurrent ones', () => {
  const conflict = () =>
    new TransactionCanceledException({
      message: 'Transaction cancelled',
      $metadata: {},
      CancellationReasons: [{ Code: 'TransactionConflict' }],
    });

  afterEach(() => vi.restoreAllMocks());

  it('is sent again, and answers once it goes through', async () => {
    const send = vi.spyOn(db(), 'send').mockRejectedValueOnce(conflict()).mockRejectedValueOnce(conflict());
    const item = itemIn(randomUUID(), 'conflicted');
    expect(await transactWrite([{ write: putNew(item) }])).toEqual({ ok: true });
    expect(send).toHaveBeenCalledTimes(3);
    expect(await exists(item)).toBe(true);
  });

  it('still conflicting after its attempts: 503 CONTENDED (retry shortly), not a 500', async () => {
    const send = vi.spyOn(db(), 'send').mockRejectedValue(conflict());
    const written = transactWrite([{ write: putNew(itemIn(randomUUID(), 'contended')) }]);
    await expect(written).rejects.toMatchObject({ status: 'UNAVAILABLE', reason: 'CONTENDED' });
    expect(send).toHaveBeenCalledTimes(9);
  });
});

import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { db, tableName } from '../table/client.js';
import { tableDefinition } from '../table/definition.js';
import { idempotencyKeyItem } from '../table/keys.js';
import { readItem } from './readItem.js';

/**
 * The Idempotency-Key items (shared/http/idempotency.ts has the contract). One item per
 * customer and key, reached only by the key hash under the customer's prefix:
 * - state `in_progress` while the first request works, held until `lease_until`;
 * - state `completed` with its reply, sealed (encrypted with a key only the client's
 *   Idempotency-Key derives), until the table's TTL attribute passes.
 * DynamoDB's TTL sweeper deletes lazily (days), so every read judges expiry itself.
 * Actions: PutItem (claim), GetItem (read), UpdateItem (complete), DeleteItem (release).
 */
const TTL = tableDefinition.timeToLiveAttribute;

export interface IdempotencyRecord {
  state: 'in_progress' | 'completed';
  /** HMAC of the request (method, path, body) that claimed the key. */
  fingerprint: string;
  requestId: string;
  /** The stored reply, sealed; only when completed. */
  reply?: string;
}

export interface IdempotencyClaim {
  customerId: string;
  keyHash: string;
  fingerprint: string;
  requestId: string;
  /** Unix seconds. */
  now: number;
  ttlSeconds: number;
  leaseSeconds: number;
}

/**
 * Takes the key for this request, unless a live item holds it: then the holder's record
 * (undefined when it vanished in between: released or expired; the caller tries again).
 * One conditional PutItem decides between racing duplicates; a lost race costs one GetItem.
 */
export async function claimIdempotencyKey(
  claim: IdempotencyClaim,
): Promise<{ claimed: true } | { claimed: false; record: IdempotencyRecord | undefined }> {
  const Key = idempotencyKeyItem(claim.customerId, claim.keyHash);
  try {
    await db().send(
      new PutCommand({
        TableName: tableName(),
        Item: {
          ...Key,
          entity: 'idempotency_key',
          state: 'in_progress',
          fingerprint: claim.fingerprint,
          request_id: claim.requestId,
          lease_until: claim.now + claim.leaseSeconds,
          [TTL]: claim.now + claim.ttlSeconds,
        },
        // Free, expired (not yet swept), or held by a first request that died mid-way.
        ConditionExpression: 'attribute_not_exists(PK) OR #ttl <= :now OR (#state = :in_progress AND lease_until <= :now)',
        ExpressionAttributeNames: { '#ttl': TTL, '#state': 'state' },
        ExpressionAttributeValues: { ':now': claim.now, ':in_progress': 'in_progress' },
      }),
    );
    return { claimed: true };
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
  return { claimed: false, record: await readIdempotencyKey(claim.customerId, claim.keyHash, claim.now) };
}

/** The live record of a key, or undefined (none, or past its TTL). */
export function readIdempotencyKey(customerId: string, keyHash: string, now: number): Promise<IdempotencyRecord | undefined> {
  return readItem(idempotencyKeyItem(customerId, keyHash), (item) => ((item[TTL] as number) <= now ? undefined : recordOf(item)));
}

const recordOf = (item: Record<string, unknown>): IdempotencyRecord => ({
  state: item.state as IdempotencyRecord['state'],
  fingerprint: item.fingerprint as string,
  requestId: item.request_id as string,
  ...(typeof item.reply === 'string' ? { reply: item.reply } : {}),
});

/** Stores the first request's reply; only while that request still holds the key. */
export async function completeIdempotencyKey(customerId: string, keyHash: string, requestId: string, reply: string): Promise<void> {
  await db().send(
    new UpdateCommand({
      TableName: tableName(),
      Key: idempotencyKeyItem(customerId, keyHash),
      UpdateExpression: 'SET #state = :completed, reply = :reply REMOVE lease_until',
      ConditionExpression: 'request_id = :request_id',
      ExpressionAttributeNames: { '#state': 'state' },
      ExpressionAttributeValues: { ':completed': 'completed', ':reply': reply, ':request_id': requestId },
    }),
  );
}

/** Frees the key after a failure that stored nothing, so a retry does the work. */
export async function releaseIdempotencyKey(customerId: string, keyHash: string, requestId: string): Promise<void> {
  try {
    await db().send(
      new DeleteCommand({
        TableName: tableName(),
        Key: idempotencyKeyItem(customerId, keyHash),
        ConditionExpression: 'request_id = :request_id AND #state = :in_progress',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: { ':request_id': requestId, ':in_progress': 'in_progress' },
      }),
    );
  } catch (error) {
    // Someone else holds it now (our lease ran out): theirs to finish.
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
}

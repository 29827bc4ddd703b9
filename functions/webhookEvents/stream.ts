import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { logger } from '../../shared/log.js';
import { changeRecordOf, deriveEvents } from '../../shared/webhooks/events.js';
import { fanOut } from '../../shared/webhooks/pipeline.js';
import { deliveryQueue } from '../../shared/webhooks/queue.js';

/**
 * The table's change stream (filtered to records that can be events, see
 * infra/webhookDelivery.ts) -> customer events -> one delivery job per subscription on
 * SQS. A failure reports the first record not done: Lambda retries from there (delivery
 * records make the repeat idempotent), splitting the batch, and after its retries hands
 * the record to the stream's failure queue.
 */
export async function handler(event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> {
  const queue = deliveryQueue();
  for (const record of event.Records) {
    try {
      const events = deriveEvents(changeRecordOf(record as never));
      if (events.length) await fanOut(events, queue);
    } catch (error) {
      logger.error('webhook fan-out failed', { error_name: (error as Error).name, event_id: record.eventID });
      return { batchItemFailures: [{ itemIdentifier: record.dynamodb?.SequenceNumber ?? '' }] };
    }
  }
  return { batchItemFailures: [] };
}

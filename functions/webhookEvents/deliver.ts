import { ChangeMessageVisibilityCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { logger } from '../../shared/log.js';
import { attemptDelivery } from '../../shared/webhooks/pipeline.js';
import { parseJob } from '../../shared/webhooks/queue.js';

const sqs = new SQSClient({});
/** SQS holds a message back at most 12 h. */
const MAX_VISIBILITY_SECONDS = 12 * 3600;

const queueUrlOf = (record: SQSRecord) => {
  // arn:aws:sqs:<region>:<account>:<name> -> https://sqs.<region>.amazonaws.com/<account>/<name>
  const [, , , region, account, name] = record.eventSourceARN.split(':');
  return `https://sqs.${region}.amazonaws.com/${account}/${name}`;
};

/**
 * One attempt per message, all of a batch at once (a slow receiver, up to its 5 s
 * timeout, holds no other message up). A failed attempt that will be retried keeps its
 * message: its visibility is set to the backoff wait and it is reported as a batch item
 * failure, so SQS hands it back then. A message that keeps crashing goes to the DLQ.
 */
export async function handler(event: SQSEvent): Promise<SQSBatchResponse> {
  const failures = await Promise.all(
    event.Records.map(async (record) => {
      try {
        const result = await attemptDelivery(parseJob(record.body));
        if (result.done) return undefined;
        await sqs.send(
          new ChangeMessageVisibilityCommand({
            QueueUrl: queueUrlOf(record),
            ReceiptHandle: record.receiptHandle,
            VisibilityTimeout: Math.min(MAX_VISIBILITY_SECONDS, Math.ceil(result.retryInSeconds)),
          }),
        );
        return record.messageId;
      } catch (error) {
        logger.error('webhook delivery failed to run', { error_name: (error as Error).name, message_id: record.messageId });
        return record.messageId;
      }
    }),
  );
  return { batchItemFailures: failures.filter((id): id is string => id !== undefined).map((itemIdentifier) => ({ itemIdentifier })) };
}

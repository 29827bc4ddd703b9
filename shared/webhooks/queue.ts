import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { unavailable } from '../errors.js';
import type { DeliveryJob, DeliveryQueue } from './pipeline.js';

/**
 * Where delivery jobs go: SQS on AWS (WEBHOOK_QUEUE_URL, set by CDK for the functions
 * that declare it), else the in-process scheduler npm start (and tests) registered.
 */
let localQueue: DeliveryQueue | undefined;

export function useLocalDeliveryQueue(queue: DeliveryQueue | undefined) {
  localQueue = queue;
}

let sqs: SQSClient | undefined;

export function sqsDeliveryQueue(queueUrl: string): DeliveryQueue {
  sqs ??= new SQSClient({});
  return {
    async enqueue(jobs) {
      // 10 per SendMessageBatch; a partial failure throws, so the caller's batch is retried
      // (delivery records make the retry idempotent).
      for (let i = 0; i < jobs.length; i += 10) {
        const chunk = jobs.slice(i, i + 10);
        const result = await sqs!.send(
          new SendMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: chunk.map((job, n) => ({ Id: String(n), MessageBody: JSON.stringify(job) })),
          }),
        );
        if (result.Failed?.length) throw new Error(`SQS refused ${result.Failed.length} delivery jobs`);
      }
    },
  };
}

export function deliveryQueue(): DeliveryQueue {
  const url = process.env.WEBHOOK_QUEUE_URL;
  if (url) return sqsDeliveryQueue(url);
  if (localQueue) return localQueue;
  throw unavailable('DELIVERY_NOT_RUNNING', 'Webhook delivery is not running here; try again later.');
}

export const parseJob = (body: string): DeliveryJob => {
  const job = JSON.parse(body) as DeliveryJob;
  if (typeof job.customerId !== 'string' || typeof job.webhookId !== 'string' || typeof job.deliveryId !== 'string') {
    throw new Error('not a delivery job');
  }
  return job;
};

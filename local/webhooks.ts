import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  ExpiredIteratorException,
  GetRecordsCommand,
  GetShardIteratorCommand,
  TrimmedDataAccessException,
} from '@aws-sdk/client-dynamodb-streams';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { logger } from '../shared/log.js';
import { changeRecordOf, deriveEvents } from '../shared/webhooks/events.js';
import { attemptDelivery, fanOut, type DeliveryJob, type DeliveryQueue } from '../shared/webhooks/pipeline.js';
import { useLocalDeliveryQueue } from '../shared/webhooks/queue.js';

/**
 * Customer webhooks in npm start and in tests: the SAME derivation, fan-out and delivery
 * code as the Lambda functions, fed by polling DynamoDB Local's stream of the table, with
 * an in-process scheduler in place of SQS (a job waits on a timer, never in a line: a slow
 * receiver holds up only its own job, as a message on SQS would).
 */
export interface LocalWebhooks {
  stop(): Promise<void>;
}

export interface LocalWebhookOptions {
  endpoint: string;
  tableName: string;
  region?: string;
  /** Between stream polls; default 200 ms. */
  pollMs?: number;
}

export async function startLocalWebhooks(options: LocalWebhookOptions): Promise<LocalWebhooks> {
  const clientConfig = {
    endpoint: options.endpoint,
    region: options.region ?? 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  };
  const dynamo = new DynamoDBClient(clientConfig);
  const streams = new DynamoDBStreamsClient(clientConfig);
  const pollMs = options.pollMs ?? 200;
  let stopped = false;
  const timers = new Set<NodeJS.Timeout>();
  const running = new Set<Promise<unknown>>();

  const track = <T>(p: Promise<T>) => {
    running.add(p);
    void p.finally(() => running.delete(p)).catch(() => undefined);
    return p;
  };

  const queue: DeliveryQueue = {
    async enqueue(jobs) {
      for (const job of jobs) schedule(job, 0);
    },
  };
  function schedule(job: DeliveryJob, delayMs: number) {
    if (stopped) return;
    const timer = setTimeout(() => {
      timers.delete(timer);
      track(run(job));
    }, delayMs);
    timers.add(timer);
  }
  async function run(job: DeliveryJob) {
    try {
      const result = await attemptDelivery(job);
      if (!result.done) schedule(job, result.retryInSeconds * 1000);
    } catch (error) {
      // As SQS would: the job comes back (after the first retry's wait).
      logger.warn('webhook attempt failed to run', { error_name: (error as Error).name });
      schedule(job, 1000);
    }
  }
  useLocalDeliveryQueue(queue);

  const { Table } = await dynamo.send(new DescribeTableCommand({ TableName: options.tableName }));
  const streamArn = Table?.LatestStreamArn;
  if (!streamArn) throw new Error(`table ${options.tableName} has no stream (ensureTable enables it)`);

  // Shards we read, with their iterator; new shards (DynamoDB Local rolls them) start at their beginning.
  const iterators = new Map<string, string | undefined>();
  const finished = new Set<string>();
  async function discover(initial: boolean) {
    const { StreamDescription } = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn }));
    for (const shard of StreamDescription?.Shards ?? []) {
      const id = shard.ShardId!;
      if (iterators.has(id) || finished.has(id)) continue;
      const open = shard.SequenceNumberRange?.EndingSequenceNumber === undefined;
      if (initial && !open) {
        finished.add(id);
        continue;
      }
      const { ShardIterator } = await streams.send(
        new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: id, ShardIteratorType: initial ? 'LATEST' : 'TRIM_HORIZON' }),
      );
      iterators.set(id, ShardIterator);
    }
  }
  await discover(true);

  let polling: Promise<void> = Promise.resolve();
  async function pollOnce() {
    let sawClosed = false;
    for (const [shardId, iterator] of [...iterators]) {
      if (!iterator) {
        iterators.delete(shardId);
        finished.add(shardId);
        sawClosed = true;
        continue;
      }
      try {
        const { Records, NextShardIterator } = await streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
        iterators.set(shardId, NextShardIterator);
        const events = (Records ?? []).flatMap((record) => deriveEvents(changeRecordOf(record as never)));
        if (events.length) await fanOut(events, queue);
      } catch (error) {
        if (error instanceof ExpiredIteratorException || error instanceof TrimmedDataAccessException) {
          iterators.delete(shardId);
          sawClosed = true;
          continue;
        }
        throw error;
      }
    }
    if (sawClosed || iterators.size === 0) await discover(false);
  }
  let loopTimer: NodeJS.Timeout | undefined;
  const loop = () => {
    if (stopped) return;
    polling = pollOnce()
      .catch((error: Error) => logger.warn('webhook stream poll failed', { error_name: error.name }))
      .finally(() => {
        if (!stopped) loopTimer = setTimeout(loop, pollMs);
      });
  };
  loop();

  return {
    async stop() {
      stopped = true;
      if (loopTimer) clearTimeout(loopTimer);
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      await polling;
      await Promise.allSettled([...running]);
      useLocalDeliveryQueue(undefined);
      dynamo.destroy();
      streams.destroy();
    },
  };
}

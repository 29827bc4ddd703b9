import { Duration, type RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { uses } from '../shared/routes/access.js';
import { grantTableUses } from './tableGrants.js';
import { DynamoEventSource, SqsDlq, SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { RouteFunction } from './routeFunction.js';

/** Metric namespace of the delivery attempt metrics (from the delivery function's log). */
export const WEBHOOK_METRICS_NAMESPACE = 'SipRegistry/Webhooks';
/** Failed attempts above this share of all (with at least MIN_ATTEMPTS in 15 min) alarm. */
export const WEBHOOK_FAILURE_RATE_ALARM_PERCENT = 50;
const MIN_ATTEMPTS = 20;

/**
 * Which stream records can become customer events (shared/webhooks/events.ts): extension
 * and binding items only; credential items, claims, idempotency and delivery records never
 * invoke the function. Whether a binding change is an event depends on its derived state
 * (the newest report against its endings, shared/store/bindingTransitions.ts), which no
 * filter pattern can compute, so refreshes do reach the function: batched (up to 100
 * records, 1 s window) they cost about one invocation per second at hundreds of refreshes
 * per second, and the code drops them.
 */
export const webhookStreamFilters: Record<string, unknown>[] = [
  // Any change of an extension item.
  { dynamodb: { Keys: { SK: { S: ['#EXTENSION'] } } } },
  // Any binding written...
  { dynamodb: { NewImage: { entity: { S: ['binding'] } } } },
  // ...or deleted (TTL, or with its extension).
  { eventName: ['REMOVE'], dynamodb: { OldImage: { entity: { S: ['binding'] } } } },
];

export interface WebhookDeliveryProps {
  table: dynamodb.ITable;
  environment: Record<string, string>;
  logRetention: logs.RetentionDays;
  removalPolicy: RemovalPolicy;
}

/**
 * Customer webhooks on AWS (docs/webhooks.md):
 *   table stream --(filter)--> events function --> delivery queue (SQS) --> delivery function --> customer URL
 * The events function finds the customer's subscriptions and sends one job per
 * (subscription, event). The delivery function makes one attempt per job; a retry is
 * the same message made visible again after the backoff wait (ChangeMessageVisibility,
 * at most 12 h at a time). Messages that keep crashing the function go to the DLQ;
 * stream records the events function cannot process go to the stream failure queue.
 * Alarms: either queue not empty, and the share of failed attempts.
 */
export class WebhookDelivery extends Construct {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  readonly streamFailureQueue: sqs.Queue;
  readonly eventsFunction: RouteFunction;
  readonly deliveryFunction: RouteFunction;
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: WebhookDeliveryProps) {
    super(scope, id);
    const { table } = props;
    if (!table.tableStreamArn) throw new Error('WebhookDelivery needs the table with its stream enabled');

    const retention = Duration.days(14);
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetters', { retentionPeriod: retention, enforceSSL: true, encryption: sqs.QueueEncryption.SQS_MANAGED });
    this.streamFailureQueue = new sqs.Queue(this, 'StreamFailures', { retentionPeriod: retention, enforceSSL: true, encryption: sqs.QueueEncryption.SQS_MANAGED });
    for (const deadLetters of [this.deadLetterQueue, this.streamFailureQueue]) {
      Validations.of(deadLetters).acknowledge({
        id: 'Serverless-SQSRedrivePolicy',
        reason: 'A dead-letter queue itself: where failed jobs or stream records end, alarmed on its depth; nothing consumes it to fail again.',
      });
    }
    Validations.of(this.streamFailureQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue IS a dead-letter target: the on-failure destination of the events function stream mapping, holding records it gave up on; it has no consumer of its own to fail.',
    });
    this.queue = new sqs.Queue(this, 'Queue', {
      // Long enough for a batch of attempts (5 s receiver timeout each, run in parallel).
      visibilityTimeout: Duration.seconds(120),
      // Retries span about 40 h (shared/webhooks/pipeline.ts): keep messages 4 days.
      retentionPeriod: Duration.days(4),
      enforceSSL: true,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      // Every retry is a receive: 12 attempts at most, so 20 receives only happen to a job that crashes the function.
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: 20 },
    });

    const fn = (fid: string, handler: string, description: string, timeout: Duration) => {
      const created = new RouteFunction(this, fid, {
        handler,
        description,
        environment: props.environment,
        logRetention: props.logRetention,
        removalPolicy: props.removalPolicy,
        timeout,
      });
      Validations.of(created).acknowledge({
        id: 'Serverless-LambdaDLQ',
        reason:
          'Never invoked asynchronously: the events function reads the stream (failed batches go to the StreamFailures queue, its on-failure destination) and the delivery function reads SQS (jobs that keep failing go to the DeadLetters queue by the redrive policy).',
      });
      Validations.of(created).acknowledge({
        id: 'Serverless-LambdaTracing',
        reason: 'X-Ray off by decision (docs/deploy.md, "Observability"), as for every function of the stack.',
      });
      Validations.of(created).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'Only X-Ray tracing: X-Ray has no resource-level permissions. Table, queue and log grants name their resources.',
      });
      created.fn.addEnvironment('TABLE_NAME', table.tableName);
      return created;
    };

    // Events: read the stream (granted by the event source), Query a customer's
    // subscriptions and put delivery records, send jobs.
    this.eventsFunction = fn('Events', 'functions/webhookEvents/stream.ts', 'Table stream -> customer webhook jobs', Duration.seconds(60));
    grantTableUses(this.eventsFunction, table, { operationId: 'webhookEvents', table: 'write', access: [uses.webhooks.fanOut] });
    this.eventsFunction.fn.addEnvironment('WEBHOOK_QUEUE_URL', this.queue.queueUrl);
    this.queue.grantSendMessages(this.eventsFunction.fn);
    this.eventsFunction.fn.addEventSource(
      new DynamoEventSource(table, {
        startingPosition: lambda.StartingPosition.LATEST,
        batchSize: 100,
        maxBatchingWindow: Duration.seconds(1),
        bisectBatchOnError: true,
        retryAttempts: 10,
        maxRecordAge: Duration.hours(24),
        reportBatchItemFailures: true,
        onFailure: new SqsDlq(this.streamFailureQueue),
        filters: webhookStreamFilters.map((pattern) => lambda.FilterCriteria.filter(pattern)),
      }),
    );

    // Delivery: read a delivery and its subscription, record the attempt, disable on 410.
    this.deliveryFunction = fn('Deliver', 'functions/webhookEvents/deliver.ts', 'POSTs customer webhooks, one attempt per job', Duration.seconds(20));
    grantTableUses(this.deliveryFunction, table, { operationId: 'webhookDelivery', table: 'write', access: [uses.webhooks.attempt] });
    this.deliveryFunction.fn.addEventSource(
      new SqsEventSource(this.queue, { batchSize: 10, reportBatchItemFailures: true, maxConcurrency: 50 }),
    );
    Validations.of(this.deliveryFunction).acknowledge({
      id: 'Serverless-LambdaEventSourceMappingDestination',
      reason: "An SQS source keeps failed messages on the queue, and the queue's redrive policy moves them to DeadLetters after 20 receives: SQS mappings take no on-failure destination.",
    });

    // Alarms.
    const queueNotEmpty = (alarmId: string, queue: sqs.Queue, what: string) =>
      this.alarms.push(
        new cloudwatch.Alarm(this, alarmId, {
          alarmDescription: what,
          metric: queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }),
          threshold: 0,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        }),
      );
    queueNotEmpty('DeadLettersAlarm', this.deadLetterQueue, 'Webhook jobs that crashed the delivery function 20 times');
    queueNotEmpty('StreamFailuresAlarm', this.streamFailureQueue, 'Table changes the webhook events function could not turn into jobs');

    const attemptLine = logs.FilterPattern.stringValue('$.message', '=', 'webhook attempt');
    const metric = (metricName: string, pattern: logs.IFilterPattern) => {
      new logs.MetricFilter(this, `${metricName}Filter`, {
        logGroup: this.deliveryFunction.logGroup,
        metricNamespace: WEBHOOK_METRICS_NAMESPACE,
        metricName,
        filterPattern: pattern,
        metricValue: '1',
        defaultValue: 0,
      });
      return new cloudwatch.Metric({ namespace: WEBHOOK_METRICS_NAMESPACE, metricName, statistic: 'Sum', period: Duration.minutes(15) });
    };
    const attempts = metric('DeliveryAttempts', attemptLine);
    const failed = metric(
      'DeliveryFailures',
      logs.FilterPattern.all(
        attemptLine,
        logs.FilterPattern.any(logs.FilterPattern.numberValue('$.status', '<', 200), logs.FilterPattern.numberValue('$.status', '>', 299)),
      ),
    );
    this.alarms.push(
      new cloudwatch.Alarm(this, 'FailureRateAlarm', {
        alarmDescription: `More than ${WEBHOOK_FAILURE_RATE_ALARM_PERCENT}% of webhook attempts failed (at least ${MIN_ATTEMPTS} attempts in 15 min)`,
        metric: new cloudwatch.MathExpression({
          expression: `IF(attempts >= ${MIN_ATTEMPTS}, 100 * failed / attempts, 0)`,
          usingMetrics: { attempts, failed },
          period: Duration.minutes(15),
        }),
        threshold: WEBHOOK_FAILURE_RATE_ALARM_PERCENT,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
    );
  }

  alarmTo(topic: sns.ITopic) {
    for (const alarm of this.alarms) alarm.addAlarmAction(new actions.SnsAction(topic));
  }
}

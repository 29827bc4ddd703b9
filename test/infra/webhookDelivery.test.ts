import type { CfnElement } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RouteFunction } from '../../infra/routeFunction.js';
import { webhookStreamFilters } from '../../infra/webhookDelivery.js';
import { webhookRoutes } from '../../shared/routes/webhooks.js';
import { actionsOf, functionOf, type Statement } from './inspect.js';
import { resourcesOf, SYNTH_TIMEOUT, synthStage } from './synthStage.js';

/** The AWS wiring of customer webhooks: stream -> events function -> SQS -> delivery function. */
let synth: ReturnType<typeof synthStage>;
beforeAll(() => {
  synth = synthStage('dev');
}, SYNTH_TIMEOUT);

const idOf = (element: { node: { defaultChild?: unknown } }) => synth.stack.getLogicalId(element.node.defaultChild as CfnElement);

/** Every statement of a webhook function's role. */
function statementsOf(fn: RouteFunction): Statement[] {
  const roleId = idOf(fn.role);
  return resourcesOf(synth.json, 'AWS::IAM::Policy')
    .filter(([, p]) => (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref === roleId))
    .flatMap(([, p]) => p.Properties.PolicyDocument.Statement as Statement[]);
}
const actionSet = (fn: RouteFunction) => new Set(statementsOf(fn).flatMap(actionsOf));
const resourcesFor = (fn: RouteFunction, action: string) =>
  statementsOf(fn)
    .filter((s) => actionsOf(s).includes(action))
    .map((s) => JSON.stringify(s.Resource));

describe('customer webhook wiring', () => {
  it('streams the table with both images', () => {
    synth.template.hasResourceProperties('AWS::DynamoDB::Table', {
      StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
    });
  });

  it('feeds the events function from the stream, filtered, retried in halves, failures to their own queue', () => {
    const { webhooks } = synth.stack;
    synth.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: idOf(webhooks.eventsFunction.fn) },
      EventSourceArn: Match.anyValue(),
      StartingPosition: 'LATEST',
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [idOf(webhooks.streamFailureQueue), 'Arn'] } } },
      FilterCriteria: { Filters: webhookStreamFilters.map((pattern) => ({ Pattern: JSON.stringify(pattern) })) },
    });
  });

  it('feeds the delivery function from the queue, reporting item failures; the queue redrives to a DLQ', () => {
    const { webhooks } = synth.stack;
    synth.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: idOf(webhooks.deliveryFunction.fn) },
      EventSourceArn: { 'Fn::GetAtt': [idOf(webhooks.queue), 'Arn'] },
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    const queue = synth.json.Resources[idOf(webhooks.queue)]!.Properties;
    expect(queue.RedrivePolicy).toEqual({
      deadLetterTargetArn: { 'Fn::GetAtt': [idOf(webhooks.deadLetterQueue), 'Arn'] },
      maxReceiveCount: 20,
    });
    // Retries span about 40 h: messages must live longer than that.
    expect(queue.MessageRetentionPeriod).toBeGreaterThanOrEqual(2 * 86400);
    // A batch of attempts (5 s timeout each, in parallel) fits the visibility window.
    const timeout = synth.json.Resources[idOf(webhooks.deliveryFunction.fn)]!.Properties.Timeout;
    expect(queue.VisibilityTimeout).toBeGreaterThanOrEqual(6 * timeout);
  });

  it('grants the events function only Query and PutItem on the table and sending to the queue', () => {
    const { webhooks } = synth.stack;
    const actions = actionSet(webhooks.eventsFunction);
    expect(actions).toContain('dynamodb:Query');
    expect(actions).toContain('dynamodb:PutItem');
    expect(actions).toContain('sqs:SendMessage');
    for (const forbidden of ['dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem', 'dynamodb:Scan', 'sqs:DeleteMessage']) {
      expect(actions, forbidden).not.toContain(forbidden);
    }
    expect(resourcesFor(webhooks.eventsFunction, 'sqs:SendMessage').join()).toContain(idOf(webhooks.queue));
    expect(resourcesFor(webhooks.eventsFunction, 'dynamodb:PutItem').join()).not.toContain('index');
  });

  it('grants the delivery function only GetItem and UpdateItem on the table, and consuming its queue', () => {
    const { webhooks } = synth.stack;
    const actions = actionSet(webhooks.deliveryFunction);
    expect(actions).toContain('dynamodb:GetItem');
    expect(actions).toContain('dynamodb:UpdateItem');
    expect(actions).toContain('sqs:ChangeMessageVisibility');
    for (const forbidden of ['dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:DeleteItem', 'dynamodb:Scan', 'sqs:SendMessage', 'dynamodb:GetRecords']) {
      expect(actions, forbidden).not.toContain(forbidden);
    }
  });

  it('gives the queue only to the redeliver route among the API functions', () => {
    for (const route of Object.values(webhookRoutes)) {
      const fn = functionOf(synth.stack, synth.json, route.operationId);
      const needsQueue = route.needs?.includes('webhookQueue') ?? false;
      expect('WEBHOOK_QUEUE_URL' in fn.environment, route.operationId).toBe(needsQueue);
      expect(fn.actions.has('sqs:SendMessage'), route.operationId).toBe(needsQueue);
    }
    expect(webhookRoutes.redeliver.needs).toContain('webhookQueue');
  });

  it('alarms on the DLQ, the stream failure queue and the delivery failure rate, to the stage topic', () => {
    const { webhooks } = synth.stack;
    expect(webhooks.alarms).toHaveLength(3);
    const alarms = resourcesOf(synth.json, 'AWS::CloudWatch::Alarm').filter(([id]) => webhooks.alarms.some((a) => idOf(a) === id));
    expect(alarms).toHaveLength(3);
    for (const [, alarm] of alarms) expect(alarm.Properties.AlarmActions).toHaveLength(1);
    const text = JSON.stringify(alarms);
    expect(text).toContain(idOf(webhooks.deadLetterQueue));
    expect(text).toContain(idOf(webhooks.streamFailureQueue));
    expect(text).toContain('100 * failed / attempts');
    synth.template.hasResourceProperties('AWS::Logs::MetricFilter', {
      LogGroupName: { Ref: idOf(webhooks.deliveryFunction.logGroup) },
      MetricTransformations: [Match.objectLike({ MetricName: 'DeliveryFailures' })],
    });
  });
});

import { Duration, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { REGISTRAR_AUTH_REJECTED } from '../shared/http/registrarAuth.js';
import { tableDefinition } from '../shared/table/definition.js';
import type { RegistryApi } from './api.js';
import type { RouteFunction } from './routeFunction.js';
import type { StageConfig } from './stageConfig.js';

export const registrarAuthRejectedMetric = 'RegistrarAuthRejected';

/**
 * Matches the one line the registrar auth code logs for every refused registrar request
 * (bad or stale webhook signature, wrong or missing credential-lookup bearer secret).
 */
export const registrarAuthRejectedPattern = logs.FilterPattern.stringValue('$.message', '=', REGISTRAR_AUTH_REJECTED);

/** An alarm on metric math takes at most 10 metrics: 9 functions and the sum. */
const functionsPerAlarm = 9;
const period = Duration.minutes(5);

export interface MonitoringProps {
  stage: StageConfig;
  api: RegistryApi;
  table: dynamodb.Table;
  functions: { name: string; fn: RouteFunction }[];
  /** Functions that check registrar credentials, signed or bearer (needs include registrarSecrets). */
  registrarAuthCheckers: RouteFunction[];
}

const chunk = <T>(items: T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, i * size + size));

/** Alarms (to one SNS topic) and one dashboard for the stage. */
export class Monitoring extends Construct {
  readonly topic: sns.ITopic;
  readonly alarms: cloudwatch.Alarm[] = [];
  readonly namespace: string;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const { stage, api, table } = props;
    this.namespace = `SipRegistry/${stage.stage}`;
    this.topic = this.alarmTopic(stage);
    const alarm = (name: string, options: Omit<cloudwatch.AlarmProps, 'alarmName' | 'treatMissingData'>) => {
      const created = new cloudwatch.Alarm(this, name, {
        ...options,
        alarmName: `${stage.stackName}-${name}`,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      created.addAlarmAction(new actions.SnsAction(this.topic));
      this.alarms.push(created);
      return created;
    };

    const requests = api.httpApi.metricCount({ period, statistic: 'Sum' });
    const serverErrors = api.httpApi.metricServerError({ period, statistic: 'Sum' });
    const serverErrorRate = new cloudwatch.MathExpression({
      expression: 'IF(requests > 0, 100 * errors / requests, 0)',
      usingMetrics: { requests, errors: serverErrors },
      label: 'API 5xx %',
      period,
    });
    alarm('Api5xxRate', {
      alarmDescription: 'More than 5% of API requests answered 5xx in two consecutive 5-minute periods.',
      metric: serverErrorRate,
      threshold: 5,
      evaluationPeriods: 2,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    });

    const sumOver = (metricName: 'Errors' | 'Throttles', group: { name: string; fn: RouteFunction }[]) =>
      new cloudwatch.MathExpression({
        expression: group.map((_, i) => `m${i}`).join(' + '),
        usingMetrics: Object.fromEntries(
          group.map((f, i) => [`m${i}`, f.fn.fn.metric(metricName, { period, statistic: 'Sum' })]),
        ),
        label: `Lambda ${metricName}`,
        period,
      });
    chunk(props.functions, functionsPerAlarm).forEach((group, i) => {
      const which = group.map((f) => f.name).join(', ');
      alarm(`LambdaErrors${i + 1}`, {
        alarmDescription: `Lambda invocation errors (crashes, timeouts) in: ${which}`,
        metric: sumOver('Errors', group),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      });
      alarm(`LambdaThrottles${i + 1}`, {
        alarmDescription: `Lambda throttles (account concurrency exhausted) in: ${which}`,
        metric: sumOver('Throttles', group),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      });
    });

    const registrarRejections = new cloudwatch.Metric({
      namespace: this.namespace,
      metricName: registrarAuthRejectedMetric,
      period,
      statistic: 'Sum',
    });
    props.registrarAuthCheckers.forEach((checker, i) => {
      new logs.MetricFilter(this, `RegistrarAuthRejected${i + 1}`, {
        logGroup: checker.logGroup,
        filterPattern: registrarAuthRejectedPattern,
        metricNamespace: this.namespace,
        metricName: registrarAuthRejectedMetric,
        metricValue: '1',
        defaultValue: 0,
      });
    });
    if (props.registrarAuthCheckers.length > 0) {
      alarm('RegistrarAuthRejected', {
        alarmDescription:
          'Registrar requests refused (webhooks with a bad, stale or missing signature; credential lookups with a wrong or missing bearer secret): a wrong or rotated-away secret in Kamailio, clock skew, or someone probing.',
        metric: registrarRejections,
        threshold: 5,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      });
    }

    const tableMetric = (metricName: string, indexName?: string) =>
      new cloudwatch.Metric({
        namespace: 'AWS/DynamoDB',
        metricName,
        dimensionsMap: indexName
          ? { TableName: table.tableName, GlobalSecondaryIndexName: indexName }
          : { TableName: table.tableName },
        period,
        statistic: 'Sum',
      });
    const throttleMetrics: Record<string, cloudwatch.IMetric> = {};
    for (const [i, indexName] of [undefined, ...tableDefinition.globalIndexes.map((x) => x.indexName)].entries()) {
      throttleMetrics[`r${i}`] = tableMetric('ReadThrottleEvents', indexName);
      throttleMetrics[`w${i}`] = tableMetric('WriteThrottleEvents', indexName);
    }
    const tableThrottles = new cloudwatch.MathExpression({
      expression: Object.keys(throttleMetrics).join(' + '),
      usingMetrics: throttleMetrics,
      label: 'DynamoDB throttle events (table and indexes)',
      period,
    });
    alarm('DynamoDbThrottles', {
      alarmDescription: 'DynamoDB throttled reads or writes on the table or an index.',
      metric: tableThrottles,
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    });

    const perFunction = (metricName: string, statistic: string) =>
      props.functions.map((f) => f.fn.fn.metric(metricName, { period, statistic, label: f.name }));
    const dashboard = new cloudwatch.Dashboard(this, 'Dashboard', { dashboardName: stage.stackName });
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'API requests and errors',
        left: [requests, api.httpApi.metricClientError({ period, statistic: 'Sum' }), serverErrors],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'API latency (p50, p99)',
        left: [api.httpApi.metricLatency({ period, statistic: 'p50' }), api.httpApi.metricLatency({ period, statistic: 'p99' })],
        width: 12,
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({ title: 'Lambda errors', left: perFunction('Errors', 'Sum'), width: 8 }),
      new cloudwatch.GraphWidget({ title: 'Lambda throttles', left: perFunction('Throttles', 'Sum'), width: 8 }),
      new cloudwatch.GraphWidget({ title: 'Lambda duration p99', left: perFunction('Duration', 'p99'), width: 8 }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'DynamoDB consumed capacity',
        left: [tableMetric('ConsumedReadCapacityUnits'), tableMetric('ConsumedWriteCapacityUnits')],
        width: 8,
      }),
      new cloudwatch.GraphWidget({ title: 'DynamoDB throttles', left: [tableThrottles], width: 8 }),
      new cloudwatch.GraphWidget({ title: 'Registrar auth rejections', left: [registrarRejections], width: 8 }),
    );
    dashboard.addWidgets(new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 24 }));
  }

  private alarmTopic(stage: StageConfig): sns.ITopic {
    const topic = stage.alarms.topicArn
      ? sns.Topic.fromTopicArn(this, 'AlarmTopic', stage.alarms.topicArn)
      : this.createTopic(stage);
    if (stage.alarms.email) topic.addSubscription(new subscriptions.EmailSubscription(stage.alarms.email));
    return topic;
  }

  private createTopic(stage: StageConfig): sns.Topic {
    const topic = new sns.Topic(this, 'AlarmTopic', { displayName: `${stage.stackName} alarms`, enforceSSL: true });
    Validations.of(topic).acknowledge({
      id: 'AwsSolutions-SNS2',
      reason:
        'Alarm notifications carry alarm names and states only, no customer data or secrets; CloudWatch cannot publish to a topic encrypted with the AWS-managed SNS key, and a customer-managed key per stage is not worth its cost here.',
    });
    return topic;
  }
}

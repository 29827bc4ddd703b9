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

/**
 * The registrar routes' health, from the API's access log (one JSON line per request, infra/api.ts):
 * per-route API Gateway metrics would need detailed metrics on the stage; the access log
 * already has the route key, the status (429 when API Gateway throttles) and the latency.
 */
export const registrarRouteFilters = {
  /** API Gateway refused the request: the route's throttle is full. */
  throttled: (routeKey: string) =>
    logs.FilterPattern.all(logs.FilterPattern.stringValue('$.routeKey', '=', routeKey), logs.FilterPattern.stringValue('$.status', '=', '429')),
  serverErrors: (routeKey: string) =>
    logs.FilterPattern.all(logs.FilterPattern.stringValue('$.routeKey', '=', routeKey), logs.FilterPattern.stringValue('$.status', '=', '5*')),
  /** Every request of the route; its value is the access log's `latency` (ms, API Gateway to the response). */
  requests: (routeKey: string) => logs.FilterPattern.stringValue('$.routeKey', '=', routeKey),
};
export const registrarRouteMetricNames = (operationId: string) => ({
  throttled: `${operationId}Throttled`,
  serverErrors: `${operationId}ServerErrors`,
  latency: `${operationId}Latency`,
});

/** Kamailio blocks a SIP worker while it waits: a p99 above this is worth a look long before its 3 s timeout. */
export const REGISTRAR_P99_LATENCY_ALARM_MS = 1000;
/** Absolute 5xx count per 5 minutes on one registrar route: each is a failed REGISTER or a webhook batch to retry. */
export const REGISTRAR_5XX_ALARM_COUNT = 5;

/**
 * Customer route families (the route table's tags): p99 latency, and the share of 4xx and of
 * 429 answers, from the access log like the registrar routes' metrics.
 */
export const routeFamilyFilters = {
  requests: (routeKeys: string[]) => logs.FilterPattern.any(...routeKeys.map((k) => logs.FilterPattern.stringValue('$.routeKey', '=', k))),
  clientErrors: (routeKeys: string[]) =>
    logs.FilterPattern.all(routeFamilyFilters.requests(routeKeys), logs.FilterPattern.stringValue('$.status', '=', '4*')),
  throttled: (routeKeys: string[]) =>
    logs.FilterPattern.all(routeFamilyFilters.requests(routeKeys), logs.FilterPattern.stringValue('$.status', '=', '429')),
};
export const routeFamilyMetricNames = (family: string) => ({
  requests: `${family}Requests`,
  clientErrors: `${family}ClientErrors`,
  throttled: `${family}Throttled`,
  latency: `${family}Latency`,
});
/** A customer request's p99 above this (API Gateway to the answer) is slow for one or two DynamoDB calls. */
export const FAMILY_P99_LATENCY_ALARM_MS = 1000;
/** More than this share of a family's answers are 4xx: a broken client release, a probe, or our own bug. */
export const FAMILY_4XX_RATE_ALARM_PERCENT = 25;
/** More than this share answered 429: customers hit the stage throttle (docs/deploy.md, "Stages"). */
export const FAMILY_429_RATE_ALARM_PERCENT = 1;
/** Rates over fewer requests than this per 5 minutes are noise (one bad call of three is not an incident). */
export const FAMILY_MIN_REQUESTS = 20;

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
  /** The registrar routes (`auth: 'registrar-bearer' | 'registrar-signed'`): throttles, 5xx and p99 latency alarmed per route. */
  registrarRoutes: { operationId: string; routeKey: string }[];
  /** The other routes by family (route table tag): p99 latency, 4xx and 429 rates alarmed per family. */
  routeFamilies?: { family: string; routeKeys: string[] }[];
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

    const registrarRouteMetrics = props.registrarRoutes.map(({ operationId, routeKey }) =>
      this.registrarRouteAlarms(api, operationId, routeKey, alarm),
    );
    const familyMetrics = (props.routeFamilies ?? []).map(({ family, routeKeys }) => this.routeFamilyAlarms(api, family, routeKeys, alarm));

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
    if (registrarRouteMetrics.length > 0) {
      dashboard.addWidgets(
        new cloudwatch.GraphWidget({ title: 'Registrar routes: 429 (throttled)', left: registrarRouteMetrics.map((m) => m.throttled), width: 8 }),
        new cloudwatch.GraphWidget({ title: 'Registrar routes: 5xx', left: registrarRouteMetrics.map((m) => m.serverErrors), width: 8 }),
        new cloudwatch.GraphWidget({ title: 'Registrar routes: latency p99', left: registrarRouteMetrics.map((m) => m.latencyP99), width: 8 }),
      );
    }
    if (familyMetrics.length > 0) {
      dashboard.addWidgets(
        new cloudwatch.GraphWidget({ title: 'Route families: latency p99', left: familyMetrics.map((m) => m.latencyP99), width: 8 }),
        new cloudwatch.GraphWidget({ title: 'Route families: 4xx %', left: familyMetrics.map((m) => m.clientErrorRate), width: 8 }),
        new cloudwatch.GraphWidget({ title: 'Route families: 429 %', left: familyMetrics.map((m) => m.throttleRate), width: 8 }),
      );
    }
    dashboard.addWidgets(new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 24 }));
  }

  /** Four metric filters on the API access log and three alarms for one route family. */
  private routeFamilyAlarms(
    api: RegistryApi,
    family: string,
    routeKeys: string[],
    alarm: (name: string, options: Omit<cloudwatch.AlarmProps, 'alarmName' | 'treatMissingData'>) => cloudwatch.Alarm,
  ) {
    const names = routeFamilyMetricNames(family);
    const filter = (id: string, metricName: string, filterPattern: logs.IFilterPattern, value: { metricValue: string; defaultValue?: number; unit?: cloudwatch.Unit }) =>
      new logs.MetricFilter(this, `${family}${id}Filter`, { logGroup: api.accessLogs, filterPattern, metricNamespace: this.namespace, metricName, ...value });
    filter('Requests', names.requests, routeFamilyFilters.requests(routeKeys), { metricValue: '1', defaultValue: 0 });
    filter('ClientErrors', names.clientErrors, routeFamilyFilters.clientErrors(routeKeys), { metricValue: '1', defaultValue: 0 });
    filter('Throttled', names.throttled, routeFamilyFilters.throttled(routeKeys), { metricValue: '1', defaultValue: 0 });
    // No default value: a zero for a quiet minute would pull the percentiles down.
    filter('Latency', names.latency, routeFamilyFilters.requests(routeKeys), { metricValue: '$.latency', unit: cloudwatch.Unit.MILLISECONDS });

    const metric = (metricName: string, statistic: string) => new cloudwatch.Metric({ namespace: this.namespace, metricName, period, statistic });
    // Ids unique per family and part: a dashboard graph shows every family's rate side by side.
    const id = family.toLowerCase();
    const rate = (label: string, part: string, count: cloudwatch.Metric) =>
      new cloudwatch.MathExpression({
        expression: `IF(requests_${id} >= ${FAMILY_MIN_REQUESTS}, 100 * ${part}_${id} / requests_${id}, 0)`,
        usingMetrics: { [`requests_${id}`]: metric(names.requests, 'Sum'), [`${part}_${id}`]: count },
        label,
        period,
      });
    const latencyP99 = metric(names.latency, 'p99');
    const clientErrorRate = rate(`${family} 4xx %`, 'errors', metric(names.clientErrors, 'Sum'));
    const throttleRate = rate(`${family} 429 %`, 'throttled', metric(names.throttled, 'Sum'));
    alarm(`${family}LatencyP99`, {
      alarmDescription: `p99 latency of the ${family} routes at or above ${FAMILY_P99_LATENCY_ALARM_MS} ms for 10 minutes (${routeKeys.join(', ')}).`,
      metric: latencyP99,
      threshold: FAMILY_P99_LATENCY_ALARM_MS,
      evaluationPeriods: 2,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    });
    alarm(`${family}4xxRate`, {
      alarmDescription: `More than ${FAMILY_4XX_RATE_ALARM_PERCENT}% of the ${family} answers were 4xx for 15 minutes (at least ${FAMILY_MIN_REQUESTS} requests per 5 minutes): a client release gone wrong, someone probing, or a bug of ours answering 4xx.`,
      metric: clientErrorRate,
      threshold: FAMILY_4XX_RATE_ALARM_PERCENT,
      evaluationPeriods: 3,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    });
    alarm(`${family}429Rate`, {
      alarmDescription: `More than ${FAMILY_429_RATE_ALARM_PERCENT}% of the ${family} answers were 429 for 10 minutes: customers hit the stage throttle; raise it (stage throttle in cdk.json) or find the flooding client.`,
      metric: throttleRate,
      threshold: FAMILY_429_RATE_ALARM_PERCENT,
      evaluationPeriods: 2,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    });
    return { latencyP99: latencyP99.with({ label: family }), clientErrorRate, throttleRate };
  }

  /** Three metric filters on the API access log and three alarms for one registrar route. */
  private registrarRouteAlarms(
    api: RegistryApi,
    operationId: string,
    routeKey: string,
    alarm: (name: string, options: Omit<cloudwatch.AlarmProps, 'alarmName' | 'treatMissingData'>) => cloudwatch.Alarm,
  ) {
    const names = registrarRouteMetricNames(operationId);
    const filter = (id: string, metricName: string, filterPattern: logs.IFilterPattern, value: { metricValue: string; defaultValue?: number; unit?: cloudwatch.Unit }) =>
      new logs.MetricFilter(this, `${operationId}${id}Filter`, {
        logGroup: api.accessLogs,
        filterPattern,
        metricNamespace: this.namespace,
        metricName,
        ...value,
      });
    filter('Throttled', names.throttled, registrarRouteFilters.throttled(routeKey), { metricValue: '1', defaultValue: 0 });
    filter('ServerErrors', names.serverErrors, registrarRouteFilters.serverErrors(routeKey), { metricValue: '1', defaultValue: 0 });
    // No default value: a zero for a quiet minute would pull the percentiles down.
    filter('Latency', names.latency, registrarRouteFilters.requests(routeKey), { metricValue: '$.latency', unit: cloudwatch.Unit.MILLISECONDS });

    const metric = (metricName: string, statistic: string) =>
      new cloudwatch.Metric({ namespace: this.namespace, metricName, period, statistic });
    const throttled = metric(names.throttled, 'Sum');
    const serverErrors = metric(names.serverErrors, 'Sum');
    const latencyP99 = metric(names.latency, 'p99');
    alarm(`${operationId}Throttled`, {
      alarmDescription: `API Gateway throttled ${routeKey} (429): the route's limit, sized from the stage's registrar.expectedDevices, is below today's load or a reconnect storm is under way. Devices retry; check the device count and the sizing (docs/deploy.md, "Sizing").`,
      metric: throttled,
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    });
    alarm(`${operationId}ServerErrors`, {
      alarmDescription: `${REGISTRAR_5XX_ALARM_COUNT} or more 5xx answers on ${routeKey} in 5 minutes: failed REGISTERs or webhook batches the registrar has to retry.`,
      metric: serverErrors,
      threshold: REGISTRAR_5XX_ALARM_COUNT,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    });
    alarm(`${operationId}LatencyP99`, {
      alarmDescription: `p99 latency of ${routeKey} at or above ${REGISTRAR_P99_LATENCY_ALARM_MS} ms for 10 minutes: Kamailio blocks while it waits (HTTP_TIMEOUT 3 s).`,
      metric: latencyP99,
      threshold: REGISTRAR_P99_LATENCY_ALARM_MS,
      evaluationPeriods: 2,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    });
    // Labels only on the dashboard: a labelled metric makes the alarm a metric-math alarm.
    const label = (m: cloudwatch.Metric) => m.with({ label: routeKey });
    return { throttled: label(throttled), serverErrors: label(serverErrors), latencyP99: label(latencyP99) };
  }

  private alarmTopic(stage: StageConfig): sns.ITopic {
    const topic = stage.alarms.topicArn
      ? sns.Topic.fromTopicArn(this, 'AlarmTopic', stage.alarms.topicArn)
      : this.createTopic(stage);
    if (stage.alarms.email) {
      topic.addSubscription(new subscriptions.EmailSubscription(stage.alarms.email));
      Validations.of(this).acknowledge({
        id: 'Serverless-SNSRedrivePolicy',
        reason:
          'The only subscription is the alarm e-mail: a dead-letter queue would collect alarm notifications nobody reads; an alarm that cannot be mailed stays in ALARM state on the dashboard and in CloudWatch.',
      });
    }
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

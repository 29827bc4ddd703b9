import type { CfnElement } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  REGISTRAR_5XX_ALARM_COUNT,
  REGISTRAR_P99_LATENCY_ALARM_MS,
  registrarRouteFilters,
  registrarRouteMetricNames,
} from '../../infra/monitoring.js';
import { routes } from '../../shared/routes/index.js';
import { isRegistrarAuth } from '../../shared/routes/route.js';
import { resourcesOf, SYNTH_TIMEOUT, synthStage } from './synthStage.js';

/**
 * The registrar routes' 429, 5xx and p99 latency alarms come from metric filters on the API's
 * access log. Each filter is checked against access log lines rendered from the stage's own
 * format, the way API Gateway fills in its $context variables.
 */

type Synth = ReturnType<typeof synthStage>;
let prod: Synth;
beforeAll(() => {
  prod = synthStage('prod');
}, SYNTH_TIMEOUT);

const registrarRoutes = routes.filter((r) => isRegistrarAuth(r.auth)).map((r) => ({ operationId: r.operationId, routeKey: `${r.method} ${r.path}` }));

/** An access log line as API Gateway writes it: the stage's format with its variables filled in. */
function accessLine(format: string, values: { routeKey: string; status: number; latency: number }): string {
  const [method, path] = values.routeKey.split(' ');
  const context: Record<string, string> = {
    '$context.requestId': 'Zb3kqjQ8oAMEVXw=',
    '$context.requestTime': '01/Dec/2026:21:01:58 +0000',
    '$context.routeKey': values.routeKey,
    '$context.httpMethod': method!,
    '$context.path': path!,
    '$context.status': String(values.status),
    '$context.protocol': 'HTTP/1.1',
    '$context.responseLength': '24',
    '$context.responseLatency': String(values.latency),
    '$context.integrationLatency': String(Math.max(0, values.latency - 4)),
    '$context.integrationStatus': values.status === 429 ? '-' : String(values.status),
    '$context.integrationErrorMessage': '-',
    '$context.error.message': values.status === 429 ? 'Too Many Requests' : '-',
    '$context.identity.sourceIp': '203.0.113.10',
    '$context.identity.userAgent': 'sip-registry-registrar',
  };
  // Longest names first: $context.path must not eat into $context.pathParameters-like names.
  const names = Object.keys(context).sort((a, b) => b.length - a.length);
  let line = format;
  for (const name of names) line = line.split(name).join(context[name]!);
  expect(line, 'every variable of the format has a sample value').not.toContain('$context.');
  return line;
}

/**
 * CloudWatch Logs semantics of the pattern forms the stack uses: JSON string equalities on
 * top-level fields, `*` matching any characters, joined by &&. Anything else fails the test.
 */
function matches(pattern: string, event: string): boolean {
  const body = /^\{ (.*) \}$/.exec(pattern)?.[1];
  if (!body) throw new Error(`pattern ${pattern} is not a JSON filter`);
  const record = JSON.parse(event) as Record<string, unknown>;
  return body.split(' && ').every((term) => {
    const parsed = /^\(?\$\.([A-Za-z_][A-Za-z0-9_]*) = "((?:[^"\\]|\\.)*)"\)?$/.exec(term);
    if (!parsed) throw new Error(`term ${term} is not a string equality`);
    const [, field, quoted] = parsed;
    const value = JSON.parse(`"${quoted}"`) as string;
    const glob = new RegExp(`^${value.split('*').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
    const actual = record[field!];
    return typeof actual === 'string' && glob.test(actual);
  });
}

describe('registrar route alarms', () => {
  it('alarm on 429s, absolute 5xx counts and p99 latency of each registrar route', () => {
    const { template } = prod;
    expect(registrarRoutes.map((r) => r.routeKey).sort()).toEqual(['GET /v1.0/registrar/credentials', 'POST /v1.0/registrar/webhook']);
    for (const { operationId, routeKey } of registrarRoutes) {
      const names = registrarRouteMetricNames(operationId);
      const sum = (metricName: string) => ({ MetricName: metricName, Namespace: 'SipRegistry/prod', Statistic: 'Sum', Period: 300 });
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: `SipRegistry-prod-${operationId}Throttled`,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        Threshold: 1,
        EvaluationPeriods: 1,
        TreatMissingData: 'notBreaching',
        AlarmActions: [Match.anyValue()],
        ...sum(names.throttled),
      });
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: `SipRegistry-prod-${operationId}ServerErrors`,
        Threshold: REGISTRAR_5XX_ALARM_COUNT,
        EvaluationPeriods: 1,
        AlarmDescription: Match.stringLikeRegexp(routeKey.replace(/[/.]/g, '.')),
        ...sum(names.serverErrors),
      });
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: `SipRegistry-prod-${operationId}LatencyP99`,
        Threshold: REGISTRAR_P99_LATENCY_ALARM_MS,
        EvaluationPeriods: 2,
        MetricName: names.latency,
        Namespace: 'SipRegistry/prod',
        ExtendedStatistic: 'p99',
        Period: 300,
      });
    }
  });

  it("count from the API access log group, one filter per metric and route", () => {
    const { stack, json } = prod;
    const accessLogs = stack.node.findAll().find((c) => c.node.path.endsWith('/Api/AccessLogs/Resource'))!;
    const accessLogsId = stack.getLogicalId(accessLogs as CfnElement);
    const filters = resourcesOf(json, 'AWS::Logs::MetricFilter').map(([, f]) => f.Properties);
    for (const { operationId, routeKey } of registrarRoutes) {
      const names = registrarRouteMetricNames(operationId);
      const byMetric = (name: string) => filters.filter((f) => f.MetricTransformations[0].MetricName === name);
      for (const [name, pattern, value, defaultValue] of [
        [names.throttled, registrarRouteFilters.throttled(routeKey), '1', 0],
        [names.serverErrors, registrarRouteFilters.serverErrors(routeKey), '1', 0],
        [names.latency, registrarRouteFilters.requests(routeKey), '$.latency', undefined],
      ] as const) {
        const found = byMetric(name);
        expect(found, name).toHaveLength(1);
        expect(found[0]!.LogGroupName).toEqual({ Ref: accessLogsId });
        expect(found[0]!.FilterPattern).toBe(pattern.logPatternString);
        expect(found[0]!.MetricTransformations[0]).toMatchObject({ MetricNamespace: 'SipRegistry/prod', MetricValue: value });
        expect(found[0]!.MetricTransformations[0].DefaultValue, name).toBe(defaultValue);
      }
    }
  });

  it('match the access log lines API Gateway writes, and nothing else', () => {
    const [, stage] = resourcesOf(prod.json, 'AWS::ApiGatewayV2::Stage')[0]!;
    const format = stage.Properties.AccessLogSettings.Format as string;
    for (const { routeKey } of registrarRoutes) {
      const other = registrarRoutes.find((r) => r.routeKey !== routeKey)!.routeKey;
      const line = (values: { routeKey?: string; status: number; latency?: number }) =>
        accessLine(format, { routeKey: values.routeKey ?? routeKey, status: values.status, latency: values.latency ?? 35 });
      const throttled = registrarRouteFilters.throttled(routeKey).logPatternString;
      const serverErrors = registrarRouteFilters.serverErrors(routeKey).logPatternString;
      const requests = registrarRouteFilters.requests(routeKey).logPatternString;

      expect(matches(throttled, line({ status: 429 }))).toBe(true);
      expect(matches(throttled, line({ status: 200 }))).toBe(false);
      expect(matches(throttled, line({ status: 503 }))).toBe(false);
      expect(matches(throttled, line({ routeKey: other, status: 429 }))).toBe(false);

      for (const status of [500, 502, 503, 504]) expect(matches(serverErrors, line({ status })), String(status)).toBe(true);
      for (const status of [200, 401, 429]) expect(matches(serverErrors, line({ status })), String(status)).toBe(false);
      expect(matches(serverErrors, line({ routeKey: other, status: 500 }))).toBe(false);

      const ok = line({ status: 200, latency: 1234 });
      expect(matches(requests, ok)).toBe(true);
      expect(matches(requests, line({ routeKey: other, status: 200 }))).toBe(false);
      // The latency metric's value: the line's latency field, a number in milliseconds.
      expect(Number((JSON.parse(ok) as { latency: string }).latency)).toBe(1234);
    }
  });

  it('put the registrar routes on the dashboard', () => {
    const [, dashboard] = resourcesOf(prod.json, 'AWS::CloudWatch::Dashboard')[0]!;
    const body = JSON.stringify(dashboard.Properties.DashboardBody);
    for (const title of ['Registrar routes: 429 (throttled)', 'Registrar routes: 5xx', 'Registrar routes: latency p99']) expect(body).toContain(title);
  });
});

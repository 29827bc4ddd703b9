import type { CfnElement } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { registrarAuthRejectedMetric, registrarAuthRejectedPattern } from '../../infra/monitoring.js';
import { routes } from '../../shared/routes/index.js';
import { isRegistrarAuth } from '../../shared/routes/route.js';
import { accessKeyPermissionsOf, parseRouteTable, tableEnvironment } from '../../shared/routes/tableSummary.js';
import { tableDefinition } from '../../shared/table/definition.js';
import { actionsOf, functionOf, grantsOf, type Statement } from './inspect.js';
import { cdkJson, type CfnResource, resourcesOf, SYNTH_TIMEOUT, synthStage } from './synthStage.js';

type Synth = ReturnType<typeof synthStage>;
const stages: Record<string, Synth> = {};

beforeAll(() => {
  stages.dev = synthStage('dev');
  stages.prod = synthStage('prod');
}, SYNTH_TIMEOUT);

const devAndProd = ['dev', 'prod'] as const;
const forbiddenForReaders = [
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:ConditionCheckItem',
];

const leadingKeysOf = (statement: Statement): string[] =>
  (statement as Statement & { Condition?: Record<string, Record<string, string[]>> }).Condition?.['ForAllValues:StringLike']?.[
    'dynamodb:LeadingKeys'
  ] ?? [];
/**
 * Each DynamoDB grant as (action, table or index, key patterns): CDK may merge statements
 * (the minimizePolicies flag), so a statement can hold several actions and resources.
 */
const tableGrantsOf = (statements: Statement[]) =>
  statements.flatMap((statement) =>
    actionsOf(statement)
      .filter((action) => action.startsWith('dynamodb:'))
      .flatMap((action) =>
        [statement.Resource].flat().map((resource) => ({
          action,
          on: /\/index\/(\w+)/.exec(JSON.stringify(resource))?.[1] ?? 'table',
          keys: leadingKeysOf(statement),
        })),
      ),
  );

describe.each(devAndProd)('stage %s', (stageName) => {
  const synth = () => stages[stageName]!;

  it('names the stack and table from the stage', () => {
    const { stack, json } = synth();
    expect(stack.stackName).toBe(`SipRegistry-${stageName}`);
    const tables = resourcesOf(json, 'AWS::DynamoDB::Table');
    expect(tables).toHaveLength(1);
    expect(tables[0]![1].Properties.TableName).toBe(`sip-registry-${stageName}`);
  });

  it('builds the table from tableDefinition: keys, GSIs, TTL, PITR, SSE, billing of the stage', () => {
    const { template } = synth();
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    const { partitionKey, sortKey, globalIndexes, timeToLiveAttribute } = tableDefinition;
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: partitionKey, KeyType: 'HASH' },
        { AttributeName: sortKey, KeyType: 'RANGE' },
      ],
      // Provisioned is CloudFormation's default: no BillingMode, a ProvisionedThroughput instead
      // (prod: 100,000 devices at 300 s; sizing.test.ts checks the numbers and the autoscaling).
      ...(stageName === 'prod'
        ? { BillingMode: Match.absent(), ProvisionedThroughput: { ReadCapacityUnits: 50, WriteCapacityUnits: 483 } }
        : { BillingMode: 'PAY_PER_REQUEST', ProvisionedThroughput: Match.absent() }),
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      // SSEEnabled without a key id = KMS with the AWS-managed aws/dynamodb key.
      SSESpecification: Match.objectEquals({ SSEEnabled: true }),
      TimeToLiveSpecification: { AttributeName: timeToLiveAttribute, Enabled: true },
      GlobalSecondaryIndexes: globalIndexes.map((index) => ({
        IndexName: index.indexName,
        KeySchema: [
          { AttributeName: index.partitionKey, KeyType: 'HASH' },
          { AttributeName: index.sortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: index.projection },
        ProvisionedThroughput: stageName === 'prod' ? Match.objectLike({ ReadCapacityUnits: 5 }) : Match.absent(),
      })),
    });
  });

  it('has one nodejs24.x arm64 function per route plus the fallback', () => {
    const { stack, json } = synth();
    // + the customer webhook events and delivery functions (test/infra/webhookDelivery.test.ts).
    expect(resourcesOf(json, 'AWS::Lambda::Function')).toHaveLength(routes.length + 1 + 2);
    for (const id of [...routes.map((r) => r.operationId), 'fallback']) {
      const { properties } = functionOf(stack, json, id);
      expect(properties.Runtime, id).toBe('nodejs24.x');
      expect(properties.Architectures, id).toEqual(['arm64']);
      expect(properties.MemorySize, id).toBe(256);
      // Registrar functions end inside Kamailio's 3 s HTTP timeout (timeouts.test.ts).
      const auth = routes.find((r) => r.operationId === id)?.auth;
      const registrar = auth !== undefined && isRegistrarAuth(auth);
      expect(properties.Timeout, id).toBe(registrar ? 2 : 10);
      expect(properties.TracingConfig, id).toBeUndefined();
      expect(properties.Handler, id).toBe('index.handler');
    }
  });

  it('routes the API exactly as the route table says, plus $default', () => {
    const { template, json } = synth();
    const routeKeys = resourcesOf(json, 'AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties.RouteKey).sort();
    expect(routeKeys).toEqual([...routes.map((r) => `${r.method} ${r.path}`), '$default'].sort());
    const integrations = resourcesOf(json, 'AWS::ApiGatewayV2::Integration');
    expect(integrations).toHaveLength(routes.length + 1);
    for (const [, integration] of integrations) {
      expect(integration.Properties).toMatchObject({ IntegrationType: 'AWS_PROXY', PayloadFormatVersion: '2.0' });
    }
    template.resourceCountIs('AWS::ApiGatewayV2::Api', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'HTTP' });
  });

  it('wires each route to its own function', () => {
    const { stack, json } = synth();
    const integrationTarget = new Map(
      resourcesOf(json, 'AWS::ApiGatewayV2::Integration').map(([id, r]) => [id, JSON.stringify(r.Properties.IntegrationUri)]),
    );
    for (const route of routes) {
      const [, apiRoute] = resourcesOf(json, 'AWS::ApiGatewayV2::Route').find(
        ([, r]) => r.Properties.RouteKey === `${route.method} ${route.path}`,
      )!;
      const integrationId = (apiRoute.Properties.Target['Fn::Join'][1] as unknown[])[1] as { Ref: string };
      const fnId = stack.getLogicalId(stack.functions.get(route.operationId)!.fn.node.defaultChild as CfnElement);
      expect(integrationTarget.get(integrationId.Ref), route.operationId).toContain(fnId);
    }
  });

  it('grants each function exactly the table uses its route declares, each narrowed by dynamodb:LeadingKeys', () => {
    const { stack, json } = synth();
    for (const route of routes) {
      const grants = tableGrantsOf(functionOf(stack, json, route.operationId).statements);
      const granted = grants.map((g) => `${g.action} ${g.on}`);
      const declared = (route.access ?? []).flatMap((u) => u.actions.map((a) => `dynamodb:${a} ${u.index ?? 'table'}`));
      expect([...new Set(granted)].sort(), route.operationId).toEqual([...new Set(declared)].sort());
      for (const grant of grants) {
        expect(grant.keys, `${route.operationId} ${grant.action}`).not.toEqual([]);
        expect(grant.action).not.toBe('dynamodb:Scan');
      }
      if (route.table === 'read') {
        for (const action of forbiddenForReaders) expect(granted.some((g) => g.startsWith(`${action} `)), `${route.operationId} ${action}`).toBe(false);
      }
    }
    const fallback = functionOf(stack, json, 'fallback');
    expect([...fallback.actions].filter((a) => a.startsWith('dynamodb:') || a.startsWith('secretsmanager:'))).toEqual([]);
  });

  it('the public and registrar routes reach only their own items', () => {
    const { stack, json } = synth();
    const tableGrantsOfRoute = (id: string) =>
      tableGrantsOf(functionOf(stack, json, id).statements)
        .map((g) => `${g.action} ${g.on} ${[...g.keys].sort().join(',')}`)
        .sort();
    // Literals on purpose: what the issue asked for, not what the code declares.
    expect(tableGrantsOfRoute('getHealth')).toEqual(['dynamodb:GetItem table #HEALTH']);
    expect(tableGrantsOfRoute('getRegistrarCredentials')).toEqual(['dynamodb:GetItem table SIPUSER#*']);
    const webhook = tableGrantsOfRoute('postRegistrarWebhook');
    expect(webhook.filter((g) => g.includes('SIPUSER#*'))).toEqual(['dynamodb:GetItem table SIPUSER#*']);
    expect(webhook.filter((g) => /Put|Delete|Batch/.test(g))).toEqual([]);
    expect(tableGrantsOfRoute('listExtensions')).toEqual(
      expect.arrayContaining(['dynamodb:Query GSI1 CUSTOMER#*', 'dynamodb:Query GSI2 CUSTOMER#*']),
    );
    const indexed = routes.filter((r) => (r.access ?? []).some((u) => u.index)).map((r) => r.operationId);
    expect(indexed.sort()).toEqual(['listExtensions', 'listRegistrations']);
  });

  it('has no wildcard action in any policy and no managed policy on function roles', () => {
    const { stack, json } = synth();
    const statements = [
      ...resourcesOf(json, 'AWS::IAM::Policy').flatMap(([, p]) => p.Properties.PolicyDocument.Statement),
      ...resourcesOf(json, 'AWS::IAM::Role').flatMap(([, r]) =>
        (r.Properties.Policies ?? []).flatMap((p: { PolicyDocument: { Statement: unknown[] } }) => p.PolicyDocument.Statement),
      ),
    ] as { Action: string | string[] }[];
    expect(statements.length).toBeGreaterThan(0);
    for (const statement of statements) {
      for (const action of [statement.Action].flat()) expect(action).not.toContain('*');
    }
    for (const id of stack.functions.keys()) {
      expect(functionOf(stack, json, id).role.ManagedPolicyArns, id).toBeUndefined();
    }
  });

  it('lets only registrarSecrets routes read the registrar secret', () => {
    const { stack, json } = synth();
    const registrarSecret = JSON.stringify(json.Outputs.RegistrarSecretArn!.Value);
    for (const route of routes) {
      const { statements } = functionOf(stack, json, route.operationId);
      const reads = grantsOf(statements, 'secretsmanager:GetSecretValue');
      expect(reads.includes(registrarSecret), route.operationId).toBe(route.needs?.includes('registrarSecrets') ?? false);
    }
  });

  it('reads secrets at run time: page-token readers get the secret ARN, its read grant and the secrets extension with its cache off', () => {
    const { stack, json } = synth();
    const pageTokenSecret = Object.entries(json.Resources).find(
      ([id, r]) => r.Type === 'AWS::SecretsManager::Secret' && id.includes('PageToken'),
    )![0];
    for (const route of routes) {
      const { environment, statements, properties } = functionOf(stack, json, route.operationId);
      const needs = route.needs ?? [];
      const readsSecret = grantsOf(statements, 'secretsmanager:GetSecretValue').length > 0;
      expect(Boolean(properties.Layers), route.operationId).toBe(readsSecret);
      if (readsSecret) expect(environment.PARAMETERS_SECRETS_EXTENSION_CACHE_ENABLED, route.operationId).toBe('false');
      const readsPageKey = grantsOf(statements, 'secretsmanager:GetSecretValue').includes(JSON.stringify({ Ref: pageTokenSecret }));
      expect(readsPageKey, route.operationId).toBe(needs.includes('pageTokens'));
      if (needs.includes('pageTokens')) expect(environment.PAGE_TOKEN_SECRET_ARN).toEqual({ Ref: pageTokenSecret });
      // No customer-managed key on this stage: nobody may decrypt with KMS.
      expect(grantsOf(statements, 'kms:Decrypt'), route.operationId).toEqual([]);
    }
  });

  it('has no X-Ray tracing (no instrumented SDK: a bare segment is cost without insight)', () => {
    const { json } = synth();
    for (const [, fn] of resourcesOf(json, 'AWS::Lambda::Function')) expect(fn.Properties.TracingConfig).toBeUndefined();
  });

  it('gives each function only the environment its route declares', () => {
    const { stack, json } = synth();
    const stage = cdkJson.context.stages[stageName]!;
    for (const route of routes) {
      const { environment: all } = functionOf(stack, json, route.operationId);
      // The secrets extension's own settings (its layer sets them): checked in the next test.
      const environment = Object.fromEntries(Object.entries(all).filter(([k]) => !/^(PARAMETERS_SECRETS_EXTENSION|SECRETS_MANAGER|SSM_PARAMETER_STORE)_/.test(k)));
      const expected = ['STAGE', 'POWERTOOLS_SERVICE_NAME', 'LOG_LEVEL'];
      if (route.table !== 'none') expected.push('TABLE_NAME');
      const needs = route.needs ?? [];
      if (needs.includes('sipDomain')) expected.push('SIP_DOMAIN_SUFFIX');
      if (needs.includes('pageTokens')) expected.push('PAGE_TOKEN_SECRET_ARN');
      if (needs.includes('registrarSecrets')) expected.push('REGISTRAR_SECRETS_ARN');
      if (needs.includes('retention')) expected.push('REGISTRATION_RETENTION_DAYS');
      if (needs.includes('webhookQueue')) expected.push('WEBHOOK_QUEUE_URL');
      if (needs.includes('accessKeyPermissions')) expected.push('ACCESS_KEY_PERMISSIONS');
      // prod configures a registrar control endpoint (so Kamailio may cache credentials for an hour), dev none.
      if (stage.registrarControl && (needs.includes('registrarControl') || needs.includes('registrarCache'))) {
        expected.push('REGISTRAR_CONTROL_URL', 'REGISTRAR_CONTROL_TOKEN_ARN');
      }
      expect(Object.keys(environment).sort(), route.operationId).toEqual(expected.sort());
      expect(environment.STAGE).toBe(stageName);
      if (needs.includes('sipDomain')) expect(environment.SIP_DOMAIN_SUFFIX).toBe(stage.sipDomainSuffix);
      // The key itself never reaches the template or the function configuration.
      expect(JSON.stringify(all), route.operationId).not.toContain('{{resolve:secretsmanager:');
      if (needs.includes('retention')) expect(environment.REGISTRATION_RETENTION_DAYS).toBe(String(stage.registrationRetentionDays));
    }
    expect(Object.keys(functionOf(stack, json, 'fallback').environment).sort()).toEqual(['LOG_LEVEL', 'POWERTOOLS_SERVICE_NAME', 'ROUTE_TABLE', 'STAGE']);
  });

  it('gives the fallback the paths of the table and GET /v1.0/me the permissions, computed from the table (they do not import it)', () => {
    const { stack, json } = synth();
    const fromTable = tableEnvironment(routes);
    expect(functionOf(stack, json, 'fallback').environment.ROUTE_TABLE).toBe(fromTable.ROUTE_TABLE);
    expect(parseRouteTable(fromTable.ROUTE_TABLE)).toHaveLength(routes.length);
    expect(functionOf(stack, json, 'getMe').environment.ACCESS_KEY_PERMISSIONS).toBe(fromTable.ACCESS_KEY_PERMISSIONS);
    expect(fromTable.ACCESS_KEY_PERMISSIONS.split(',')).toEqual(accessKeyPermissionsOf(routes));
    // Nobody else gets them (the fallback is not in the table).
    for (const route of routes.filter((r) => r.operationId !== 'getMe')) {
      const { environment } = functionOf(stack, json, route.operationId);
      expect([environment.ROUTE_TABLE, environment.ACCESS_KEY_PERMISSIONS], route.operationId).toEqual([undefined, undefined]);
    }
  });

  it('keeps logs for the stage retention and logs API access as JSON', () => {
    const { template, json } = synth();
    const days = cdkJson.context.stages[stageName]!.logRetentionDays;
    const logGroups = resourcesOf(json, 'AWS::Logs::LogGroup');
    // routes, fallback, API access log, and the two webhook functions.
    expect(logGroups).toHaveLength(routes.length + 2 + 2);
    for (const [, group] of logGroups) expect(group.Properties.RetentionInDays).toBe(days);
    const stage = resourcesOf(json, 'AWS::ApiGatewayV2::Stage');
    expect(stage).toHaveLength(1);
    const format = JSON.parse(stage[0]![1].Properties.AccessLogSettings.Format);
    expect(format).toMatchObject({
      requestId: '$context.requestId',
      routeKey: '$context.routeKey',
      status: '$context.status',
      latency: '$context.responseLatency',
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      AccessLogSettings: { DestinationArn: Match.anyValue() },
    });
  });

  it('throttles the API from the stage config, registrar routes with their own limit sized from the expected devices', () => {
    const { template, json, stack } = synth();
    const { rateLimit, burstLimit } = cdkJson.context.stages[stageName]!.throttle as Record<string, number>;
    // Literals on purpose (sizing.test.ts checks the formula): dev 1,000 devices at 300 s without a
    // control channel (credential cache 60 s), prod 100,000 at 300 s with one (cache 3600 s).
    const registrarLimits: Record<string, Record<string, { rateLimit: number; burstLimit: number }>> = {
      dev: { credentials: { rateLimit: 11, burstLimit: 22 }, webhook: { rateLimit: 10, burstLimit: 20 } },
      prod: { credentials: { rateLimit: 91, burstLimit: 182 }, webhook: { rateLimit: 20, burstLimit: 40 } },
    };
    const limitsOf = (key: string) => registrarLimits[stageName]![key.endsWith('credentials') ? 'credentials' : 'webhook']!;
    expect(stack.sizing.routes).toMatchObject(
      Object.fromEntries(Object.entries(registrarLimits[stageName]!).map(([name, throttle]) => [name, { throttle }])),
    );
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: { ThrottlingRateLimit: rateLimit, ThrottlingBurstLimit: burstLimit },
    });
    const [[stageId, stage]] = resourcesOf(json, 'AWS::ApiGatewayV2::Stage') as [[string, CfnResource]];
    const registrarKeys = routes.filter((r) => isRegistrarAuth(r.auth)).map((r) => `${r.method} ${r.path}`);
    expect(registrarKeys.sort()).toEqual(['GET /v1.0/registrar/credentials', 'POST /v1.0/registrar/webhook']);
    // Exactly the registrar routes, each with its own bucket; customers keep the stage default.
    expect(stage.Properties.RouteSettings).toEqual(
      Object.fromEntries(
        registrarKeys.map((key) => [key, { ThrottlingRateLimit: limitsOf(key).rateLimit, ThrottlingBurstLimit: limitsOf(key).burstLimit }]),
      ),
    );
    // API Gateway refuses settings for a route key that does not exist yet: the stage waits for those routes.
    const routeIds = resourcesOf(json, 'AWS::ApiGatewayV2::Route')
      .filter(([, r]) => registrarKeys.includes(r.Properties.RouteKey))
      .map(([id]) => id);
    expect(routeIds).toHaveLength(2);
    expect((json.Resources[stageId] as CfnResource & { DependsOn?: string[] }).DependsOn).toEqual(expect.arrayContaining(routeIds));
  });

  it('has alarms to an SNS topic and one dashboard', () => {
    const { json, template } = synth();
    const alarms = resourcesOf(json, 'AWS::CloudWatch::Alarm').map(([, a]) => a.Properties);
    const named = (suffix: RegExp) => alarms.filter((a) => suffix.test(a.AlarmName));
    expect(named(/-Api5xxRate$/)).toHaveLength(1);
    expect(named(/-DynamoDbThrottles$/)).toHaveLength(1);
    const countFunctions = (list: typeof alarms) =>
      list.flatMap((a) => a.Metrics.filter((m: { MetricStat?: unknown }) => m.MetricStat)).length;
    expect(countFunctions(named(/-LambdaErrors\d+$/))).toBe(routes.length + 1);
    expect(countFunctions(named(/-LambdaThrottles\d+$/))).toBe(routes.length + 1);
    expect(named(/-RegistrarAuthRejected$/)).toHaveLength(1);
    expect(named(/-RegistrarAuthRejected$/)[0]!.AlarmDescription).toMatch(/credential lookups/);
    for (const alarm of alarms) expect(alarm.AlarmActions).toHaveLength(1);
    template.resourceCountIs('AWS::SNS::Topic', 1);
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
  });

  it('counts refused registrar requests in the log groups of both registrar functions', () => {
    const { stack, json } = synth();
    const filters = resourcesOf(json, 'AWS::Logs::MetricFilter')
      .map(([, f]) => f.Properties)
      .filter((f) => f.MetricTransformations[0].MetricName === registrarAuthRejectedMetric);
    const groups = filters.map((f) => f.LogGroupName.Ref).sort();
    const checkers = ['getRegistrarCredentials', 'postRegistrarWebhook'];
    expect(routes.filter((r) => r.needs?.includes('registrarSecrets')).map((r) => r.operationId).sort()).toEqual(checkers);
    expect(groups).toEqual(checkers.map((id) => functionOf(stack, json, id).logGroupId).sort());
    for (const f of filters) {
      // The pattern the registrar auth code's log line is tested against (registrarAuthLog.test.ts).
      expect(f.FilterPattern).toBe(registrarAuthRejectedPattern.logPatternString);
      expect(f.MetricTransformations).toEqual([
        { MetricName: registrarAuthRejectedMetric, MetricNamespace: `SipRegistry/${stageName}`, MetricValue: '1', DefaultValue: 0 },
      ]);
    }
  });

  it('outputs the URLs, table and registrar secret', () => {
    const { json } = synth();
    for (const name of ['ApiUrl', 'TableName', 'RegistrarCredentialsUrl', 'RegistrarWebhookUrl', 'RegistrarSecretArn']) {
      expect(json.Outputs[name], name).toBeDefined();
    }
    expect(JSON.stringify(json.Outputs.RegistrarWebhookUrl!.Value)).toContain('/v1.0/registrar/webhook');
    expect(JSON.stringify(json.Outputs.RegistrarCredentialsUrl!.Value)).toContain('/v1.0/registrar/credentials');
  });
});

describe('dev and prod differ where they should', () => {
  it('prod retains and protects its data; dev is disposable', () => {
    const table = (s: Synth) => resourcesOf(s.json, 'AWS::DynamoDB::Table')[0]![1];
    expect(table(stages.prod!).DeletionPolicy).toBe('Retain');
    expect(table(stages.prod!).UpdateReplacePolicy).toBe('Retain');
    expect(table(stages.prod!).Properties.DeletionProtectionEnabled).toBe(true);
    expect(table(stages.dev!).DeletionPolicy).toBe('Delete');
    expect(table(stages.dev!).Properties.DeletionProtectionEnabled).toBe(false);
    for (const type of ['AWS::Logs::LogGroup', 'AWS::SecretsManager::Secret']) {
      for (const [id, r] of resourcesOf(stages.prod!.json, type)) expect(r.DeletionPolicy, id).toBe('Retain');
      for (const [id, r] of resourcesOf(stages.dev!.json, type)) expect(r.DeletionPolicy, id).toBe('Delete');
    }
  });

  it('prod keeps logs longer and allows more traffic than dev', () => {
    const retention = (s: Synth) => [...new Set(resourcesOf(s.json, 'AWS::Logs::LogGroup').map(([, g]) => g.Properties.RetentionInDays))];
    expect(retention(stages.dev!)).toEqual([14]);
    expect(retention(stages.prod!)).toEqual([365]);
    const apiStage = (s: Synth) => resourcesOf(s.json, 'AWS::ApiGatewayV2::Stage')[0]![1].Properties;
    expect(apiStage(stages.dev!).DefaultRouteSettings).toMatchObject({ ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 });
    expect(apiStage(stages.prod!).DefaultRouteSettings).toMatchObject({ ThrottlingRateLimit: 500, ThrottlingBurstLimit: 1000 });
    const webhook = 'POST /v1.0/registrar/webhook';
    expect(apiStage(stages.dev!).RouteSettings[webhook]).toEqual({ ThrottlingRateLimit: 10, ThrottlingBurstLimit: 20 });
    expect(apiStage(stages.prod!).RouteSettings[webhook]).toEqual({ ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40 });
  });

  it('CORS follows the stage: dev allows its origins, prod none', () => {
    const cors = (s: Synth) => resourcesOf(s.json, 'AWS::ApiGatewayV2::Api')[0]![1].Properties.CorsConfiguration;
    expect(cors(stages.dev!).AllowOrigins).toEqual(cdkJson.context.stages.dev!.corsAllowedOrigins);
    expect(cors(stages.prod!)).toBeUndefined();
  });

  it('prod subscribes its alarm email', () => {
    stages.prod!.template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: (cdkJson.context.stages.prod!.alarms as { email: string }).email,
    });
    stages.dev!.template.resourceCountIs('AWS::SNS::Subscription', 0);
  });
});

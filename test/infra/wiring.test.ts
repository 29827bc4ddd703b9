import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { pageQuery } from '../../shared/schemas/paging.js';
import { SipRegistryStack } from '../../infra/stack.js';
import { configFromEnvironment, NEED_VARIABLES } from '../../shared/config.js';
import { stageConfig } from '../../infra/stageConfig.js';
import { uses } from '../../shared/routes/access.js';
import { defineRoute, type AnyRoute, type RouteNeed } from '../../shared/routes/route.js';
import { ENVIRONMENT_BUDGET } from '../../infra/routeWiring.js';
import { tableEnvironment } from '../../shared/routes/tableSummary.js';
import { functionOf, grantsOf } from './inspect.js';
import { minimalStage, resourcesOf, SYNTH_TIMEOUT, type CfnTemplate } from './synthStage.js';

/** Routes with every kind of need, so the wiring is tested even before the real table has them. */
const route = (
  operationId: string,
  path: string,
  table: AnyRoute['table'],
  needs: RouteNeed[],
  auth: AnyRoute['auth'] = 'none',
): AnyRoute =>
  defineRoute({
    operationId,
    method: 'POST',
    path,
    handler: 'functions/health/get.ts',
    auth,
    table,
    access: table === 'write' ? [uses.registrations.write] : table === 'read' ? [uses.registrar.credentials] : undefined,
    needs,
    summary: operationId,
    tag: 'Test',
    responses: {},
  });
const testRoutes = [
  route('webhook', '/v1.0/registrar/webhook', 'write', ['registrarSecrets', 'sipDomain', 'retention'], 'registrar-signed'),
  route('credentials', '/v1.0/registrar/credentials', 'read', ['registrarSecrets'], 'registrar-bearer'),
  route('forceUnregister', '/v1.0/registrations/{id}', 'write', ['registrarControl', 'pageTokens']),
  route('changePassword', '/v1.0/passwords/{id}', 'write', ['registrarCache']),
  route('plain', '/v1.0/plain', 'none', []),
  route('allPaths', '/v1.0/all-paths', 'none', ['routeTable']),
  route('whoAmI', '/v1.0/who-am-i', 'read', ['accessKeyPermissions'], 'customer'),
];

const kmsKeyArn = 'arn:aws:kms:eu-west-1:123456789012:key/0d2a1c9e-1111-4a4a-9b9b-0123456789ab';
const controlTokenArn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:control-token-AbCdEf';
const registrarArn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:registrar-XyZ123';
const stages = {
  full: {
    sipDomainSuffix: 'sip.full.example.net',
    removalPolicy: 'destroy',
    logRetentionDays: 30,
    throttle: { rateLimit: 10, burstLimit: 20 },
    // Explicit overrides of the computed sizing, and a provisioned table.
    registrar: { expectedDevices: 5000, refreshSeconds: 600, throttle: { rateLimit: 30, burstLimit: 60 }, reservedConcurrency: false },
    billingMode: 'provisioned',
    registrarSecretArn: registrarArn,
    customDomain: { domainName: 'api.full.example.net', certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/abc' },
    registrarControl: { url: 'https://registrar.full.example.net/control', tokenSecretArn: controlTokenArn },
    alarms: { topicArn: 'arn:aws:sns:eu-west-1:123456789012:ops', email: 'ops@full.example.net' },
    registrationRetentionDays: 9,
    secretsKmsKeyArn: kmsKeyArn,
  },
  bare: minimalStage('bare'),
};

function synth(stageName: keyof typeof stages) {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new SipRegistryStack(app, `Test-${stageName}`, { stage: stageConfig(stages, stageName), routes: testRoutes });
  const template = Template.fromStack(stack);
  return { app, stack, template, json: template.toJSON() as CfnTemplate };
}

let full: ReturnType<typeof synth>;
let bare: ReturnType<typeof synth>;
beforeAll(() => {
  full = synth('full');
  bare = synth('bare');
}, SYNTH_TIMEOUT);

describe('wiring from route needs', () => {
  it('gives each function exactly the variables its table and needs imply, enough for its cold start (shared/config.ts)', () => {
    for (const [name, synthed] of [['full', full], ['bare', bare]] as const) {
      const controlWired = name === 'full';
      for (const r of testRoutes) {
        const needs = r.needs ?? [];
        const expected = new Set(['LOG_LEVEL', 'POWERTOOLS_SERVICE_NAME', 'STAGE']);
        if (r.table !== 'none') expected.add('TABLE_NAME');
        for (const need of needs) {
          // The first variable of a need is its AWS form (an ARN rather than the key itself).
          if (NEED_VARIABLES[need].length > 0) expected.add(NEED_VARIABLES[need][0]!);
          if (controlWired && (need === 'registrarControl' || need === 'registrarCache')) {
            expected.add('REGISTRAR_CONTROL_URL');
            expected.add('REGISTRAR_CONTROL_TOKEN_ARN');
          }
        }
        const environment = functionOf(synthed.stack, synthed.json, r.operationId).environment;
        // The Parameters and Secrets extension's own settings (secret readers) are the extension's, not the handler's.
        const extension = /^(PARAMETERS_SECRETS_EXTENSION|SECRETS_MANAGER|SSM_PARAMETER_STORE)_/;
        const variables = Object.keys(environment).filter((k) => !extension.test(k));
        expect(variables.sort(), `${name} ${r.operationId}`).toEqual([...expected].sort());
        // What Lambda adds itself; CDK tokens stand for the ARNs and names.
        const lambda = Object.fromEntries(Object.entries(environment).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
        const scope = { label: r.operationId, table: r.table !== 'none', needs };
        expect(() => configFromEnvironment({ ...lambda, AWS_LAMBDA_FUNCTION_NAME: 'fn', AWS_REGION: 'eu-west-1' }, scope), r.operationId).not.toThrow();
      }
    }
  });

  it('lets only registrarSecrets routes read the registrar secret (an existing ARN here)', () => {
    for (const r of testRoutes) {
      const fn = functionOf(full.stack, full.json, r.operationId);
      const readsRegistrar = grantsOf(fn.statements, 'secretsmanager:GetSecretValue').includes(JSON.stringify(registrarArn));
      expect(readsRegistrar, r.operationId).toBe(r.needs!.includes('registrarSecrets'));
      expect(fn.environment.REGISTRAR_SECRETS_ARN, r.operationId).toBe(r.needs!.includes('registrarSecrets') ? registrarArn : undefined);
    }
    expect(JSON.stringify(full.json.Outputs.RegistrarSecretArn!.Value)).toBe(JSON.stringify(registrarArn));
    full.template.resourceCountIs('AWS::SecretsManager::Secret', 1); // only the page-token key is created
  });

  it('gives the control endpoint and its token only to registrarControl and registrarCache routes', () => {
    for (const id of ['forceUnregister', 'changePassword']) {
      const control = functionOf(full.stack, full.json, id);
      expect(control.environment.REGISTRAR_CONTROL_URL, id).toBe(stages.full.registrarControl.url);
      expect(control.environment.REGISTRAR_CONTROL_TOKEN_ARN, id).toBe(controlTokenArn);
      // forceUnregister also lists (pageTokens): the page-token key is its other secret.
      const others = grantsOf(control.statements, 'secretsmanager:GetSecretValue').filter((g) => !g.includes('PageToken'));
      expect(others, id).toEqual([JSON.stringify(controlTokenArn)]);
    }
    for (const id of ['webhook', 'credentials', 'plain']) {
      const fn = functionOf(full.stack, full.json, id);
      expect(fn.environment.REGISTRAR_CONTROL_URL, id).toBeUndefined();
      expect(grantsOf(fn.statements, 'secretsmanager:GetSecretValue').includes(JSON.stringify(controlTokenArn)), id).toBe(false);
    }
  });

  it('leaves registrarControl unwired when the stage has no control endpoint', () => {
    const control = functionOf(bare.stack, bare.json, 'forceUnregister');
    expect(control.environment.REGISTRAR_CONTROL_URL).toBeUndefined();
    expect(control.environment.REGISTRAR_CONTROL_TOKEN_ARN).toBeUndefined();
    expect(grantsOf(control.statements, 'secretsmanager:GetSecretValue').filter((g) => !g.includes('PageToken'))).toEqual([]);
  });

  it('creates the registrar secret when the stage names none, readable by registrar routes only', () => {
    const secretRef = JSON.stringify(bare.json.Outputs.RegistrarSecretArn!.Value);
    expect(secretRef).toContain('Ref');
    expect(grantsOf(functionOf(bare.stack, bare.json, 'webhook').statements, 'secretsmanager:GetSecretValue')).toEqual([secretRef]);
    expect(grantsOf(functionOf(bare.stack, bare.json, 'plain').statements, 'secretsmanager:GetSecretValue')).toEqual([]);
  });

  it('lets exactly the secret readers decrypt with the stage\'s customer-managed key, through Secrets Manager only', () => {
    for (const id of ['webhook', 'credentials', 'forceUnregister', 'changePassword', 'plain']) {
      const fn = functionOf(full.stack, full.json, id);
      const readsSecret = grantsOf(fn.statements, 'secretsmanager:GetSecretValue').length > 0;
      const decrypts = fn.statements.filter((st) => [st.Action].flat().includes('kms:Decrypt'));
      expect(decrypts.length > 0, id).toBe(readsSecret);
      for (const statement of decrypts) {
        expect(statement.Resource, id).toBe(kmsKeyArn);
        expect(JSON.stringify((statement as { Condition?: unknown }).Condition), id).toContain('secretsmanager.');
      }
      expect(grantsOf(functionOf(bare.stack, bare.json, id).statements, 'kms:Decrypt'), id).toEqual([]);
    }
    const created = resourcesOf(full.json, 'AWS::SecretsManager::Secret');
    expect(created.length).toBeGreaterThan(0);
    for (const [, secret] of created) expect(secret.Properties.KmsKeyId).toBe(kmsKeyArn);
  });

  it('sets retention, SIP domain and page-token secret per need', () => {
    const webhook = functionOf(full.stack, full.json, 'webhook').environment;
    expect(webhook.REGISTRATION_RETENTION_DAYS).toBe('9');
    expect(webhook.SIP_DOMAIN_SUFFIX).toBe('sip.full.example.net');
    expect(webhook.PAGE_TOKEN_SECRET_ARN).toBeUndefined();
    expect(JSON.stringify(functionOf(full.stack, full.json, 'forceUnregister').environment.PAGE_TOKEN_SECRET_ARN)).toMatch(/PageToken/);
    expect(Object.keys(functionOf(full.stack, full.json, 'plain').environment).sort()).toEqual(['LOG_LEVEL', 'POWERTOOLS_SERVICE_NAME', 'STAGE']);
  });

  it("computes ROUTE_TABLE (the fallback's and any routeTable route's) and ACCESS_KEY_PERMISSIONS from the stack's own table", () => {
    const { ROUTE_TABLE, ACCESS_KEY_PERMISSIONS } = tableEnvironment(testRoutes);
    expect(ROUTE_TABLE).toBe(testRoutes.map((r) => `POST ${r.path}`).join(';'));
    expect(ACCESS_KEY_PERMISSIONS).toBe('test:read');
    for (const synthed of [full, bare]) {
      expect(functionOf(synthed.stack, synthed.json, 'fallback').environment.ROUTE_TABLE).toBe(ROUTE_TABLE);
      expect(functionOf(synthed.stack, synthed.json, 'allPaths').environment.ROUTE_TABLE).toBe(ROUTE_TABLE);
      expect(functionOf(synthed.stack, synthed.json, 'whoAmI').environment.ACCESS_KEY_PERMISSIONS).toBe(ACCESS_KEY_PERMISSIONS);
    }
  });

  it('refuses to synthesize a route that takes page_token without the pageTokens need (not at its cold start)', () => {
    const forgetful = { ...route('pages', '/v1.0/pages', 'none', []), query: pageQuery };
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    expect(() => new SipRegistryStack(app, 'Test-pages', { stage: stageConfig(stages, 'bare'), routes: [forgetful] })).toThrow(
      /pages: pages are signed with the page-token key, but its needs lack 'pageTokens'/,
    );
  });

  it('refuses to synthesize a function whose environment comes near the 4 KB Lambda allows, naming it and the variable', () => {
    // Paths long enough that ROUTE_TABLE alone passes the budget.
    // (A function's description, its route key, holds 256 characters at most.)
    const long = Array.from({ length: 20 }, (_, i) => route(`long${i}`, `/v1.0/${'x'.repeat(ENVIRONMENT_BUDGET / 20)}/${i}`, 'none', []));
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    new SipRegistryStack(app, 'Test-long', { stage: stageConfig(stages, 'bare'), routes: long });
    expect(() => app.synth()).toThrow(/fallback: its Lambda environment is about \d+ bytes, over the \d+-byte budget .*ROUTE_TABLE/);
  });

  it('counts registrar auth rejections in the log group of every registrarSecrets route', () => {
    const filters = resourcesOf(full.json, 'AWS::Logs::MetricFilter').filter(
      ([, f]) => f.Properties.MetricTransformations[0].MetricName === 'RegistrarAuthRejected',
    );
    expect(filters).toHaveLength(2);
    const groups = filters.map(([, f]) => f.Properties.LogGroupName.Ref).sort();
    expect(groups).toEqual(['webhook', 'credentials'].map((id) => functionOf(full.stack, full.json, id).logGroupId).sort());
    for (const [, f] of filters) {
      expect(f.Properties.FilterPattern).toBe('{ $.message = "registrar auth rejected" }');
      expect(f.Properties.MetricTransformations[0].MetricName).toBe('RegistrarAuthRejected');
    }
  });
});

describe('registrar throttle', () => {
  it('gives every registrar route its throttle (explicit, or computed: the floor for 10 devices) and no other route any', () => {
    for (const [synthed, limits] of [
      [full, stages.full.registrar.throttle],
      [bare, { rateLimit: 10, burstLimit: 20 }],
    ] as const) {
      const [, stage] = resourcesOf(synthed.json, 'AWS::ApiGatewayV2::Stage')[0]!;
      const expected = { ThrottlingRateLimit: limits.rateLimit, ThrottlingBurstLimit: limits.burstLimit };
      expect(stage.Properties.RouteSettings).toEqual({
        'POST /v1.0/registrar/webhook': expected,
        'POST /v1.0/registrar/credentials': expected,
      });
    }
  });

  it('reserves concurrency for registrar functions unless the stage says false', () => {
    for (const id of ['webhook', 'credentials']) {
      expect(functionOf(full.stack, full.json, id).properties.ReservedConcurrentExecutions, id).toBeUndefined();
      expect(functionOf(bare.stack, bare.json, id).properties.ReservedConcurrentExecutions, id).toBe(20);
    }
    for (const id of ['forceUnregister', 'plain']) {
      expect(functionOf(bare.stack, bare.json, id).properties.ReservedConcurrentExecutions, id).toBeUndefined();
    }
  });
});

describe('optional stage features', () => {
  it('maps a custom domain and uses it for the URLs', () => {
    full.template.hasResourceProperties('AWS::ApiGatewayV2::DomainName', {
      DomainName: 'api.full.example.net',
      DomainNameConfigurations: [{ CertificateArn: stages.full.customDomain.certificateArn, EndpointType: 'REGIONAL' }],
    });
    full.template.resourceCountIs('AWS::ApiGatewayV2::ApiMapping', 1);
    expect(full.json.Outputs.ApiUrl!.Value).toBe('https://api.full.example.net');
    expect(full.json.Outputs.RegistrarWebhookUrl!.Value).toBe('https://api.full.example.net/v1.0/registrar/webhook');
    bare.template.resourceCountIs('AWS::ApiGatewayV2::DomainName', 0);
  });

  it('sends alarms to an existing topic and subscribes the email there', () => {
    full.template.resourceCountIs('AWS::SNS::Topic', 0);
    full.template.hasResourceProperties('AWS::SNS::Subscription', { TopicArn: stages.full.alarms.topicArn, Protocol: 'email' });
    for (const [, alarm] of resourcesOf(full.json, 'AWS::CloudWatch::Alarm')) {
      expect(alarm.Properties.AlarmActions).toEqual([stages.full.alarms.topicArn]);
    }
  });

  it('passes cdk-nag with every optional feature on and off', () => {
    for (const { app } of [full, bare]) {
      expect(new AwsSolutionsChecks().validateScope(app).violations).toEqual([]);
    }
  });
});

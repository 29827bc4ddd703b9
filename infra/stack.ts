import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { fallbackRoute } from '../shared/routes/fallback.js';
import { routes } from '../shared/routes/index.js';
import { assertNeedsDeclared, isRegistrarAuth, type AnyRoute } from '../shared/routes/route.js';
import { RegistryApi } from './api.js';
import { TableBackup } from './backup.js';
import { Monitoring } from './monitoring.js';
import type { RegistrarRouteName } from './registrarSizing.js';
import { REGISTRAR_LAMBDA_TIMEOUT_SECONDS } from './registrarTimeouts.js';
import { routeBundlingOptions } from './routeBundling.js';
import { RouteFunction } from './routeFunction.js';
import { baseEnvironment, readsSecrets, wireRoute } from './routeWiring.js';
import { StageSecrets } from './secrets.js';
import type { StageConfig } from './stageConfig.js';
import { type StageSizing, stageSizing } from './stageSizing.js';
import { registryTable } from './table.js';
import { WebhookDelivery } from './webhookDelivery.js';

/** docs/registrar-protocol.md: what Kamailio calls. */
export const registrarPaths = {
  credentials: '/v1.0/registrar/credentials',
  webhook: '/v1.0/registrar/webhook',
} as const;

export const fallbackFunctionId = fallbackRoute.operationId;

/** Which load-model route a registrar route is, by the path Kamailio calls. */
function registrarRouteName(route: AnyRoute): RegistrarRouteName {
  const name = (Object.keys(registrarPaths) as RegistrarRouteName[]).find((key) => registrarPaths[key] === route.path);
  if (!name) throw new Error(`Registrar route ${route.operationId} (${route.path}) is not in the registrar load model (infra/registrarLoad.ts)`);
  return name;
}

export interface SipRegistryStackProps extends StackProps {
  stage: StageConfig;
  /** Defaults to THE route table; tests may pass their own. */
  routes?: readonly AnyRoute[];
}

/**
 * Everything of one stage: table, secrets, one function per route (plus the fallback),
 * the HTTP API, alarms and dashboard. Derived from the route table; nothing here names a route.
 */
export class SipRegistryStack extends Stack {
  readonly functions = new Map<string, RouteFunction>();
  /** The registrar limits this stack was built with (docs/deploy.md, "Sizing"). */
  readonly sizing: StageSizing;
  /** Customer webhook delivery (infra/webhookDelivery.ts). */
  readonly webhooks: WebhookDelivery;

  constructor(scope: Construct, id: string, props: SipRegistryStackProps) {
    super(scope, id, { ...props, description: `SIP registry (${props.stage.stage})` });
    const { stage } = props;
    const routeTable = props.routes ?? routes;
    assertUniqueOperationIds(routeTable);

    this.sizing = stageSizing(stage);
    const table = registryTable(this, stage, this.sizing.capacity);
    if (stage.backup) new TableBackup(this, 'Backup', { stage, table });
    const secrets = new StageSecrets(this, 'Secrets', stage);
    const removalPolicy = stage.removalPolicy === 'retain' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    // route: its bundling options (the fallback's are the common ones).
    const newFunction = (id: string, handler: string, description: string, route?: AnyRoute, registrar?: RegistrarRouteName, secretsReader = false) => {
      const fn = new RouteFunction(this, id, {
        handler,
        description,
        readsSecrets: secretsReader,
        // The route's own bundling (values it inlines at synth, infra/routeBundling.ts).
        bundling: routeBundlingOptions(route, routeTable),
        environment: baseEnvironment(stage),
        logRetention: stage.logRetentionDays as logs.RetentionDays,
        removalPolicy,
        // Registrar functions: a timeout inside Kamailio's, and concurrency of their own.
        ...(registrar
          ? {
              timeout: Duration.seconds(REGISTRAR_LAMBDA_TIMEOUT_SECONDS),
              reservedConcurrentExecutions: this.sizing.routes[registrar].reservedConcurrency,
            }
          : {}),
      });
      Validations.of(fn).acknowledge({
        id: 'Serverless-LambdaDLQ',
        reason:
          'Invoked synchronously only (API Gateway): a dead-letter target receives failed asynchronous invocations, which never happen here; a failed request is answered to its caller (Kamailio retries a webhook, a customer sees the 5xx) and counted by the LambdaErrors alarms.',
      });
      Validations.of(fn).acknowledge({
        id: 'Serverless-LambdaTracing',
        reason:
          'X-Ray off by decision (docs/deploy.md, "Observability"): without an instrumented SDK a trace is one bare Lambda segment, which the Duration metric and the access log already show, at $5 per million traces; latency is alarmed per route family from the access log.',
      });
      this.functions.set(id, fn);
      return fn;
    };

    // Customer webhooks: stream -> events function -> SQS -> delivery function (docs/webhooks.md).
    const webhooks = (this.webhooks = new WebhookDelivery(this, 'Webhooks', {
      table,
      environment: baseEnvironment(stage),
      logRetention: stage.logRetentionDays as logs.RetentionDays,
      removalPolicy,
    }));

    const wiring = { stage, table, secrets, webhookQueue: webhooks.queue, routes: routeTable };
    const apiRoutes = routeTable.map((route) => {
      // A route whose shape implies a need it does not declare (page_token without
      // pageTokens) stops the synth here, before any function could meet it at cold start.
      assertNeedsDeclared(route);
      const registrar = isRegistrarAuth(route.auth) ? registrarRouteName(route) : undefined;
      const fn = newFunction(route.operationId, route.handler, `${route.method} ${route.path}`, route, registrar, readsSecrets(route, stage));
      wireRoute(fn, route, wiring);
      return {
        operationId: route.operationId,
        method: route.method,
        path: route.path,
        auth: route.auth,
        fn: fn.fn,
        throttle: registrar ? this.sizing.routes[registrar].throttle : undefined,
      };
    });
    // Not a route of the table, but wired from its needs like one (the table's paths, for 405 vs 404).
    const fallback = newFunction(fallbackFunctionId, fallbackRoute.handler, 'Unknown route or method: 404/405', fallbackRoute, undefined, readsSecrets(fallbackRoute, stage));
    wireRoute(fallback, fallbackRoute, wiring);

    const api = new RegistryApi(this, 'Api', { stage, routes: apiRoutes, fallback: fallback.fn });

    const monitoring = new Monitoring(this, 'Monitoring', {
      stage,
      api,
      table,
      functions: [...this.functions].map(([name, fn]) => ({ name, fn })),
      registrarAuthCheckers: routeTable
        .filter((r) => r.needs?.includes('registrarSecrets'))
        .map((r) => this.functions.get(r.operationId) as RouteFunction),
      registrarRoutes: routeTable
        .filter((r) => isRegistrarAuth(r.auth))
        .map((r) => ({ operationId: r.operationId, routeKey: `${r.method} ${r.path}` })),
      routeFamilies: routeFamilies(routeTable),
    });

    webhooks.alarmTo(monitoring.topic);

    const output = (id: string, value: string, description: string) =>
      new CfnOutput(this, id, { value, description });
    output('ApiUrl', api.url, 'Base URL of the API');
    output('ExecuteApiUrl', api.httpApi.apiEndpoint, 'The execute-api endpoint (works before DNS of a custom domain)');
    output('TableName', table.tableName, 'The DynamoDB table');
    output('RegistrarCredentialsUrl', `${api.url}${registrarPaths.credentials}`, 'Kamailio: credential lookup URL');
    output('RegistrarWebhookUrl', `${api.url}${registrarPaths.webhook}`, 'Kamailio: registration webhook URL');
    output('RegistrarSecretArn', secrets.registrar.secretArn, 'Secret holding the comma-separated registrar secrets');
    if (api.customDomain) {
      output('CustomDomainTarget', api.customDomain.regionalDomainName, 'CNAME/alias target for the custom domain');
    }
  }
}

/** The non-registrar routes grouped by their tag ("Access keys" = AccessKeys), for per-family alarms. */
export function routeFamilies(routeTable: readonly AnyRoute[]): { family: string; routeKeys: string[] }[] {
  const families = new Map<string, string[]>();
  for (const route of routeTable.filter((r) => !isRegistrarAuth(r.auth))) {
    const family = route.tag.replace(/(^|[^A-Za-z0-9]+)([A-Za-z0-9])/g, (_, __, c: string) => c.toUpperCase());
    families.set(family, [...(families.get(family) ?? []), `${route.method} ${route.path}`]);
  }
  return [...families].map(([family, routeKeys]) => ({ family, routeKeys }));
}

function assertUniqueOperationIds(routeTable: readonly AnyRoute[]): void {
  const seen = new Set<string>([fallbackFunctionId]);
  for (const route of routeTable) {
    if (seen.has(route.operationId)) throw new Error(`Duplicate or reserved operationId "${route.operationId}" in the route table`);
    seen.add(route.operationId);
  }
}

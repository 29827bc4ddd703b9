import { Stack } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { TableUse } from '../shared/routes/access.js';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { AnyRoute, RouteNeed, TableAccess } from '../shared/routes/route.js';
import { tableEnvironment } from '../shared/routes/tableSummary.js';
import { bindSecretRead, type RouteFunction } from './routeFunction.js';
import type { StageSecrets } from './secrets.js';
import { grantTableUses } from './tableGrants.js';
import type { StageConfig } from './stageConfig.js';

export interface WiringContext {
  stage: StageConfig;
  table: dynamodb.ITable;
  secrets: StageSecrets;
  /** The customer webhook delivery queue (infra/webhookDelivery.ts). */
  webhookQueue?: sqs.IQueue;
  /** The stack's route table: the routeTable and accessKeyPermissions needs are computed from it. */
  routes: readonly AnyRoute[];
}

/** Environment every function gets, whatever its route declares. */
export function baseEnvironment(stage: StageConfig): Record<string, string> {
  return {
    STAGE: stage.stage,
    POWERTOOLS_SERVICE_NAME: 'sip-registry',
    LOG_LEVEL: stage.logLevel,
  };
}

/** Whether the route's function reads a secret at run time on this stage (it then gets the secrets extension). */
export function readsSecrets(route: { needs?: readonly RouteNeed[] }, stage: StageConfig): boolean {
  const needs = route.needs ?? [];
  return (
    needs.includes('pageTokens') ||
    needs.includes('registrarSecrets') ||
    (Boolean(stage.registrarControl) && (needs.includes('registrarControl') || needs.includes('registrarCache')))
  );
}

/**
 * Turns a route's declarations into environment and grants, and nothing more: a function
 * sees the table only when `table` says so and a secret only when `needs` names it.
 */
export function wireRoute(
  fn: RouteFunction,
  route: { operationId: string; table: TableAccess; access?: readonly TableUse[]; needs?: readonly RouteNeed[] },
  { stage, table, secrets, webhookQueue, routes }: WiringContext,
): void {
  grantTableUses(fn, table, route);
  assertEnvironmentFits(fn.fn, route.operationId);
  for (const need of new Set(route.needs ?? [])) {
    switch (need) {
      case 'sipDomain':
        fn.fn.addEnvironment('SIP_DOMAIN_SUFFIX', stage.sipDomainSuffix);
        break;
      case 'pageTokens':
        // Read at run time (current and previous version), so a rotation needs no deploy.
        fn.fn.addEnvironment('PAGE_TOKEN_SECRET_ARN', secrets.pageToken.secretArn);
        bindSecretRead(fn, secrets.pageToken.secretArn, stage.secretsKmsKeyArn);
        break;
      case 'registrarSecrets':
        fn.fn.addEnvironment('REGISTRAR_SECRETS_ARN', secrets.registrar.secretArn);
        bindSecretRead(fn, secrets.registrar.secretArn, stage.secretsKmsKeyArn);
        break;
      case 'registrarControl':
      case 'registrarCache':
        if (stage.registrarControl && secrets.registrarControlToken) {
          fn.fn.addEnvironment('REGISTRAR_CONTROL_URL', stage.registrarControl.url);
          fn.fn.addEnvironment('REGISTRAR_CONTROL_TOKEN_ARN', secrets.registrarControlToken.secretArn);
          bindSecretRead(fn, secrets.registrarControlToken.secretArn, stage.secretsKmsKeyArn);
        }
        break;
      case 'retention':
        fn.fn.addEnvironment('REGISTRATION_RETENTION_DAYS', String(stage.registrationRetentionDays));
        break;
      case 'webhookQueue':
        if (!webhookQueue) throw new Error('A route needs webhookQueue but the stack made none');
        fn.fn.addEnvironment('WEBHOOK_QUEUE_URL', webhookQueue.queueUrl);
        webhookQueue.grantSendMessages(fn.fn);
        break;
      // Computed from the table here, so the function never imports it (its schemas).
      case 'routeTable':
        fn.fn.addEnvironment('ROUTE_TABLE', tableEnvironment(routes).ROUTE_TABLE);
        break;
      case 'accessKeyPermissions':
        fn.fn.addEnvironment('ACCESS_KEY_PERMISSIONS', tableEnvironment(routes).ACCESS_KEY_PERMISSIONS);
        break;
      default: {
        const unknown: never = need;
        throw new Error(`Route need ${String(unknown)} has no CDK wiring`);
      }
    }
  }
}

/** Lambda refuses a function whose variables (names and values) exceed 4 KB in all. */
export const LAMBDA_ENVIRONMENT_LIMIT = 4 * 1024;
/** Synth fails above this much: a deploy should not be what finds the limit. */
export const ENVIRONMENT_BUDGET = LAMBDA_ENVIRONMENT_LIMIT - 512;
/** A value known only at deploy time (an ARN, a queue URL) counted as this many bytes. */
const DEPLOY_TIME_VALUE_BYTES = 200;

/**
 * Checks at synth, once every variable is set (the extension's too), that the function's
 * environment stays clear of Lambda's 4 KB: the table-derived variables grow with the
 * route table, and a deploy would otherwise fail late with a bare limit error.
 */
function assertEnvironmentFits(fn: lambda.Function, operationId: string): void {
  fn.node.addValidation({
    validate: () => {
      const cfn = fn.node.defaultChild as lambda.CfnFunction;
      const resolved = Stack.of(fn).resolve(cfn.environment) as { variables?: Record<string, unknown> } | undefined;
      const sizes = Object.entries(resolved?.variables ?? {}).map(([name, value]) => ({
        name,
        bytes: Buffer.byteLength(name) + (typeof value === 'string' ? Buffer.byteLength(value) : DEPLOY_TIME_VALUE_BYTES),
      }));
      const total = sizes.reduce((sum, s) => sum + s.bytes, 0);
      if (total <= ENVIRONMENT_BUDGET) return [];
      const largest = sizes
        .sort((a, b) => b.bytes - a.bytes)
        .slice(0, 3)
        .map((s) => `${s.name} ${s.bytes} B`)
        .join(', ');
      return [
        `${operationId}: its Lambda environment is about ${total} bytes, over the ${ENVIRONMENT_BUDGET}-byte budget under Lambda's ` +
          `${LAMBDA_ENVIRONMENT_LIMIT}-byte limit (largest: ${largest}); make the table-derived variables more compact ` +
          `(shared/routes/tableSummary.ts) or move them out of the environment`,
      ];
    },
  });
}

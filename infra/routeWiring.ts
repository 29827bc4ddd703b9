import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type { TableUse } from '../shared/routes/access.js';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { RouteNeed, TableAccess } from '../shared/routes/route.js';
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
  { stage, table, secrets, webhookQueue }: WiringContext,
): void {
  grantTableUses(fn, table, route);
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
      default: {
        const unknown: never = need;
        throw new Error(`Route need ${String(unknown)} has no CDK wiring`);
      }
    }
  }
}

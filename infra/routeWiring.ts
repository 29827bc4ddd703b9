import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { RouteNeed, TableAccess } from '../shared/routes/route.js';
import { bindSecretRead, bindTable, type RouteFunction } from './routeFunction.js';
import type { StageSecrets } from './secrets.js';
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

/**
 * Turns a route's declarations into environment and grants, and nothing more: a function
 * sees the table only when `table` says so and a secret only when `needs` names it.
 */
export function wireRoute(
  fn: RouteFunction,
  route: { table: TableAccess; needs?: readonly RouteNeed[] },
  { stage, table, secrets, webhookQueue }: WiringContext,
): void {
  if (route.table !== 'none') bindTable(fn, table, route.table);
  for (const need of new Set(route.needs ?? [])) {
    switch (need) {
      case 'sipDomain':
        fn.fn.addEnvironment('SIP_DOMAIN_SUFFIX', stage.sipDomainSuffix);
        break;
      case 'pageTokens':
        // CloudFormation resolves the dynamic reference at deploy time: the template never holds
        // the key, but the function configuration does, in plain text (lambda:GetFunctionConfiguration
        // shows it). Accepted, see the PageToken secret's acknowledgement and docs/deploy.md.
        fn.fn.addEnvironment('PAGE_TOKEN_SECRET', secrets.pageToken.secretValue.unsafeUnwrap());
        break;
      case 'registrarSecrets':
        fn.fn.addEnvironment('REGISTRAR_SECRETS_ARN', secrets.registrar.secretArn);
        bindSecretRead(fn, secrets.registrar.secretArn);
        break;
      case 'registrarControl':
      case 'registrarCache':
        if (stage.registrarControl && secrets.registrarControlToken) {
          fn.fn.addEnvironment('REGISTRAR_CONTROL_URL', stage.registrarControl.url);
          fn.fn.addEnvironment('REGISTRAR_CONTROL_TOKEN_ARN', secrets.registrarControlToken.secretArn);
          bindSecretRead(fn, secrets.registrarControlToken.secretArn);
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

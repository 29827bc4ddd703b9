import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { StageConfig } from './stageConfig.js';

/** Letters and digits only: the registrar secret is a comma-separated list, so no commas. */
const generated = (length: number): secretsmanager.SecretStringGenerator => ({
  passwordLength: length,
  excludePunctuation: true,
  includeSpace: false,
});

/**
 * The stage's secrets. Created ones get no fixed name (a deleted secret's name stays
 * reserved for its recovery window, which would block recreating a dev stack) and follow
 * the stage's removal policy.
 */
export class StageSecrets extends Construct {
  /** Comma-separated registrar secrets (Kamailio signs with one; the API accepts each). */
  readonly registrar: secretsmanager.ISecret;
  /** HMAC key for next_page_token. */
  readonly pageToken: secretsmanager.Secret;
  /** Bearer token for the registrar control endpoint, when the stage has one. */
  readonly registrarControlToken?: secretsmanager.ISecret;

  constructor(scope: Construct, id: string, stage: StageConfig) {
    super(scope, id);
    const removalPolicy = stage.removalPolicy === 'retain' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    const create = (name: string, description: string, length: number) => {
      const secret = new secretsmanager.Secret(this, name, {
        description: `${stage.stackName}: ${description}`,
        generateSecretString: generated(length),
        removalPolicy,
      });
      Validations.of(secret).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason:
          'Rotated by the operator, not by a rotation Lambda: a new registrar secret must reach Kamailio before the old one is removed (docs/deploy.md), and the page-token key is resolved at deploy time, so rotating it means a redeploy.',
      });
      return secret;
    };

    this.registrar = stage.registrarSecretArn
      ? secretsmanager.Secret.fromSecretCompleteArn(this, 'Registrar', stage.registrarSecretArn)
      : create('Registrar', 'registrar shared secrets (comma-separated list)', 48);
    this.pageToken = create('PageToken', 'HMAC key for page tokens', 64);
    if (stage.registrarControl) {
      this.registrarControlToken = stage.registrarControl.tokenSecretArn
        ? secretsmanager.Secret.fromSecretCompleteArn(this, 'ControlToken', stage.registrarControl.tokenSecretArn)
        : create('ControlToken', 'bearer token for the registrar control endpoint', 48);
    }
  }
}

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

const operatorRotated =
  'Rotated by the operator, not by a rotation Lambda: a new registrar secret must reach Kamailio (or the control endpoint) before the old one is removed (docs/deploy.md).';

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
    const create = (name: string, description: string, length: number, whyNoRotationLambda: string) => {
      const secret = new secretsmanager.Secret(this, name, {
        description: `${stage.stackName}: ${description}`,
        generateSecretString: generated(length),
        removalPolicy,
      });
      Validations.of(secret).acknowledge({ id: 'AwsSolutions-SMG4', reason: whyNoRotationLambda });
      return secret;
    };

    this.registrar = stage.registrarSecretArn
      ? secretsmanager.Secret.fromSecretCompleteArn(this, 'Registrar', stage.registrarSecretArn)
      : create('Registrar', 'registrar shared secrets (comma-separated list)', 48, operatorRotated);
    this.pageToken = create(
      'PageToken',
      'HMAC key for page tokens',
      64,
      "Rotated by the operator with a redeploy, not by a rotation Lambda: CloudFormation resolves this key into the environment of the listing functions at deploy time, so it is stored in plain text in their configuration and readable by anyone allowed lambda:GetFunctionConfiguration. Accepted: it only signs page tokens, which also bind the customer id, and every listing query keys on the caller's customer id, so a forged cursor can only move within the caller's own data (docs/deploy.md).",
    );
    if (stage.registrarControl) {
      this.registrarControlToken = stage.registrarControl.tokenSecretArn
        ? secretsmanager.Secret.fromSecretCompleteArn(this, 'ControlToken', stage.registrarControl.tokenSecretArn)
        : create('ControlToken', 'bearer token for the registrar control endpoint', 48, operatorRotated);
    }
  }
}

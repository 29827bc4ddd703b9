import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
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
  /** HMAC key for next_page_token, read at run time (current and previous version). */
  readonly pageToken: secretsmanager.Secret;
  /** Bearer token for the registrar control endpoint, when the stage has one. */
  readonly registrarControlToken?: secretsmanager.ISecret;

  constructor(scope: Construct, id: string, stage: StageConfig) {
    super(scope, id);
    const removalPolicy = stage.removalPolicy === 'retain' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    const encryptionKey = stage.secretsKmsKeyArn ? kms.Key.fromKeyArn(this, 'Key', stage.secretsKmsKeyArn) : undefined;
    const create = (name: string, description: string, length: number, whyNoRotationLambda: string) => {
      const secret = new secretsmanager.Secret(this, name, {
        description: `${stage.stackName}: ${description}`,
        generateSecretString: generated(length),
        encryptionKey,
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
      'Rotated by the operator (put-secret-value, docs/deploy.md), not by a rotation Lambda: the listing functions read it at run time, sign with AWSCURRENT and still accept AWSPREVIOUS, so a rotation needs no deploy and breaks no page token in flight; a rotation Lambda would only add a function to run for a key that needs no coordination with anything outside the stack.',
    );
    if (stage.registrarControl) {
      this.registrarControlToken = stage.registrarControl.tokenSecretArn
        ? secretsmanager.Secret.fromSecretCompleteArn(this, 'ControlToken', stage.registrarControl.tokenSecretArn)
        : create('ControlToken', 'bearer token for the registrar control endpoint', 48, operatorRotated);
    }
  }
}

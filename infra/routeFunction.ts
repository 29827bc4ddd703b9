import { Duration, type RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { type BundlingOptions, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_LAMBDA_TIMEOUT_SECONDS } from './registrarTimeouts.js';

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** ESM bundles still meet packages that call require(): give them one. */
const requireBanner =
  "import { createRequire as __sipCreateRequire } from 'node:module'; const require = __sipCreateRequire(import.meta.url);";

/**
 * How every function is bundled: one minified ESM file per route with everything inside,
 * the AWS SDK included (the pinned version, not whatever the runtime ships).
 */
export const bundlingOptions: BundlingOptions = {
  format: OutputFormat.ESM,
  target: 'node24',
  minify: true,
  sourceMap: false,
  bundleAwsSDK: true,
  externalModules: [],
  mainFields: ['module', 'main'],
  banner: requireBanner,
  tsconfig: path.join(projectRoot, 'tsconfig.json'),
};

export interface RouteFunctionProps {
  /** Handler module relative to the project root (it exports `handler`). */
  handler: string;
  description: string;
  environment: Record<string, string>;
  logRetention: logs.RetentionDays;
  removalPolicy: RemovalPolicy;
  /** Default DEFAULT_LAMBDA_TIMEOUT_SECONDS; registrar functions are shorter (infra/registrarTimeouts.ts). */
  timeout?: Duration;
  /** Concurrency reserved for (and capped at) this function; default none. */
  reservedConcurrentExecutions?: number;
  /** The function reads a secret at run time: it gets the Parameters and Secrets extension. */
  readsSecrets?: boolean;
  /** Default bundlingOptions; a route's own come from routeBundlingOptions (infra/routeBundling.ts). */
  bundling?: BundlingOptions;
}

/**
 * The AWS Parameters and Secrets Lambda Extension, for functions that read a secret
 * (shared/secrets/read.ts asks it over loopback): no Secrets Manager SDK client in any
 * bundle. Its cache is off: the function caches per instance itself and must be able to
 * force a fresh read after a rejected secret (a rotation), which a second cache would defeat.
 */
export const secretsExtension = () =>
  lambda.ParamsAndSecretsLayerVersion.fromVersion(lambda.ParamsAndSecretsVersions.V1_0_103, {
    cacheEnabled: false,
    logLevel: lambda.ParamsAndSecretsLogLevel.WARN,
  });

/**
 * One route's Lambda function with its own log group (retention per stage), its own role
 * (no managed policies: it may write only its log group), no X-Ray tracing.
 * Grants beyond that come from the route's table uses (infra/tableGrants.ts) and needs.
 */
export class RouteFunction extends Construct {
  readonly fn: NodejsFunction;
  readonly logGroup: logs.LogGroup;
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: RouteFunctionProps) {
    super(scope, id);
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention,
      removalPolicy: props.removalPolicy,
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Runs ${props.handler}`,
    });
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );
    this.fn = new NodejsFunction(this, 'Function', {
      entry: path.join(projectRoot, props.handler),
      handler: 'handler',
      projectRoot,
      depsLockFilePath: path.join(projectRoot, 'package-lock.json'),
      description: props.description,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 256,
      timeout: props.timeout ?? Duration.seconds(DEFAULT_LAMBDA_TIMEOUT_SECONDS),
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      // No X-Ray (docs/deploy.md, "Observability"): without an instrumented SDK a trace is one
      // bare Lambda segment, which the duration metric already shows, at $5 per million traces.
      tracing: lambda.Tracing.DISABLED,
      paramsAndSecrets: props.readsSecrets ? secretsExtension() : undefined,
      role: this.role,
      logGroup: this.logGroup,
      environment: props.environment,
      bundling: props.bundling ?? bundlingOptions,
    });
  }
}

/**
 * secretsmanager:GetSecretValue on one secret, nothing else; and kms:Decrypt on the
 * customer-managed key that encrypts it, if any, only through Secrets Manager.
 */
export function bindSecretRead(fn: RouteFunction, secretArn: string, kmsKeyArn?: string): void {
  fn.role.addToPrincipalPolicy(
    new iam.PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [secretArn] }),
  );
  if (kmsKeyArn) {
    fn.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['kms:Decrypt'],
        resources: [kmsKeyArn],
        conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${Stack.of(fn).region}.amazonaws.com` } },
      }),
    );
  }
}

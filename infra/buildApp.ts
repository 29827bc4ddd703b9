import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { SipRegistryStack } from './stack.js';
import { stageConfig } from './stageConfig.js';

/**
 * The CDK app for the stage selected by `-c stage=NAME` (default dev), checked by cdk-nag's
 * AwsSolutions pack on every synth. `context` is for tests; the CLI passes cdk.json's.
 */
export function buildApp(context?: Record<string, unknown>) {
  const app = new App(context ? { context } : undefined);
  const stage = stageConfig(app.node.tryGetContext('stages'), app.node.tryGetContext('stage'));
  // No env: an environment-agnostic stack, synthesized without credentials or lookups.
  const stack = new SipRegistryStack(app, stage.stackName, { stage });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack, stage };
}

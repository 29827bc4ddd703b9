import { Annotations, App, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { SipRegistryStack } from './stack.js';
import { productionProblems, stageConfig } from './stageConfig.js';

export const PROJECT_TAG = 'sip-registry';

/**
 * The CDK app for the stage selected by `-c stage=NAME` (default dev), checked by cdk-nag's
 * AwsSolutions and ServerlessChecks packs on every synth. `context` is for tests; the CLI
 * passes cdk.json's.
 *
 * A production stage with placeholder operator settings stops the synth, so it cannot be
 * deployed. `-c placeholders=allow` turns that into a warning: for CI and tests, which
 * synthesize the committed (placeholder) prod settings offline, never for a deployment.
 */
export function buildApp(context?: Record<string, unknown>) {
  const app = new App(context ? { context } : undefined);
  const stage = stageConfig(app.node.tryGetContext('stages'), app.node.tryGetContext('stage'));
  const problems = productionProblems(stage);
  const allowPlaceholders = app.node.tryGetContext('placeholders') === 'allow';
  if (problems.length > 0 && !allowPlaceholders) {
    throw new Error(
      `Stage "${stage.stage}" is a production stage but its settings in cdk.json are not ready:\n${problems.map((p) => `  ${p}`).join('\n')}\nSet real values (docs/deploy.md, "Stages").`,
    );
  }
  // No env: an environment-agnostic stack, synthesized without credentials or lookups.
  const stack = new SipRegistryStack(app, stage.stackName, { stage });
  for (const problem of problems) Annotations.of(stack).addWarningV2('sip-registry:placeholder', `${problem} (allowed by -c placeholders=allow)`);
  // Every resource: whose it is and which stage (cost allocation, access policies by tag).
  Tags.of(app).add('project', PROJECT_TAG);
  Tags.of(app).add('stage', stage.stage);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
  return { app, stack, stage };
}

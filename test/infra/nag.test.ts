import { Stack, Validations } from 'aws-cdk-lib';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { SYNTH_TIMEOUT, synthStage } from './synthStage.js';

describe('cdk-nag AwsSolutions and ServerlessChecks', () => {
  it.each(['dev', 'prod'])(
    'finds nothing unacknowledged in %s, and the app synthesizes with the plugin',
    (stage) => {
      const { app } = synthStage(stage);
      // The plugin runs inside synth and throws on any error-level finding.
      const assembly = app.synth();
      expect(assembly.getStackByName(`SipRegistry-${stage}`).template.Resources).toBeDefined();
      // Warnings too: validateScope reports every finding that is not acknowledged.
      expect(new AwsSolutionsChecks().validateScope(app).violations).toEqual([]);
      expect(new ServerlessChecks().validateScope(app).violations).toEqual([]);
    },
    SYNTH_TIMEOUT,
  );

  it(
    'would report an unacknowledged finding (the check is live)',
    () => {
      const { app, stack } = synthStage('dev');
      new sns.Topic(Stack.of(stack), 'UncheckedTopic');
      new sqs.Queue(Stack.of(stack), 'UncheckedQueue', { enforceSSL: true });
      const rules = new AwsSolutionsChecks().validateScope(app).violations.map((v) => v.ruleName);
      expect(rules).toContain('AwsSolutions-SNS3');
      const serverless = new ServerlessChecks().validateScope(app).violations.map((v) => v.ruleName);
      expect(serverless).toContain('Serverless-SQSRedrivePolicy');
    },
    SYNTH_TIMEOUT,
  );

  it(
    'states a reason for every acknowledgement',
    () => {
      const { stack } = synthStage('prod');
      const acknowledgements = stack.node
        .findAll()
        .flatMap((c) => c.node.metadata)
        .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
        .flatMap((m) => Object.entries(m.data as Record<string, unknown>));
      expect(acknowledgements.length).toBeGreaterThan(0);
      for (const [id, reason] of acknowledgements) {
        expect(id).toMatch(/(AwsSolutions|Serverless)-/);
        expect(JSON.stringify(reason).length, id).toBeGreaterThan(60);
      }
    },
    SYNTH_TIMEOUT,
  );
});

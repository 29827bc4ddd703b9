import { Template } from 'aws-cdk-lib/assertions';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { buildApp } from '../../infra/buildApp.js';
import { projectRoot } from '../../infra/routeFunction.js';

/** cdk.json's context, as the CLI would pass it. */
export const cdkJson = JSON.parse(readFileSync(path.join(projectRoot, 'cdk.json'), 'utf8')) as {
  app: string;
  context: Record<string, unknown> & { stages: Record<string, Record<string, unknown>> };
};

/** Loading aws-cdk-lib and synthesizing takes seconds on a busy 2-core machine. */
export const SYNTH_TIMEOUT = 120_000;

/** The least a stage needs (no optional feature), for tests that only care what a stage lacks. */
export const minimalStage = (name: string) => ({
  sipDomainSuffix: `sip.${name}.example.net`,
  removalPolicy: 'destroy',
  logRetentionDays: 7,
  throttle: { rateLimit: 1, burstLimit: 1 },
  registrar: { expectedDevices: 10, refreshSeconds: 300 },
  billingMode: 'on-demand',
});

/**
 * Synthesizes the real app for one stage without esbuild bundling. `stages` replaces
 * cdk.json's stage map (to try settings no committed stage has). The committed prod stage
 * has placeholder operator settings: allowed here as in CI (`-c placeholders=allow`) unless
 * `placeholders: 'refuse'`.
 */
export function synthStage(stage: string, options: { stages?: Record<string, unknown>; placeholders?: 'allow' | 'refuse' } = {}) {
  const built = buildApp({
    ...cdkJson.context,
    ...(options.stages ? { stages: options.stages } : {}),
    stage,
    'aws:cdk:bundling-stacks': [],
    ...((options.placeholders ?? 'allow') === 'allow' ? { placeholders: 'allow' } : {}),
  });
  const template = Template.fromStack(built.stack);
  return { ...built, template, json: template.toJSON() as CfnTemplate };
}

export interface CfnResource {
  Type: string;
  Properties: Record<string, any>;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
}
export interface CfnTemplate {
  Resources: Record<string, CfnResource>;
  Outputs: Record<string, { Value: unknown }>;
}

export const resourcesOf = (json: CfnTemplate, type: string) =>
  Object.entries(json.Resources).filter(([, r]) => r.Type === type);

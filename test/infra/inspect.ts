import type { CfnElement } from 'aws-cdk-lib';
import type { SipRegistryStack } from '../../infra/stack.js';
import { resourcesOf, type CfnTemplate } from './synthStage.js';

export interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}

export const actionsOf = (s: Statement): string[] => (Array.isArray(s.Action) ? s.Action : [s.Action]);

/** A route function's template pieces: its Lambda properties and every statement its role holds. */
export function functionOf(stack: SipRegistryStack, json: CfnTemplate, id: string) {
  const fn = stack.functions.get(id);
  if (!fn) throw new Error(`no function ${id}`);
  const functionId = stack.getLogicalId(fn.fn.node.defaultChild as CfnElement);
  const roleId = stack.getLogicalId(fn.role.node.defaultChild as CfnElement);
  const logGroupId = stack.getLogicalId(fn.logGroup.node.defaultChild as CfnElement);
  const properties = json.Resources[functionId]!.Properties;
  const statements: Statement[] = resourcesOf(json, 'AWS::IAM::Policy')
    .filter(([, p]) => (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref === roleId))
    .flatMap(([, p]) => p.Properties.PolicyDocument.Statement as Statement[]);
  const role = json.Resources[roleId]!.Properties;
  return {
    properties,
    environment: (properties.Environment?.Variables ?? {}) as Record<string, unknown>,
    statements,
    actions: new Set(statements.flatMap(actionsOf)),
    role,
    logGroupId,
  };
}

/**
 * The resources `action` is granted on, each as JSON text (to compare references). One entry
 * per resource: CDK may merge statements (the minimizePolicies feature flag).
 */
export const grantsOf = (statements: Statement[], action: string) =>
  statements.filter((s) => actionsOf(s).includes(action)).flatMap((s) => [s.Resource].flat().map((r) => JSON.stringify(r)));

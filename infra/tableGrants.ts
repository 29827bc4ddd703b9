import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { READ_ACTIONS, type TableUse } from '../shared/routes/access.js';
import type { TableAccess } from '../shared/routes/route.js';
import type { RouteFunction } from './routeFunction.js';

/**
 * The dynamodb:LeadingKeys values of one use. On the base table, its key patterns as they are.
 * On an index, the tenant prefix before the first `*` (CUSTOMER#*): IAM documents LeadingKeys
 * as the table's partition key, and what it is compared with for a Query on a GSI is not
 * something to bet a tenant boundary on. The prefix holds either way: the index partitions
 * (CUSTOMER#<id>#EXTENSIONS...) and the base partitions of every item in them
 * (CUSTOMER#<id>#EXTENSION#...) both start with it. The tenant boundary itself is the
 * customer id in every key, which the handlers take from the authenticated caller.
 */
export function leadingKeys(use: TableUse): string[] {
  if (!use.index) return [...use.keys];
  return [...new Set(use.keys.map((pattern) => (pattern.includes('*') ? pattern.slice(0, pattern.indexOf('*') + 1) : pattern)))];
}

/**
 * Grants a route's function exactly the uses its route declares (shared/routes/access.ts):
 * per use, its actions on the table or the one index, limited to its partition-key patterns.
 * Uses on the same resource and keys share one statement. The `table` access level must
 * agree: a read route declaring a write action is a mistake caught at synth.
 */
export function grantTableUses(
  fn: RouteFunction,
  table: dynamodb.ITable,
  route: { operationId: string; table: TableAccess; access?: readonly TableUse[] },
): void {
  const access = route.access ?? [];
  if (route.table === 'none') {
    if (access.length > 0) throw new Error(`Route ${route.operationId} has table: 'none' but declares table access`);
    return;
  }
  if (access.length === 0) {
    throw new Error(`Route ${route.operationId} has table: '${route.table}' but declares no access (shared/routes/access.ts)`);
  }
  const writes = access.flatMap((u) => u.actions).filter((a) => !READ_ACTIONS.includes(a));
  if (route.table === 'read' && writes.length > 0) {
    throw new Error(`Route ${route.operationId} has table: 'read' but declares ${[...new Set(writes)].join(', ')}`);
  }

  const statements = new Map<string, { resource: string; keys: string[]; actions: Set<string> }>();
  for (const use of access) {
    const resource = use.index ? `${table.tableArn}/index/${use.index}` : table.tableArn;
    const keys = leadingKeys(use).sort();
    const id = `${use.index ?? ''}|${keys.join(',')}`;
    const statement = statements.get(id) ?? { resource, keys, actions: new Set<string>() };
    for (const action of use.actions) statement.actions.add(`dynamodb:${action}`);
    statements.set(id, statement);
  }
  for (const { resource, keys, actions } of statements.values()) {
    fn.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: [...actions].sort(),
        resources: [resource],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': keys } },
      }),
    );
  }
  fn.fn.addEnvironment('TABLE_NAME', table.tableName);
}

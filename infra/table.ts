import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type { Construct } from 'constructs';
import { tableDefinition } from '../shared/table/definition.js';
import { type CapacityRange, sizingDefaults, type TableCapacity } from './registrarSizing.js';
import type { StageConfig } from './stageConfig.js';

const stringKey = (name: string): dynamodb.Attribute => ({ name, type: dynamodb.AttributeType.STRING });

/**
 * The single table, built from `tableDefinition` (the same shape DynamoDB Local gets).
 * Encryption: the AWS-owned-key default is replaced by the AWS-managed key (aws/dynamodb) so
 * every decrypt is in CloudTrail; a customer-managed key would add a key policy to run and a
 * monthly cost without any cross-account reader needing it.
 *
 * Billing per stage: on-demand, or provisioned (`capacity` given) with target-tracking
 * autoscaling on the table and on every index, reads and writes, between the floor the steady
 * registrar load needs and the ceiling its headroom needs (infra/registrarSizing.ts). A
 * steady, predictable refresh load costs far less provisioned (docs/cost.md).
 */
export function registryTable(scope: Construct, stage: StageConfig, capacity?: TableCapacity): dynamodb.Table {
  if (stage.billingMode === 'provisioned' && !capacity) throw new Error(`Stage "${stage.stage}" is provisioned but no capacity was computed`);
  const provisioned = stage.billingMode === 'provisioned' ? capacity : undefined;
  const retain = stage.removalPolicy === 'retain';
  const table = new dynamodb.Table(scope, 'Table', {
    tableName: stage.tableName,
    partitionKey: stringKey(tableDefinition.partitionKey),
    sortKey: stringKey(tableDefinition.sortKey),
    ...(provisioned
      ? { billingMode: dynamodb.BillingMode.PROVISIONED, readCapacity: provisioned.table.read.min, writeCapacity: provisioned.table.write.min }
      : { billingMode: dynamodb.BillingMode.PAY_PER_REQUEST }),
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    encryption: dynamodb.TableEncryption.AWS_MANAGED,
    timeToLiveAttribute: tableDefinition.timeToLiveAttribute,
    // Customer webhook events are derived from it (infra/webhookDelivery.ts).
    stream: dynamodb.StreamViewType[tableDefinition.stream],
    deletionProtection: retain,
    removalPolicy: retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
  });
  for (const index of tableDefinition.globalIndexes) {
    const indexCapacity = provisioned?.indexes[index.indexName];
    table.addGlobalSecondaryIndex({
      indexName: index.indexName,
      partitionKey: stringKey(index.partitionKey),
      sortKey: stringKey(index.sortKey),
      projectionType: dynamodb.ProjectionType[index.projection],
      ...(indexCapacity ? { readCapacity: indexCapacity.read.min, writeCapacity: indexCapacity.write.min } : {}),
    });
  }
  if (provisioned) {
    const track = (scalable: dynamodb.IScalableTableAttribute) =>
      scalable.scaleOnUtilization({ targetUtilizationPercent: sizingDefaults.targetUtilization * 100 });
    const range = ({ min, max }: CapacityRange) => ({ minCapacity: min, maxCapacity: max });
    track(table.autoScaleReadCapacity(range(provisioned.table.read)));
    track(table.autoScaleWriteCapacity(range(provisioned.table.write)));
    for (const index of tableDefinition.globalIndexes) {
      const { read, write } = provisioned.indexes[index.indexName];
      track(table.autoScaleGlobalSecondaryIndexReadCapacity(index.indexName, range(read)));
      track(table.autoScaleGlobalSecondaryIndexWriteCapacity(index.indexName, range(write)));
    }
  }
  return table;
}

/** Index ARNs named one by one, so no grant needs an `index/*` wildcard. */
export const indexArns = (table: dynamodb.ITable): string[] =>
  tableDefinition.globalIndexes.map((index) => `${table.tableArn}/index/${index.indexName}`);

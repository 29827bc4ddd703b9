import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type { Construct } from 'constructs';
import { tableDefinition } from '../shared/table/definition.js';
import type { StageConfig } from './stageConfig.js';

const stringKey = (name: string): dynamodb.Attribute => ({ name, type: dynamodb.AttributeType.STRING });

/**
 * The single table, built from `tableDefinition` (the same shape DynamoDB Local gets).
 * Encryption: the AWS-owned-key default is replaced by the AWS-managed key (aws/dynamodb) so
 * every decrypt is in CloudTrail; a customer-managed key would add a key policy to run and a
 * monthly cost without any cross-account reader needing it.
 */
export function registryTable(scope: Construct, stage: StageConfig): dynamodb.Table {
  const retain = stage.removalPolicy === 'retain';
  const table = new dynamodb.Table(scope, 'Table', {
    tableName: stage.tableName,
    partitionKey: stringKey(tableDefinition.partitionKey),
    sortKey: stringKey(tableDefinition.sortKey),
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    encryption: dynamodb.TableEncryption.AWS_MANAGED,
    timeToLiveAttribute: tableDefinition.timeToLiveAttribute,
    deletionProtection: retain,
    removalPolicy: retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
  });
  for (const index of tableDefinition.globalIndexes) {
    table.addGlobalSecondaryIndex({
      indexName: index.indexName,
      partitionKey: stringKey(index.partitionKey),
      sortKey: stringKey(index.sortKey),
      projectionType: dynamodb.ProjectionType[index.projection],
    });
  }
  return table;
}

/** Index ARNs named one by one, so no grant needs an `index/*` wildcard. */
export const indexArns = (table: dynamodb.ITable): string[] =>
  tableDefinition.globalIndexes.map((index) => `${table.tableArn}/index/${index.indexName}`);

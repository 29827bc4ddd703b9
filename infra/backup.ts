import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import { Construct } from 'constructs';
import type { StageConfig } from './stageConfig.js';

/**
 * Daily AWS Backup of the table, on top of point-in-time recovery: PITR reaches back 35 days
 * at most and lives and dies with the table; a backup vault keeps recovery points for the
 * stage's retention, also after the table (or the stack) is gone, and can copy them to a
 * vault in another region or account (an account compromise or a region outage).
 */
export class TableBackup extends Construct {
  readonly plan: backup.BackupPlan;
  readonly vault: backup.BackupVault;

  constructor(scope: Construct, id: string, props: { stage: StageConfig; table: dynamodb.ITable }) {
    super(scope, id);
    const settings = props.stage.backup;
    if (!settings) throw new Error('TableBackup needs the stage backup settings');
    this.vault = new backup.BackupVault(this, 'Vault', {
      // Recovery points outlive the stack on a retained stage.
      removalPolicy: props.stage.removalPolicy === 'retain' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    this.plan = new backup.BackupPlan(this, 'Plan', { backupVault: this.vault });
    this.plan.addRule(
      new backup.BackupPlanRule({
        ruleName: 'Daily',
        // 03:00 UTC: the registrar's quietest hour in most time zones does not matter to
        // DynamoDB backups (no capacity used), it only fixes when the point is taken.
        scheduleExpression: events.Schedule.cron({ hour: '3', minute: '0' }),
        deleteAfter: Duration.days(settings.retentionDays),
        copyActions: settings.copyTo
          ? [
              {
                destinationBackupVault: backup.BackupVault.fromBackupVaultArn(this, 'CopyVault', settings.copyTo.vaultArn),
                deleteAfter: Duration.days(settings.copyTo.retentionDays ?? settings.retentionDays),
              },
            ]
          : undefined,
      }),
    );
    const selection = this.plan.addSelection('Table', { resources: [backup.BackupResource.fromDynamoDbTable(props.table)] });
    Validations.of(selection).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup]',
      reason:
        'The role AWS Backup assumes to take the recovery points, not a function role: AWS maintains this service-role policy as Backup gains resource types and encryption cases; the selection limits what this plan backs up to the one table.',
    });
  }
}

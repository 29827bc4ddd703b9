import { describe, expect, it } from 'vitest';
import { FAMILY_4XX_RATE_ALARM_PERCENT, FAMILY_P99_LATENCY_ALARM_MS } from '../../infra/monitoring.js';
import { routeFamilies } from '../../infra/stack.js';
import { routes } from '../../shared/routes/index.js';
import { isRegistrarAuth } from '../../shared/routes/route.js';
import { cdkJson, resourcesOf, SYNTH_TIMEOUT, synthStage } from './synthStage.js';

/** Issue 13, item 3: what an on-call engineer needs from the stack. */
const prodWith = (changes: Record<string, unknown>) => ({ ...cdkJson.context.stages, prod: { ...cdkJson.context.stages.prod, ...changes } });
const ready = { alarms: { email: 'oncall@sip-provider.de' }, registrarControl: { url: 'https://registrar.sip-provider.de:5071/control' } };

describe('operations', () => {
  it(
    'a production stage with a placeholder or missing alarm e-mail or control URL does not synthesize',
    () => {
      expect(() => synthStage('prod', { placeholders: 'refuse' })).toThrow(
        /production stage[\s\S]*alarms\.email "sip-registry-alarms@example\.net" is a placeholder[\s\S]*registrarControl\.url .* placeholder/,
      );
      expect(() => synthStage('prod', { placeholders: 'refuse', stages: prodWith({ ...ready, alarms: {} }) })).toThrow(/alarms\.email is unset/);
      // Real-looking values pass; dev (not production) never needed them.
      expect(synthStage('prod', { placeholders: 'refuse', stages: prodWith(ready) }).stack).toBeDefined();
      expect(synthStage('dev', { placeholders: 'refuse' }).stack).toBeDefined();
    },
    SYNTH_TIMEOUT,
  );

  it(
    'tags every resource with project and stage',
    () => {
      for (const stage of ['dev', 'prod']) {
        const { json } = synthStage(stage);
        const tagged = resourcesOf(json, 'AWS::DynamoDB::Table').concat(resourcesOf(json, 'AWS::Lambda::Function'));
        expect(tagged.length).toBeGreaterThan(1);
        for (const [id, resource] of tagged) {
          expect(resource.Properties.Tags, id).toEqual(
            expect.arrayContaining([
              { Key: 'project', Value: 'sip-registry' },
              { Key: 'stage', Value: stage },
            ]),
          );
        }
      }
    },
    SYNTH_TIMEOUT,
  );

  it(
    'backs the prod table up daily for the stage retention, copies when told to; dev has no backup',
    () => {
      expect(resourcesOf(synthStage('dev').json, 'AWS::Backup::BackupPlan')).toEqual([]);
      const prod = synthStage('prod').json;
      const [[, plan]] = resourcesOf(prod, 'AWS::Backup::BackupPlan') as unknown as [[string, { Properties: any }]];
      const [rule] = plan.Properties.BackupPlan.BackupPlanRule;
      expect(rule.ScheduleExpression).toBe('cron(0 3 * * ? *)');
      expect(rule.Lifecycle.DeleteAfterDays).toBe((cdkJson.context.stages.prod!.backup as { retentionDays: number }).retentionDays);
      expect(rule.CopyActions).toBeUndefined();
      const [[, selection]] = resourcesOf(prod, 'AWS::Backup::BackupSelection') as unknown as [[string, { Properties: any }]];
      expect(JSON.stringify(selection.Properties.BackupSelection.Resources)).toContain('Table');
      expect(resourcesOf(prod, 'AWS::Backup::BackupVault')[0]![1].DeletionPolicy).toBe('Retain');

      const vaultArn = 'arn:aws:backup:eu-central-1:210987654321:backup-vault:sip-registry-copies';
      const copied = synthStage('prod', { stages: prodWith({ backup: { retentionDays: 35, copyTo: { vaultArn, retentionDays: 90 } } }) }).json;
      const copyRule = (resourcesOf(copied, 'AWS::Backup::BackupPlan')[0]![1].Properties.BackupPlan.BackupPlanRule as any[])[0];
      expect(copyRule.CopyActions).toEqual([{ DestinationBackupVaultArn: vaultArn, Lifecycle: { DeleteAfterDays: 90 } }]);
    },
    SYNTH_TIMEOUT,
  );

  it(
    'alarms on p99 latency, 4xx rate and 429 rate of every route family, from the access log',
    () => {
      const { json } = synthStage('prod');
      const families = routeFamilies(routes);
      expect(families.map((f) => f.family)).toEqual(expect.arrayContaining(['Extensions', 'Domains', 'AccessKeys', 'Registrations']));
      // Every non-registrar route is in exactly one family.
      expect(families.flatMap((f) => f.routeKeys).sort()).toEqual(
        routes.filter((r) => !isRegistrarAuth(r.auth)).map((r) => `${r.method} ${r.path}`).sort(),
      );
      const alarms = resourcesOf(json, 'AWS::CloudWatch::Alarm').map(([, a]) => a.Properties);
      for (const { family, routeKeys } of families) {
        const named = (suffix: string) => alarms.find((a) => a.AlarmName === `SipRegistry-prod-${family}${suffix}`);
        expect(named('LatencyP99')?.Threshold, family).toBe(FAMILY_P99_LATENCY_ALARM_MS);
        expect(named('LatencyP99')?.ExtendedStatistic, family).toBe('p99');
        expect(named('4xxRate')?.Threshold, family).toBe(FAMILY_4XX_RATE_ALARM_PERCENT);
        expect(JSON.stringify(named('429Rate')?.Metrics), family).toContain(`${family}Throttled`);
        const filters = resourcesOf(json, 'AWS::Logs::MetricFilter').filter(([, f]) =>
          String(f.Properties.MetricTransformations[0].MetricName).startsWith(family),
        );
        expect(filters, family).toHaveLength(4);
        for (const [, filter] of filters) for (const key of routeKeys) expect(filter.Properties.FilterPattern).toContain(`"${key}"`);
      }
    },
    SYNTH_TIMEOUT,
  );
});

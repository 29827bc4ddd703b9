import { describe, expect, it } from 'vitest';
import { stageConfig } from '../../infra/stageConfig.js';
import { cdkJson, SYNTH_TIMEOUT, synthStage } from './synthStage.js';

const minimal = {
  sipDomainSuffix: 'sip.qa.example.net',
  removalPolicy: 'destroy',
  logRetentionDays: 7,
  throttle: { rateLimit: 5, burstLimit: 10 },
  registrar: { expectedDevices: 100, refreshSeconds: 300 },
  billingMode: 'on-demand',
};

describe('stage configuration', () => {
  it('rejects an unknown stage and names the known ones', () => {
    expect(() => stageConfig(cdkJson.context.stages, 'staging')).toThrow(
      'Unknown stage "staging". Known stages: dev, prod. Add it to "stages" in cdk.json.',
    );
  });

  it('rejects invalid settings with the field at fault', () => {
    const bad = { qa: { ...minimal, logRetentionDays: 10, removalPolicy: 'keep' } };
    expect(() => stageConfig(bad, 'qa')).toThrow(/stage "qa"[\s\S]*removalPolicy[\s\S]*logRetentionDays: one of 1, 3, 5, 7/);
    expect(() => stageConfig({ qa: { ...minimal, surprise: true } }, 'qa')).toThrow(/surprise/);
    expect(() => stageConfig({ qa: { ...minimal, registrarSecretArn: 'arn:aws:secretsmanager:x' } }, 'qa')).toThrow(/registrarSecretArn/);
    expect(() => stageConfig({ qa: { ...minimal, registrarControl: { url: 'http://registrar.example.net/c' } } }, 'qa')).toThrow(
      /registrarControl\.url/,
    );
    const { registrar: _omitted, ...withoutRegistrar } = minimal;
    expect(() => stageConfig({ qa: withoutRegistrar }, 'qa')).toThrow(/registrar: /);
    const registrar = (settings: Record<string, unknown>) => ({ qa: { ...minimal, registrar: { ...minimal.registrar, ...settings } } });
    expect(() => stageConfig(registrar({ expectedDevices: 0 }), 'qa')).toThrow(/registrar\.expectedDevices/);
    expect(() => stageConfig(registrar({ refreshSeconds: 10 }), 'qa')).toThrow(/registrar\.refreshSeconds/);
    expect(() => stageConfig(registrar({ headroom: 0.5 }), 'qa')).toThrow(/registrar\.headroom/);
    expect(() => stageConfig(registrar({ throttle: { rateLimit: 0, burstLimit: 6 } }), 'qa')).toThrow(/registrar\.throttle\.rateLimit/);
    expect(() => stageConfig(registrar({ reservedConcurrency: true }), 'qa')).toThrow(/registrar\.reservedConcurrency/);
    expect(() => stageConfig(registrar({ devices: 5 }), 'qa')).toThrow(/devices/);
    // The old setting says where it went.
    expect(() => stageConfig({ qa: { ...minimal, registrarThrottle: { rateLimit: 3, burstLimit: 6 } } }, 'qa')).toThrow(
      /registrarThrottle: moved: set registrar\.expectedDevices/,
    );
    const { billingMode: _billing, ...withoutBilling } = minimal;
    expect(() => stageConfig({ qa: withoutBilling }, 'qa')).toThrow(/billingMode/);
    expect(() => stageConfig({ qa: { ...minimal, billingMode: 'PAY_PER_REQUEST' } }, 'qa')).toThrow(/billingMode: .*"on-demand"\|"provisioned"/);
    expect(() => stageConfig(cdkJson.context.stages, 'Dev!')).toThrow(/Invalid stage name/);
    expect(() => stageConfig(undefined, 'dev')).toThrow(/"stages" must be an object/);
  });

  it('defaults the names and optional settings', () => {
    const qa = stageConfig({ qa: minimal }, 'qa');
    expect(qa).toMatchObject({
      stage: 'qa',
      stackName: 'SipRegistry-qa',
      tableName: 'sip-registry-qa',
      logLevel: 'INFO',
      corsAllowedOrigins: [],
      alarms: {},
      registrationRetentionDays: 7,
      lambdaConcurrencyLimit: 1000,
    });
    expect(qa.customDomain).toBeUndefined();
    expect(qa.registrarControl).toBeUndefined();
    expect(stageConfig(cdkJson.context.stages, undefined).stage).toBe('dev');
  });

  it('accepts every committed stage', () => {
    for (const name of Object.keys(cdkJson.context.stages)) expect(stageConfig(cdkJson.context.stages, name).stage).toBe(name);
  });

  it(
    'adds a stage with configuration only',
    () => {
      const { stack, template } = synthStage('qa', {
        stages: { ...cdkJson.context.stages, qa: { ...minimal, stackName: 'Registry-QA', tableName: 'registry-qa' } },
      });
      expect(stack.stackName).toBe('Registry-QA');
      template.hasResourceProperties('AWS::DynamoDB::Table', { TableName: 'registry-qa' });
      template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
        DefaultRouteSettings: { ThrottlingRateLimit: 5, ThrottlingBurstLimit: 10 },
      });
    },
    SYNTH_TIMEOUT,
  );
});

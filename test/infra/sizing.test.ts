import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readEventCosts, registrarLoad } from '../../infra/registrarLoad.js';
import { routeSizing, sizingDefaults, tableCapacity } from '../../infra/registrarSizing.js';
import { stageConfig } from '../../infra/stageConfig.js';
import { credentialCacheSecondsOf, KAMAILIO_CREDENTIAL_CACHE_SECONDS, stageSizing } from '../../infra/stageSizing.js';
import { routes } from '../../shared/routes/index.js';
import { isRegistrarAuth } from '../../shared/routes/route.js';
import { tableDefinition } from '../../shared/table/definition.js';
import { estimateCost, readPrices } from '../../scripts/cost/model.js';
import { projectRoot } from '../../infra/routeFunction.js';
import { functionOf } from './inspect.js';
import { cdkJson, resourcesOf, SYNTH_TIMEOUT, synthStage } from './synthStage.js';

const costs = readEventCosts();
type Synth = ReturnType<typeof synthStage>;
const stages: Record<string, Synth> = {};
beforeAll(() => {
  stages.dev = synthStage('dev');
  stages.prod = synthStage('prod');
}, SYNTH_TIMEOUT);

describe('the registrar load model', () => {
  it('turns devices and refresh into requests and DynamoDB units', () => {
    const load = registrarLoad({ devices: 100_000, refreshSeconds: 300 }, costs);
    expect(load.eventsPerSecond.refreshed).toBeCloseTo(333.333, 3);
    // 4 state changes a device a day: half registrations, a quarter each unregistrations and expiries.
    expect(load.eventsPerSecond.registered).toBeCloseTo(200_000 / 86_400, 6);
    expect(load.eventsPerSecond.expired).toBeCloseTo(100_000 / 86_400, 6);
    // One lookup per device per credential TTL (3600 s), plus one per registration.
    expect(load.requestsPerSecond.credentials).toBeCloseTo(100_000 / 3600 + 200_000 / 86_400, 6);
    // Refreshes in full batches of 100; state changes at most one POST per 200 ms sender tick.
    expect(load.webhookPostsPerSecond.refreshes).toBeCloseTo(3.333, 3);
    expect(load.webhookPostsPerSecond.stateChanges).toBeCloseTo((1 - Math.exp(-(400_000 / 86_400) * 0.2)) / 0.2, 6);
    // A refresh is one write unit and nothing else (bench/registrar-event-costs.json).
    expect(costs.events.refreshed).toMatchObject({ read_units: 0, write_units: 1, index_write_units: 0 });
    expect(load.dynamodb.writeUnitsPerSecond).toBeCloseTo(333.333 + 400_000 / 86_400, 2);
  });

  it('counts a lookup per refresh when the refresh interval outlasts the credential cache', () => {
    const load = registrarLoad({ devices: 7200, refreshSeconds: 7200, credentialCacheSeconds: 3600, stateChangesPerDevicePerDay: 0 }, costs);
    expect(load.requestsPerSecond.credentials).toBeCloseTo(1, 9);
  });

  it('sends a small batch every flush interval when fewer than BATCH_MAX refreshes wait', () => {
    const load = registrarLoad({ devices: 3000, refreshSeconds: 300, stateChangesPerDevicePerDay: 0 }, costs);
    expect(load.webhookPostsPerSecond.refreshes).toBeCloseTo(0.5, 9);
  });
});

describe('sizing formula', () => {
  it('rate = max(10, ceil(headroom x steady)), burst = 2 x rate, reserved = max(burst, rate x Lambda timeout)', () => {
    const load = registrarLoad({ devices: 100_000, refreshSeconds: 300 }, costs);
    const sized = routeSizing(load);
    const steady = load.requestsPerSecond;
    expect(sized.credentials.rateLimit).toBe(Math.ceil(3 * steady.credentials));
    expect(sized.credentials).toEqual({ rateLimit: 91, burstLimit: 182, reservedConcurrency: 182 });
    expect(sized.webhook).toEqual({ rateLimit: 20, burstLimit: 40, reservedConcurrency: 40 });
    expect(routeSizing(load, { headroom: 5 }).credentials.rateLimit).toBe(Math.ceil(5 * steady.credentials));
    // A small stage gets the floor.
    expect(routeSizing(registrarLoad({ devices: 10, refreshSeconds: 300 }, costs)).webhook).toEqual({
      rateLimit: sizingDefaults.minRateLimit,
      burstLimit: 2 * sizingDefaults.minRateLimit,
      reservedConcurrency: 2 * sizingDefaults.minRateLimit,
    });
  });

  it('provisions the steady load at the target utilization and caps at headroom plus the customer throttle', () => {
    const load = registrarLoad({ devices: 100_000, refreshSeconds: 300 }, costs);
    const capacity = tableCapacity(load, { customerRequestsPerSecond: 500 });
    const writes = load.dynamodb.writeUnitsPerSecond;
    expect(capacity.table.write).toEqual({ min: Math.ceil(writes / 0.7), max: Math.ceil((3 * writes) / 0.7 + 500) });
    expect(capacity.indexes.GSI3.write.min).toBe(Math.max(5, Math.ceil(load.dynamodb.indexWriteUnitsPerSecond / 0.7)));
    expect(capacity.indexes.GSI1).toEqual({ read: { min: 5, max: 500 }, write: { min: 5, max: 500 } });
  });
});

describe('the stages as synthesized', () => {
  const registrarIds = routes.filter((r) => isRegistrarAuth(r.auth)).map((r) => r.operationId);

  it('reserves concurrency for the registrar functions only', () => {
    const expected: Record<string, Record<string, number>> = {
      dev: { getRegistrarCredentials: 22, postRegistrarWebhook: 20 },
      prod: { getRegistrarCredentials: 182, postRegistrarWebhook: 40 },
    };
    for (const [name, synth] of Object.entries(stages)) {
      for (const id of synth.stack.functions.keys()) {
        const reserved = functionOf(synth.stack, synth.json, id).properties.ReservedConcurrentExecutions;
        expect(reserved, `${name} ${id}`).toBe(registrarIds.includes(id) ? expected[name]![id] : undefined);
      }
    }
  });

  it('autoscales prod table and every index, reads and writes, at 70 % utilization between the computed bounds', () => {
    const { json, stack } = stages.prod!;
    const capacity = stack.sizing.capacity!;
    const targets = resourcesOf(json, 'AWS::ApplicationAutoScaling::ScalableTarget').map(([, t]) => t.Properties);
    expect(targets).toHaveLength(2 * (1 + tableDefinition.globalIndexes.length));
    const bounds = (resourceId: string, dimension: string) => {
      const found = targets.filter((t) => JSON.stringify(t.ResourceId).includes(resourceId) && t.ScalableDimension === dimension);
      expect(found, `${resourceId} ${dimension}`).toHaveLength(1);
      return { min: found[0]!.MinCapacity, max: found[0]!.MaxCapacity };
    };
    expect(bounds('table/', 'dynamodb:table:ReadCapacityUnits')).toEqual(capacity.table.read);
    expect(bounds('table/', 'dynamodb:table:WriteCapacityUnits')).toEqual(capacity.table.write);
    for (const { indexName } of tableDefinition.globalIndexes) {
      expect(bounds(`/index/${indexName}`, 'dynamodb:index:ReadCapacityUnits')).toEqual(capacity.indexes[indexName].read);
      expect(bounds(`/index/${indexName}`, 'dynamodb:index:WriteCapacityUnits')).toEqual(capacity.indexes[indexName].write);
    }
    const policies = resourcesOf(json, 'AWS::ApplicationAutoScaling::ScalingPolicy').map(([, p]) => p.Properties);
    expect(policies).toHaveLength(targets.length);
    for (const policy of policies) {
      expect(policy.PolicyType).toBe('TargetTrackingScaling');
      expect(policy.TargetTrackingScalingPolicyConfiguration.TargetValue).toBe(70);
    }
    // Literals: 100,000 devices at 300 s.
    expect(capacity.table.write).toEqual({ min: 483, max: 1949 });
    expect(resourcesOf(stages.dev!.json, 'AWS::ApplicationAutoScaling::ScalableTarget')).toHaveLength(0);
  });

  it('prices what it deploys: the cost model provisions the template minimums', () => {
    const { json } = stages.prod!;
    const [, table] = resourcesOf(json, 'AWS::DynamoDB::Table')[0]!;
    const throughputs = [table.Properties.ProvisionedThroughput, ...table.Properties.GlobalSecondaryIndexes.map((i: { ProvisionedThroughput: unknown }) => i.ProvisionedThroughput)];
    const sum = (key: string) => throughputs.reduce((s: number, t: Record<string, number>) => s + t[key]!, 0);
    const registrar = cdkJson.context.stages.prod!.registrar as { expectedDevices: number; refreshSeconds: number };
    const estimate = estimateCost({ devices: registrar.expectedDevices, refreshSeconds: registrar.refreshSeconds }, costs, readPrices());
    expect(estimate.load.provisioned_units).toEqual({ read: sum('ReadCapacityUnits'), write: sum('WriteCapacityUnits') });
  });
});

describe('the credential cache the sizing assumes', () => {
  it("is Kamailio's: CRED_CACHE_TTL with a control channel, CRED_CACHE_TTL_NO_CONTROL without", () => {
    const cfg = readFileSync(path.join(projectRoot, 'registrar/kamailio/kamailio.cfg'), 'utf8');
    const define = (name: string) => Number(new RegExp(`#!ifndef ${name}\\s*\\n#!define ${name} (\\d+)`).exec(cfg)?.[1]);
    expect(KAMAILIO_CREDENTIAL_CACHE_SECONDS).toEqual({ withControl: define('CRED_CACHE_TTL'), withoutControl: define('CRED_CACHE_TTL_NO_CONTROL') });
    const stages = cdkJson.context.stages;
    expect(credentialCacheSecondsOf(stageConfig(stages, 'prod'))).toBe(3600);
    expect(credentialCacheSecondsOf(stageConfig(stages, 'dev'))).toBe(60);
    const explicit = { ...stages.dev, registrar: { ...(stages.dev!.registrar as object), credentialCacheSeconds: 600 } };
    expect(credentialCacheSecondsOf(stageConfig({ qa: explicit }, 'qa'))).toBe(600);
  });

  it('sizes a stage without a control channel for a lookup on nearly every REGISTER', () => {
    const prod = cdkJson.context.stages.prod!;
    const { registrarControl: _control, ...withoutControl } = prod;
    const sized = stageSizing(stageConfig({ qa: { ...withoutControl, lambdaConcurrencyLimit: 3000 } }, 'qa'), costs);
    expect(sized.load.requestsPerSecond.credentials).toBeCloseTo(100_000 / 300 + 200_000 / 86_400, 6);
    expect(() => stageSizing(stageConfig({ qa: withoutControl }, 'qa'), costs)).toThrow(/credential cache 60 s/);
  });
});

describe('stage overrides and limits', () => {
  const base = cdkJson.context.stages.prod!;
  const sizingOf = (registrar: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
    stageSizing(stageConfig({ qa: { ...base, ...extra, registrar: { ...(base.registrar as object), ...registrar } } }, 'qa'), costs);

  it('takes an explicit throttle and derives the reservation from it', () => {
    const sized = sizingOf({ throttle: { rateLimit: 50, burstLimit: 70 } });
    expect(sized.routes.credentials).toEqual({ throttle: { rateLimit: 50, burstLimit: 70 }, reservedConcurrency: 100 });
    expect(sizingOf({ reservedConcurrency: 7 }).routes.webhook.reservedConcurrency).toBe(7);
    expect(sizingOf({ reservedConcurrency: false }).routes.webhook.reservedConcurrency).toBeUndefined();
    expect(sizingOf({ headroom: 6 }).routes.credentials.throttle.rateLimit).toBe(181);
  });

  it('refuses reservations the account cannot hold, naming the way out', () => {
    expect(() => sizingOf({ expectedDevices: 1_000_000 })).toThrow(
      /Stage "qa": the registrar functions would reserve \d+ concurrent executions \(1000000 devices, refresh 300 s, credential cache 3600 s\), but a Lambda concurrency limit of 1000 leaves only 900 to reserve\. .*registrar\.reservedConcurrency/,
    );
    expect(sizingOf({ expectedDevices: 1_000_000 }, { lambdaConcurrencyLimit: 5000 }).routes.credentials.reservedConcurrency).toBe(1806);
    expect(sizingOf({ expectedDevices: 1_000_000, reservedConcurrency: false }).routes.credentials.throttle.rateLimit).toBe(903);
  });

  it('stops the synth with that message', () => {
    expect(() =>
      synthStage('qa', { stages: { qa: { ...base, registrar: { expectedDevices: 2_000_000, refreshSeconds: 300 } } } }),
    ).toThrow(/would reserve/);
  }, SYNTH_TIMEOUT);
});

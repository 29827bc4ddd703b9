import { type EventCosts, readEventCosts, registrarLoad, type RegistrarLoad } from './registrarLoad.js';
import { type RegistrarRouteName, reservedConcurrencyFor, routeSizing, tableCapacity, type TableCapacity } from './registrarSizing.js';
import type { StageConfig } from './stageConfig.js';

/**
 * Kamailio's credential cache TTLs (CRED_CACHE_TTL, CRED_CACHE_TTL_NO_CONTROL in
 * registrar/kamailio/kamailio.cfg; test/infra/sizing.test.ts keeps them equal).
 */
export const KAMAILIO_CREDENTIAL_CACHE_SECONDS = { withControl: 3600, withoutControl: 60 } as const;

/** The credential cache the stage's registrar runs with: with a control channel only can it cache for long. */
export const credentialCacheSecondsOf = (stage: StageConfig): number =>
  stage.registrar.credentialCacheSeconds ??
  (stage.registrarControl ? KAMAILIO_CREDENTIAL_CACHE_SECONDS.withControl : KAMAILIO_CREDENTIAL_CACHE_SECONDS.withoutControl);

/** AWS keeps this much of an account's Lambda concurrency unreserved; reservations beyond it fail at deploy. */
export const UNRESERVED_CONCURRENCY_MINIMUM = 100;

export interface RegistrarRouteLimits {
  throttle: { rateLimit: number; burstLimit: number };
  /** undefined: no reservation (registrar.reservedConcurrency false). */
  reservedConcurrency?: number;
}

export interface StageSizing {
  load: RegistrarLoad;
  routes: Record<RegistrarRouteName, RegistrarRouteLimits>;
  /** Provisioned stages only: the table's and every index's autoscaling range. */
  capacity?: TableCapacity;
}

/**
 * A stage's registrar limits: computed from its expected devices and refresh interval, with the
 * stage's explicit overrides applied. Refuses a stage whose reservations the account cannot
 * hold, at synth rather than halfway through a deploy.
 */
export function stageSizing(stage: StageConfig, costs: EventCosts = readEventCosts()): StageSizing {
  const { registrar } = stage;
  const load = registrarLoad(
    { devices: registrar.expectedDevices, refreshSeconds: registrar.refreshSeconds, credentialCacheSeconds: credentialCacheSecondsOf(stage) },
    costs,
  );
  const computed = routeSizing(load, { headroom: registrar.headroom });
  const limits = (name: RegistrarRouteName): RegistrarRouteLimits => {
    const throttle = registrar.throttle ?? { rateLimit: computed[name].rateLimit, burstLimit: computed[name].burstLimit };
    const reservedConcurrency =
      registrar.reservedConcurrency === false ? undefined : (registrar.reservedConcurrency ?? reservedConcurrencyFor(throttle));
    return { throttle, reservedConcurrency };
  };
  const routes = { credentials: limits('credentials'), webhook: limits('webhook') };

  const reserved = Object.values(routes).reduce((sum, r) => sum + (r.reservedConcurrency ?? 0), 0);
  const available = stage.lambdaConcurrencyLimit - UNRESERVED_CONCURRENCY_MINIMUM;
  if (reserved > available) {
    throw new Error(
      `Stage "${stage.stage}": the registrar functions would reserve ${reserved} concurrent executions ` +
        `(${registrar.expectedDevices} devices, refresh ${registrar.refreshSeconds} s, credential cache ${credentialCacheSecondsOf(stage)} s), but a Lambda concurrency limit of ` +
        `${stage.lambdaConcurrencyLimit} leaves only ${available} to reserve. Raise the account's quota and set ` +
        'lambdaConcurrencyLimit, or set registrar.reservedConcurrency (or registrar.throttle) in cdk.json.',
    );
  }
  return {
    load,
    routes,
    capacity:
      stage.billingMode === 'provisioned'
        ? tableCapacity(load, { headroom: registrar.headroom, customerRequestsPerSecond: stage.throttle.rateLimit })
        : undefined,
  };
}

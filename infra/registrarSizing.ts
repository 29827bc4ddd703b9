import { tableDefinition, type IndexName } from '../shared/table/definition.js';
import type { RegistrarLoad } from './registrarLoad.js';
import { REGISTRAR_LAMBDA_TIMEOUT_SECONDS } from './registrarTimeouts.js';

/**
 * Limits of the registrar path derived from its expected load (infra/registrarLoad.ts). One
 * principle: the API Gateway throttle decides what gets in (headroom x the steady rate), and
 * everything behind it is sized for what the throttle admits. Pure arithmetic: the CDK app
 * applies it, `npm run cost` prices it, docs/deploy.md explains it.
 */
export const sizingDefaults = {
  /**
   * Rate limit = headroom x the steady request rate. x3 absorbs a reconnect storm (a registrar
   * restart re-registers every device within one refresh interval, caches cold) at a bounded
   * pace: beyond it API Gateway answers 429, the device retries, the table is not overrun.
   */
  headroom: 3,
  /** Requests/s per registrar route at least, whatever the device count (tests, small stages). */
  minRateLimit: 10,
  /** Burst (token bucket size) = this many seconds of the rate limit. */
  burstSeconds: 2,
  /** Autoscaling target: provisioned capacity = consumed / this. AWS's default target. */
  targetUtilization: 0.7,
  /** Smallest provisioned capacity of the table and of each index, reads and writes alike. */
  minCapacityUnits: 5,
} as const;

export type RegistrarRouteName = keyof RegistrarLoad['requestsPerSecond'];

export interface RouteSizing {
  rateLimit: number;
  burstLimit: number;
  /**
   * Lambda reserved concurrency: every request the throttle admits (the burst at once, then
   * the rate) can run for the whole Lambda timeout without the function being throttled.
   */
  reservedConcurrency: number;
}

export interface SizingOptions {
  headroom?: number;
  lambdaTimeoutSeconds?: number;
}

/** Concurrency that never throttles what API Gateway admits: the burst at once, or the rate for a whole timeout. */
export const reservedConcurrencyFor = (throttle: { rateLimit: number; burstLimit: number }, lambdaTimeoutSeconds = REGISTRAR_LAMBDA_TIMEOUT_SECONDS) =>
  Math.max(throttle.burstLimit, Math.ceil(throttle.rateLimit * lambdaTimeoutSeconds));

export function routeSizing(load: RegistrarLoad, options: SizingOptions = {}): Record<RegistrarRouteName, RouteSizing> {
  const headroom = options.headroom ?? sizingDefaults.headroom;
  const size = (steady: number): RouteSizing => {
    const rateLimit = Math.max(sizingDefaults.minRateLimit, Math.ceil(headroom * steady));
    const burstLimit = Math.ceil(rateLimit * sizingDefaults.burstSeconds);
    return { rateLimit, burstLimit, reservedConcurrency: reservedConcurrencyFor({ rateLimit, burstLimit }, options.lambdaTimeoutSeconds) };
  };
  return { credentials: size(load.requestsPerSecond.credentials), webhook: size(load.requestsPerSecond.webhook) };
}

export interface CapacityRange {
  /** Autoscaling floor: the steady load at the target utilization (never scaled below what refreshes need). */
  min: number;
  /** Autoscaling ceiling: headroom x the steady load, plus what the customer throttle admits. */
  max: number;
}
export interface ReadWriteCapacity {
  read: CapacityRange;
  write: CapacityRange;
}
export interface TableCapacity {
  table: ReadWriteCapacity;
  indexes: Record<IndexName, ReadWriteCapacity>;
}

/**
 * The index the registrar path writes: a new binding adds one GSI3 entry (keys only); refreshes,
 * unregistrations and expiries change no projected attribute (bench/registrar-event-costs.json).
 */
export const bindingsIndex: IndexName = 'GSI3';

export interface CapacityOptions {
  headroom?: number;
  targetUtilization?: number;
  /**
   * Customer API requests/s the stage throttle admits; each is counted as one unit on the table
   * and every index (most customer routes read or write one item; listings read more, rarely).
   */
  customerRequestsPerSecond?: number;
}

/** Provisioned capacity (with target-tracking autoscaling) for the table and every index. */
export function tableCapacity(load: RegistrarLoad, options: CapacityOptions = {}): TableCapacity {
  const headroom = options.headroom ?? sizingDefaults.headroom;
  const target = options.targetUtilization ?? sizingDefaults.targetUtilization;
  const customers = options.customerRequestsPerSecond ?? 0;
  const range = (steadyUnits: number): CapacityRange => {
    const min = Math.max(sizingDefaults.minCapacityUnits, Math.ceil(steadyUnits / target));
    return { min, max: Math.max(min, Math.ceil((headroom * steadyUnits) / target + customers)) };
  };
  const { readUnitsPerSecond, writeUnitsPerSecond, indexWriteUnitsPerSecond } = load.dynamodb;
  const indexes = Object.fromEntries(
    tableDefinition.globalIndexes.map(({ indexName }) => [
      indexName,
      // The registrar path reads no index; only the bindings index takes its writes.
      { read: range(0), write: range(indexName === bindingsIndex ? indexWriteUnitsPerSecond : 0) },
    ]),
  ) as Record<IndexName, ReadWriteCapacity>;
  return { table: { read: range(readUnitsPerSecond), write: range(writeUnitsPerSecond) }, indexes };
}

/** Sum of the floors (what autoscaling settles at under the steady load), for the cost model. */
export function provisionedUnits(capacity: TableCapacity): { read: number; write: number } {
  const all = [capacity.table, ...Object.values(capacity.indexes)];
  return { read: all.reduce((s, c) => s + c.read.min, 0), write: all.reduce((s, c) => s + c.write.min, 0) };
}

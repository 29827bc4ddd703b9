import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as z from 'zod';

/**
 * The registrar path's load, from the device population alone: how many requests per second
 * reach each registrar route and how many DynamoDB capacity units they use. Pure arithmetic,
 * shared by the cost model (`npm run cost`) and the CDK app (throttles, reserved concurrency,
 * provisioned capacity), so the bill and the deployed limits come from the same numbers.
 */

const unitCosts = z.object({
  read_units: z.number().min(0),
  write_units: z.number().min(0),
  index_write_units: z.number().min(0),
});
export type UnitCosts = z.output<typeof unitCosts>;

/** bench/registrar-event-costs.json: kept equal to what the code does by test/registrarPathCosts.test.ts. */
export const eventCostsSchema = z.object({
  events: z.object({ registered: unitCosts, refreshed: unitCosts, unregistered: unitCosts, expired: unitCosts }),
  credential_lookup: unitCosts,
});
export type EventCosts = z.output<typeof eventCostsSchema>;
export type RegistrarEvent = keyof EventCosts['events'];

export const eventCostsFile = fileURLToPath(new URL('../bench/registrar-event-costs.json', import.meta.url));

export function readEventCosts(file = eventCostsFile): EventCosts {
  const parsed = eventCostsSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success) throw new Error(`${file}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

/** The registrar's BATCH_MAX (registrar/kamailio/kamailio.cfg): events per signed webhook POST at most. */
export const REGISTRAR_BATCH_MAX = 100;

export const registrarLoadInputs = z.object({
  /** Registered devices (SIP bindings) at a time. */
  devices: z.number().int().min(0),
  /** Seconds between a device's REGISTER refreshes (its binding's expiry). */
  refreshSeconds: z.number().int().min(30).max(86_400),
  /**
   * Events per webhook POST at most (BATCH_MAX). Refreshes are sent when BATCH_MAX of them wait
   * or every refreshFlushSeconds, so at scale they arrive in full batches.
   */
  eventsPerBatch: z.number().int().min(1).max(REGISTRAR_BATCH_MAX).default(REGISTRAR_BATCH_MAX),
  /** REFRESH_FLUSH_INTERVAL: a registrar node sends waiting refreshes at least this often. */
  refreshFlushSeconds: z.number().positive().default(2),
  /**
   * The registrar's sender runs every 200 ms (its rtimer) and sends every queued state change
   * (registration, unregistration, expiry) at once: state changes go in small batches.
   */
  senderTickSeconds: z.number().positive().default(0.2),
  /** Kamailio nodes, each batching its own devices' events. */
  registrarNodes: z.number().int().min(1).default(1),
  /**
   * How long the registrar caches a device's credentials (HA1). A device costs at most one
   * credential lookup per max(TTL, refresh interval), plus one per new registration.
   */
  credentialCacheSeconds: z.number().int().min(0).default(3600),
  /**
   * New registrations plus ended ones (unregistered or expired) per device per day: reboots,
   * network changes, phones switched off at night. Half are registrations, a quarter each
   * unregistrations and expiries.
   */
  stateChangesPerDevicePerDay: z.number().min(0).default(4),
});
export type RegistrarLoadInputs = z.input<typeof registrarLoadInputs>;
export type RegistrarLoadSettings = z.output<typeof registrarLoadInputs>;

export interface RegistrarLoad {
  inputs: RegistrarLoadSettings;
  eventsPerSecond: Record<RegistrarEvent, number>;
  /** Webhook POSTs per second, by what they carry (their duration differs). */
  webhookPostsPerSecond: { refreshes: number; stateChanges: number };
  /** Requests per second per registrar route (keys of shared/routes/registrar.ts's registrarRoutes). */
  requestsPerSecond: { credentials: number; webhook: number };
  /** DynamoDB capacity units per second, base table and global secondary indexes. */
  dynamodb: { readUnitsPerSecond: number; writeUnitsPerSecond: number; indexWriteUnitsPerSecond: number };
}

const secondsPerDay = 86_400;

export function registrarLoad(input: RegistrarLoadInputs, costs: EventCosts): RegistrarLoad {
  const inputs = registrarLoadInputs.parse(input);
  const { devices, refreshSeconds } = inputs;
  const stateChanges = (devices * inputs.stateChangesPerDevicePerDay) / secondsPerDay;
  const eventsPerSecond: Record<RegistrarEvent, number> = {
    refreshed: devices / refreshSeconds,
    registered: stateChanges / 2,
    unregistered: stateChanges / 4,
    expired: stateChanges / 4,
  };
  const nodes = inputs.registrarNodes;
  const refreshesPerNode = eventsPerSecond.refreshed / nodes;
  const changesPerNode = stateChanges / nodes;
  const webhookPostsPerSecond = {
    // Full batches, or a smaller one every flush interval when fewer wait.
    refreshes: nodes * Math.max(refreshesPerNode / inputs.eventsPerBatch, Math.min(refreshesPerNode, 1 / inputs.refreshFlushSeconds)),
    // Poisson arrivals: a sender tick posts when at least one change arrived since the last.
    stateChanges:
      nodes *
      Math.max(changesPerNode / inputs.eventsPerBatch, (1 - Math.exp(-changesPerNode * inputs.senderTickSeconds)) / inputs.senderTickSeconds),
  };
  // A cached HA1 serves every REGISTER until it expires; the first REGISTER after that looks
  // it up again. A refresh interval longer than the TTL finds it expired every time.
  const lookups = devices / Math.max(inputs.credentialCacheSeconds, refreshSeconds) + eventsPerSecond.registered;

  const events = Object.entries(eventsPerSecond) as [RegistrarEvent, number][];
  const sum = (unit: keyof UnitCosts) =>
    events.reduce((total, [event, rate]) => total + rate * costs.events[event][unit], 0) + lookups * costs.credential_lookup[unit];
  return {
    inputs,
    eventsPerSecond,
    webhookPostsPerSecond,
    requestsPerSecond: { credentials: lookups, webhook: webhookPostsPerSecond.refreshes + webhookPostsPerSecond.stateChanges },
    dynamodb: {
      readUnitsPerSecond: sum('read_units'),
      writeUnitsPerSecond: sum('write_units'),
      indexWriteUnitsPerSecond: sum('index_write_units'),
    },
  };
}

import { parseArgs } from 'node:util';

export interface StormArgs {
  /**
   * warm: an established population (--devices, registered beforehand at --warmup-rate,
   * not measured) refreshes while a share (--new-share) of the transactions are first
   * registrations of further devices. burst: every device registers anew at the start
   * (a registrar restart), then refreshes.
   */
  scenario: 'warm' | 'burst';
  /** warm: first registrations per second of the (unmeasured) warm-up. */
  warmupRate: number;
  /** warm: share of the measured transactions that are first registrations of new devices. */
  newShare: number;
  /** DynamoDB Local of the API: in memory (nothing kept) or its SQLite file store. */
  dynamodb: 'memory' | 'disk';
  /** REGISTER transactions per second offered (first registrations + refreshes). */
  rate: number;
  /** Seconds of storm. */
  duration: number;
  /** Devices (extensions) the transactions are spread over. */
  devices: number;
  /** One JSON object on stdout instead of the text report. */
  json: boolean;
  /** Seconds to wait after the storm for every device to show in the API (queued webhooks). */
  settle: number;
  /** Registration Expires the devices ask for. */
  expires: number;
  /** Extra Kamailio defines (-A NAME=VALUE), e.g. SIP_WORKERS=8. */
  defines: Record<string, string>;
  /** Keep the work directory (logs, SIPp files, DynamoDB data) instead of deleting it. */
  keep: boolean;
}

export const USAGE = `npm run bench:registrar -- [--scenario warm|burst] [--rate 300] [--duration 60] [--devices 2000]
                             [--new-share 0.1] [--warmup-rate 100] [--dynamodb memory|disk] [--json]
                             [--settle 15] [--expires 3600] [--define NAME=VALUE]... [--keep]

Starts DynamoDB Local + the API (tsx local/start.ts) + the project's Kamailio on free ports,
creates the devices' extensions, drives digest-authenticated REGISTERs over UDP with SIPp
(registrar/sipp/storm.xml) and checks every device shows as registered in the API.
  warm (default): the --devices register first at --warmup-rate/s (not measured); then, at
        --rate/s for --duration s, they refresh and --new-share of the transactions are
        first registrations of devices that never registered before.
  burst: every device's first registration comes first (--devices at --rate/s), then
        refreshes: a registrar restart.
Exit 0: target met; 1: missed; 2: setup failed.`;

export function parseStormArgs(argv: string[]): StormArgs {
  const { values } = parseArgs({
    args: argv,
    options: {
      scenario: { type: 'string', default: 'warm' },
      'warmup-rate': { type: 'string', default: '100' },
      'new-share': { type: 'string', default: '0.1' },
      dynamodb: { type: 'string', default: 'memory' },
      rate: { type: 'string', default: '300' },
      duration: { type: 'string', default: '60' },
      devices: { type: 'string', default: '2000' },
      json: { type: 'boolean', default: false },
      settle: { type: 'string', default: '15' },
      expires: { type: 'string', default: '3600' },
      define: { type: 'string', multiple: true, default: [] },
      keep: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) throw new UsageError(USAGE);
  const positive = (name: string, raw: string, integer: boolean) => {
    const value = Number(raw);
    if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
      throw new UsageError(`--${name} must be a positive ${integer ? 'integer' : 'number'}, got "${raw}"\n\n${USAGE}`);
    }
    return value;
  };
  const defines: Record<string, string> = {};
  for (const entry of values.define) {
    const match = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(entry);
    if (!match) throw new UsageError(`--define wants NAME=VALUE, got "${entry}"`);
    defines[match[1]!] = match[2]!;
  }
  const expires = positive('expires', values.expires, true);
  const oneOf = <T extends string>(name: string, raw: string, allowed: readonly T[]): T => {
    if (!(allowed as readonly string[]).includes(raw)) throw new UsageError(`--${name} must be one of ${allowed.join(', ')}, got "${raw}"\n\n${USAGE}`);
    return raw as T;
  };
  const newShare = Number(values['new-share']);
  if (!Number.isFinite(newShare) || newShare < 0 || newShare > 1) {
    throw new UsageError(`--new-share must be a number from 0 to 1, got "${values['new-share']}"\n\n${USAGE}`);
  }
  return {
    scenario: oneOf('scenario', values.scenario, ['warm', 'burst'] as const),
    warmupRate: positive('warmup-rate', values['warmup-rate'], false),
    newShare,
    dynamodb: oneOf('dynamodb', values.dynamodb, ['memory', 'disk'] as const),
    rate: positive('rate', values.rate, false),
    duration: positive('duration', values.duration, false),
    devices: positive('devices', values.devices, true),
    json: values.json,
    settle: positive('settle', values.settle, false),
    expires,
    defines,
    keep: values.keep,
  };
}

export class UsageError extends Error {}

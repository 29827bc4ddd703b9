import { parseArgs } from 'node:util';

export interface StormArgs {
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

export const USAGE = `npm run bench:registrar -- [--rate 300] [--duration 60] [--devices 2000] [--json]
                             [--settle 15] [--expires 3600] [--define NAME=VALUE]... [--keep]

Starts DynamoDB Local + the API (tsx local/start.ts) + the project's Kamailio on free ports,
creates the devices' extensions, drives digest-authenticated REGISTERs over UDP with SIPp
(registrar/sipp/storm.xml) and checks every device shows as registered in the API.
Exit 0: target met; 1: missed; 2: setup failed.`;

export function parseStormArgs(argv: string[]): StormArgs {
  const { values } = parseArgs({
    args: argv,
    options: {
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
  return {
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

import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { SetupError } from './errors.js';

/** The storm scenario: one SIPp call per device, registering then refreshing on a schedule. */
export const SIPP_STORM_XML = resolve(import.meta.dirname, '..', '..', 'registrar', 'sipp', 'storm.xml');

export interface Device {
  user: string;
  password: string;
}

/** What one SIPp call (one device) does: a line of the injection file. */
export interface DeviceRun {
  device: Device;
  /** REGISTER transactions this device makes (0: none; the call ends at once). */
  transactions: number;
  /** Milliseconds between two of them. */
  periodMs: number;
  /** Unix epoch ms of its first transaction; 0: when SIPp starts the call (-r paces the calls). */
  startAtMs: number;
  /** Its first transaction is a first registration (no binding yet); otherwise every one refreshes. */
  fresh: boolean;
}

export interface Plan {
  scenario: 'burst' | 'warm' | 'warmup';
  /** Devices that take part (make at least one transaction). */
  devices: number;
  /** REGISTER transactions on the schedule: rate x duration, rounded. */
  transactions: number;
  /** First registrations (a device's first REGISTER: no binding, a credential cache miss) and refreshes. */
  firstRegistrations: number;
  refreshes: number;
  /** Milliseconds between two transactions of one refreshing device. */
  periodMs: number;
  /** One entry per SIPp call, in injection-file order. */
  runs: DeviceRun[];
  /** SIPp's -r: calls started per second. */
  callRate: number;
  /**
   * Unix epoch ms the schedule starts at (warm: the devices wait for their start time);
   * undefined: when SIPp starts (burst, warm-up).
   */
  startAtMs?: number;
}

/**
 * burst (a registrar restart: every device registers anew, then refreshes): spreads
 * rate x duration transactions over the devices: device i (0-based) makes its first
 * REGISTER at i / rate (SIPp's -r paces them) and one every devices / rate seconds after
 * that, so the whole run offers `rate` transactions per second, each device's first one a
 * registration and the later ones refreshes. With the defaults: 2,000 first registrations
 * in the first 6.7 s, then 16,000 refreshes.
 */
export function burstPlan(rate: number, durationSeconds: number, devices: Device[]): Plan {
  const transactions = Math.max(1, Math.round(rate * durationSeconds));
  const used = Math.min(devices.length, transactions);
  const periodMs = Math.round((used / rate) * 1000);
  const runs = devices.slice(0, used).map((device, i) => ({
    device,
    transactions: Math.ceil((transactions - i) / used),
    periodMs,
    startAtMs: 0,
    fresh: true,
  }));
  return { scenario: 'burst', devices: used, transactions, firstRegistrations: used, refreshes: transactions - used, periodMs, runs, callRate: rate };
}

/** warm, phase 1 (not measured): every device registers once, `rate` per second. */
export function warmupPlan(rate: number, devices: Device[]): Plan {
  const runs = devices.map((device) => ({ device, transactions: 1, periodMs: 1000, startAtMs: 0, fresh: true }));
  return {
    scenario: 'warmup',
    devices: devices.length,
    transactions: devices.length,
    firstRegistrations: devices.length,
    refreshes: 0,
    periodMs: 0,
    runs,
    callRate: rate,
  };
}

/**
 * warm, phase 2 (measured): a registrar serving an established population. Of the rate x
 * duration transactions, round(share x total) are first registrations of `newcomers`
 * (devices that never registered: one transaction each, evenly spaced over the window),
 * the rest refreshes of the `registered` devices (same Contact), also evenly spaced:
 * device i refreshes first at i / refresh rate, then every registered / refresh rate s.
 * Every device has an absolute start time (from `startAtMs`): SIPp creates the calls
 * ahead of it (`callRate`), the registered devices first and in warm-up order (so that
 * they keep their Call-IDs), the newcomers after them.
 */
export function warmPlan(rate: number, durationSeconds: number, share: number, registered: Device[], newcomers: Device[], startAtMs: number): Plan {
  const transactions = Math.max(1, Math.round(rate * durationSeconds));
  const firstRegistrations = Math.min(newcomers.length, Math.round(transactions * share));
  const refreshes = transactions - firstRegistrations;
  const used = Math.min(registered.length, refreshes);
  const refreshRate = refreshes / durationSeconds;
  const periodMs = used > 0 ? Math.round((used / refreshRate) * 1000) : 0;
  const runs: DeviceRun[] = registered.map((device, i) => ({
    device,
    transactions: i < used ? Math.ceil((refreshes - i) / used) : 0,
    periodMs,
    startAtMs: i < used ? Math.round(startAtMs + (i / refreshRate) * 1000) : 0,
    fresh: false,
  }));
  const spacingMs = (durationSeconds * 1000) / Math.max(1, firstRegistrations);
  for (let j = 0; j < firstRegistrations; j++) {
    runs.push({ device: newcomers[j]!, transactions: 1, periodMs, startAtMs: Math.round(startAtMs + (j + 0.5) * spacingMs), fresh: true });
  }
  return {
    scenario: 'warm',
    devices: used + firstRegistrations,
    transactions,
    firstRegistrations,
    refreshes,
    periodMs,
    runs,
    callRate: WARM_CALL_RATE,
    startAtMs,
  };
}

/** Calls per second SIPp creates in the warm scenario (each then waits for its start time). */
export const WARM_CALL_RATE = 1000;

/**
 * The -inf file: SEQUENTIAL, one line per device: user;password;transactions;period ms;
 * deadline (Unix epoch ms after which the device starts no new transaction);first
 * transaction at (Unix epoch ms, 0: at once);fresh (1: first registration, 0: refresh).
 */
export function writeInjectionFile(file: string, schedule: Plan, deadlineEpochMs: number) {
  const lines = ['SEQUENTIAL'];
  for (const run of schedule.runs) {
    const { device } = run;
    if (/[;\s"]/.test(device.user) || /[;\s"]/.test(device.password)) {
      throw new SetupError('injection', `device ${device.user}: user and password must not contain ';', '"' or spaces`);
    }
    lines.push(
      [device.user, device.password, run.transactions, run.periodMs, Math.round(deadlineEpochMs), run.startAtMs, run.fresh ? 1 : 0].join(';'),
    );
  }
  writeFileSync(file, `${lines.join('\n')}\n`);
}

export interface SippRun {
  sipp: string;
  workDir: string;
  injectionFile: string;
  target: string;
  localPort: number;
  realm: string;
  /** SIPp's -r: calls (devices) started per second. */
  callRate: number;
  /** SIPp calls: one per device (-m, -l). */
  calls: number;
  expires: number;
  /** -cid_str: the Call-ID of call %u (SIPp's call number) in process %p. */
  cidStr: string;
  /** -base_cseq: the first CSeq of every call. */
  baseCseq: number;
  /**
   * Seconds after which SIPp is killed if it is still running (the scenario's own
   * deadline plus the longest a transaction can take should end it first).
   */
  killAfterSeconds: number;
}

/** One successful transaction: completed at (ms since SIPp's start), response time (ms), kind. */
export interface Sample {
  at: number;
  rtt: number;
  kind: 'first' | 'refresh';
}

export interface SippResult {
  exitCode: number | null;
  /** True when SIPp had to be killed (its last statistics row may then be up to 1 s old). */
  killed: boolean;
  /** Counters from the -trace_stat file (cumulative, last row). */
  sent: number;
  ok: number;
  rejected: number;
  timedout: number;
  retransmissions: number;
  failedCalls: number;
  watchdogMajor: number;
  watchdogMinor: number;
  /** Seconds from SIPp's start to the moment the last transaction was sent (interpolated). */
  sendingSeconds: number;
  /** Unix epoch ms SIPp started at (its statistics' StartTime). */
  startedAtMs: number;
  /**
   * Per successful transaction: completion time (ms since SIPp's start), response time
   * (ms) and kind (the rtd's name: a first registration or a refresh).
   */
  samples: Sample[];
  /** Answers SIPp ignored: late or duplicate (answers to retransmissions), or after the device finished. */
  lateAnswers: number;
  /** The tail of SIPp's screen output and error log, for diagnostics. */
  output: string;
  errors: string;
}

/** Runs the storm scenario and reads its statistics (-trace_stat) and per-transaction times (-trace_rtt). */
export async function runSipp(run: SippRun): Promise<SippResult> {
  const statFile = join(run.workDir, 'sipp-stat.csv');
  const errorFile = join(run.workDir, 'sipp-errors.log');
  const args = [
    run.target,
    '-sf',
    SIPP_STORM_XML,
    '-inf',
    run.injectionFile,
    '-m',
    String(run.calls),
    '-l',
    String(run.calls),
    '-r',
    String(run.callRate),
    '-rp',
    '1000',
    '-i',
    '127.0.0.1',
    '-p',
    String(run.localPort),
    '-nd',
    '-base_cseq',
    String(run.baseCseq),
    '-cid_str',
    run.cidStr,
    '-key',
    'realm',
    run.realm,
    '-key',
    'expires',
    String(run.expires),
    '-key',
    'ua',
    'SIPp storm',
    // RFC 3261 Timer F is 32 s (the scenario's recv timeout); keep retransmitting until then.
    '-max_non_invite_retrans',
    '9',
    '-trace_stat',
    '-stf',
    statFile,
    '-fd',
    '1',
    '-trace_rtt',
    '-rtt_freq',
    '1',
    '-trace_err',
    '-error_file',
    errorFile,
    // A starved load generator should finish and say so (watchdog counts), not abort.
    '-watchdog_major_maxtriggers',
    '100000',
    '-watchdog_minor_maxtriggers',
    '100000',
    '-nostdin',
  ];
  let output = '';
  let killed = false;
  const exitCode = await new Promise<number | null>((resolveExit, reject) => {
    const child = spawn(run.sipp, args, { cwd: run.workDir, stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.length > 200_000) output = output.slice(-100_000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.once('error', reject);
    child.once('exit', (code, signal) => resolveExit(code ?? (signal ? 128 : null)));
    const onParentExit = () => child.kill('SIGKILL');
    process.once('exit', onParentExit);
    // Safety net: the devices stop at the injection file's deadline and SIPp then ends by
    // itself. (SIPp's -timeout and SIGUSR1 only stop new calls: every device is one call.)
    const timers: NodeJS.Timeout[] = [];
    timers.push(
      setTimeout(() => {
        killed = true;
        child.kill('SIGKILL');
      }, run.killAfterSeconds * 1000),
    );
    child.once('exit', () => {
      for (const timer of timers) clearTimeout(timer);
      process.removeListener('exit', onParentExit);
    });
  });
  const errors = readOptional(errorFile);

  let statText: string;
  try {
    statText = readFileSync(statFile, 'utf8');
  } catch {
    throw new SetupError('sipp', `SIPp (exit ${exitCode}) wrote no statistics file:\n${tail(output, 3000)}\n${tail(errors, 2000)}`);
  }
  const rows = parseStat(statText);
  const last = rows.at(-1);
  if (!last) throw new SetupError('sipp', `SIPp (exit ${exitCode}) wrote an empty statistics file:\n${tail(output, 3000)}`);
  const num = (row: Record<string, string>, name: string) => Number(row[name] ?? 0) || 0;
  const sent = num(last, 'sent(C)');

  // When did the last transaction go out? Between the first 1-second row that shows
  // them all sent and the row before it, linearly.
  let sendingSeconds = elapsed(last);
  for (let i = 0; i < rows.length; i++) {
    if (num(rows[i]!, 'sent(C)') >= sent) {
      const after = rows[i]!;
      const before = rows[i - 1];
      if (!before) sendingSeconds = elapsed(after);
      else {
        const s0 = num(before, 'sent(C)');
        const s1 = num(after, 'sent(C)');
        const t0 = elapsed(before);
        const t1 = elapsed(after);
        sendingSeconds = s1 > s0 ? t0 + ((sent - s0) / (s1 - s0)) * (t1 - t0) : t1;
      }
      break;
    }
  }

  const rttFile = readdirSync(run.workDir).find((name) => name.endsWith('_rtt.csv'));
  const samples: Sample[] = [];
  if (rttFile) {
    for (const line of readFileSync(join(run.workDir, rttFile), 'utf8').split('\n').slice(1)) {
      const [at, rtt, name] = line.split(';');
      const kind = name?.trim();
      if (kind === 'first' || kind === 'refresh') samples.push({ at: Number(at), rtt: Number(rtt), kind });
    }
  }

  return {
    exitCode,
    killed,
    sent,
    // The rtt file is written at every 200; the statistics row once a second.
    ok: Math.max(num(last, 'ok(C)'), samples.length),
    rejected: num(last, 'rejected(C)'),
    timedout: num(last, 'timedout(C)'),
    retransmissions: num(last, 'Retransmissions(C)'),
    failedCalls: num(last, 'FailedCall(C)'),
    watchdogMajor: num(last, 'WatchdogMajor(C)'),
    watchdogMinor: num(last, 'WatchdogMinor(C)'),
    sendingSeconds,
    startedAtMs: epoch(last.StartTime) * 1000,
    samples,
    lateAnswers: (errors.match(/Continuing call on unexpected message|Dead call /g) ?? []).length,
    output: tail(output, 4000),
    errors: tail(errors, 4000),
  };
}

/** Rows of SIPp's statistics CSV (';'-separated, header first) as name -> value. */
export function parseStat(text: string): Record<string, string>[] {
  const lines = text.split('\n').filter((line) => line.trim());
  const header = lines[0]?.split(';') ?? [];
  return lines.slice(1).map((line) => {
    const values = line.split(';');
    return Object.fromEntries(header.map((name, i) => [name, values[i] ?? '']));
  });
}

/** Seconds between a row's StartTime and CurrentTime ("date\ttime\tepoch" each). */
function elapsed(row: Record<string, string>): number {
  return epoch(row.CurrentTime) - epoch(row.StartTime);
}

const epoch = (value: string | undefined) => Number(value?.split('\t').at(-1) ?? NaN);

function readOptional(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

const tail = (text: string, n: number) => (text.length > n ? `...${text.slice(-n)}` : text);

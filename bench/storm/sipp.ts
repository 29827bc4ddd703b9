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

export interface Plan {
  /** Devices that take part (the first min(devices, rate x duration)). */
  devices: number;
  /** REGISTER transactions on the schedule: rate x duration, rounded. */
  transactions: number;
  /** First registrations (one per device) and refreshes (the rest). */
  firstRegistrations: number;
  refreshes: number;
  /** Milliseconds between two transactions of one device (devices / rate). */
  periodMs: number;
}

/**
 * Spreads rate x duration transactions over the devices: device i (0-based) makes its
 * first REGISTER at i / rate (SIPp's -r paces them) and one every devices / rate seconds
 * after that, so the whole run offers `rate` transactions per second, each device's
 * first one a registration and the later ones refreshes.
 */
export function plan(rate: number, durationSeconds: number, devices: number): Plan & { perDevice: number[] } {
  const transactions = Math.max(1, Math.round(rate * durationSeconds));
  const used = Math.min(devices, transactions);
  const perDevice = Array.from({ length: used }, (_, i) => Math.ceil((transactions - i) / used));
  return {
    devices: used,
    transactions,
    firstRegistrations: used,
    refreshes: transactions - used,
    periodMs: Math.round((used / rate) * 1000),
    perDevice,
  };
}

/**
 * The -inf file: SEQUENTIAL, one line per device: user;password;transactions;period ms;
 * deadline (Unix epoch ms after which the device starts no new transaction).
 */
export function writeInjectionFile(file: string, devices: Device[], schedule: ReturnType<typeof plan>, deadlineEpochMs: number) {
  const lines = ['SEQUENTIAL'];
  for (let i = 0; i < schedule.devices; i++) {
    const device = devices[i]!;
    if (/[;\s"]/.test(device.user) || /[;\s"]/.test(device.password)) {
      throw new SetupError('injection', `device ${device.user}: user and password must not contain ';', '"' or spaces`);
    }
    lines.push(`${device.user};${device.password};${schedule.perDevice[i]};${schedule.periodMs};${Math.round(deadlineEpochMs)}`);
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
  rate: number;
  devices: number;
  expires: number;
  /**
   * Seconds after which SIPp is killed if it is still running (the scenario's own
   * deadline plus the longest a transaction can take should end it first).
   */
  killAfterSeconds: number;
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
  /** Per successful transaction: completion time (ms since SIPp's start) and response time (ms). */
  samples: { at: number; rtt: number }[];
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
    String(run.devices),
    '-l',
    String(run.devices),
    '-r',
    String(run.rate),
    '-rp',
    '1000',
    '-i',
    '127.0.0.1',
    '-p',
    String(run.localPort),
    '-nd',
    '-base_cseq',
    '1',
    '-cid_str',
    'storm-%u-%p@%s',
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
  const samples: { at: number; rtt: number }[] = [];
  if (rttFile) {
    for (const line of readFileSync(join(run.workDir, rttFile), 'utf8').split('\n').slice(1)) {
      const [at, rtt, name] = line.split(';');
      if (name?.trim() === 'register') samples.push({ at: Number(at), rtt: Number(rtt) });
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
  const epoch = (value: string | undefined) => Number(value?.split('\t').at(-1) ?? NaN);
  return epoch(row.CurrentTime) - epoch(row.StartTime);
}

function readOptional(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

const tail = (text: string, n: number) => (text.length > n ? `...${text.slice(-n)}` : text);

/**
 * npm run bench:registrar: the registrar path at scale (issue 10), measured for real.
 *
 * 1. DynamoDB Local + the API as an operator runs them (tsx local/start.ts, its own
 *    process, a temporary LOCAL_DATA_DIR, free ports), and the project's Kamailio
 *    (registrar/kamailio/kamailio.cfg as it is in the tree, via startKamailio) on a free
 *    UDP port, pointed at that API.
 * 2. N extensions through the API (not measured).
 * 3. The storm: SIPp (registrar/sipp/storm.xml) drives digest-authenticated REGISTERs
 *    over UDP at --rate per second for --duration seconds: every device's first
 *    REGISTER is a first registration, its later ones refreshes (same Call-ID, higher
 *    CSeq, same Contact).
 * 4. Every device must then show as registered through the API within --settle seconds.
 *
 * Target (the issue's): completed >= 99% of offered, 0 lost, p99 < 500 ms, every device
 * visible. Exit 0 met, 1 missed, 2 setup failed. Figures are absolute (REGISTER/s, ms):
 * the load average is printed so that machine noise is visible next to them.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INSTALL_COMMAND, registrarTools, startKamailio, type RunningKamailio } from '../registrar/kamailio.js';
import { ApiClient, mapLimit, startApi, type RunningApi } from './storm/api.js';
import { parseStormArgs, UsageError, type StormArgs } from './storm/args.js';
import { SetupError } from './storm/errors.js';
import { freePorts } from './storm/ports.js';
import { figures, formatText } from './storm/report.js';
import { plan, runSipp, writeInjectionFile, type Device } from './storm/sipp.js';
import { cores, loadAverage, udpReceiveBufferErrors } from './storm/system.js';
import { waitUntilVisible } from './storm/visibility.js';

/** Progress goes to stderr, so that --json leaves stdout to the one JSON object. */
const progress = (message: string) => console.error(`[storm] ${message}`);

async function main(): Promise<number> {
  let args: StormArgs;
  try {
    args = parseStormArgs(process.argv.slice(2));
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(error.message);
      return 2;
    }
    throw error;
  }

  const atStart = loadAverage();
  const workDir = mkdtempSync(join(tmpdir(), 'registrar-storm-'));
  let api: RunningApi | undefined;
  let kamailio: RunningKamailio | undefined;
  let kamailioLog: ReturnType<typeof createWriteStream> | undefined;
  const cleanup = async () => {
    await kamailio?.stop().catch(() => undefined);
    await api?.stop().catch(() => undefined);
    kamailioLog?.end();
    if (!args.keep) rmSync(workDir, { recursive: true, force: true });
  };
  const onSignal = () => {
    progress('interrupted: stopping Kamailio and the API');
    void cleanup().then(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    const tools = registrarTools();
    if (tools.missing.length) throw new SetupError('tools', `missing ${tools.missing.join(', ')}; install: ${INSTALL_COMMAND}`);

    // Ports: never assume one is free (3000, 5060, 8000 may be taken on this machine).
    const [controlPort, apiPort, dynamoPort] = (await freePorts(3, 'tcp')) as [number, number, number];
    const [sipPort, sippPort] = (await freePorts(2, 'udp')) as [number, number];

    progress(`work directory ${workDir}${args.keep ? ' (kept)' : ''}`);
    progress(`starting the API (tsx local/start.ts) on 127.0.0.1:${apiPort}, DynamoDB Local on ${dynamoPort}`);
    api = await startApi({ port: apiPort, dynamoPort, dataDir: join(workDir, 'data'), controlPort, logFile: join(workDir, 'api.log') });

    const kamailioErrors = { error: 0, warning: 0, lookupFailed: 0, webhookFailed: 0 };
    kamailioLog = createWriteStream(join(workDir, 'kamailio.log'));
    progress(`starting Kamailio (registrar/kamailio/kamailio.cfg) on udp 127.0.0.1:${sipPort}, control ${controlPort}`);
    try {
      kamailio = await startKamailio({
        apiUrl: api.base,
        secret: api.registrarSecret,
        controlToken: api.registrarControlToken,
        sipPort,
        controlPort,
        runDir: join(workDir, 'kamailio'),
        // Thousands of bindings (and whatever the configuration queues) need room.
        sharedMemoryMb: 256,
        privateMemoryMb: 16,
        defines: args.defines,
        onLog: (line) => {
          kamailioLog?.write(`${line}\n`);
          if (/\bERROR:/.test(line)) kamailioErrors.error++;
          if (/\bWARNING:/.test(line)) kamailioErrors.warning++;
          if (/credential lookup failed/.test(line)) kamailioErrors.lookupFailed++;
          if (/webhook.*(answered|failed)/i.test(line)) kamailioErrors.webhookFailed++;
        },
      });
    } catch (error) {
      throw new SetupError('kamailio', (error as Error).message);
    }

    // The devices: one domain, N extensions with known passwords (not measured).
    const client = new ApiClient(api.base, api.accessKey);
    const domain = await client.call<{ id: string; realm: string }>('POST', '/v1.0/domains', {
      domain_name: `storm-${randomBytes(4).toString('hex')}`,
    });
    if (domain.status !== 200) throw new SetupError('extensions', `POST /v1.0/domains: ${domain.status} ${domain.text}`);
    const schedule = plan(args.rate, args.duration, args.devices);
    progress(`creating ${args.devices} extensions in ${domain.body.realm}`);
    const created = Date.now();
    const devices = await mapLimit(Array.from({ length: args.devices }, (_, i) => i), 8, async (i) => {
      const user = String(100000 + i);
      const password = devicePassword(user);
      const r = await client.call<{ id: string }>('POST', '/v1.0/extensions', { domain_id: domain.body.id, extension: user, password });
      if (r.status !== 200) throw new SetupError('extensions', `POST /v1.0/extensions ${user}: ${r.status} ${r.text}`);
      return { user, password, id: r.body.id } satisfies Device & { id: string };
    });
    progress(`created ${devices.length} extensions in ${((Date.now() - created) / 1000).toFixed(1)} s`);

    // No new transaction after the schedule plus one RFC 3261 Timer F (32 s) plus slack:
    // a device still behind schedule then has its remaining REGISTERs lost (never sent).
    const deadlineSeconds = args.duration + 32 + 13;
    const injectionFile = join(workDir, 'devices.csv');
    writeInjectionFile(injectionFile, devices, schedule, Date.now() + deadlineSeconds * 1000);
    progress(
      `storm: ${schedule.transactions} REGISTER transactions at ${args.rate}/s for ${args.duration} s ` +
        `(${schedule.firstRegistrations} first registrations, ${schedule.refreshes} refreshes; each device every ${schedule.periodMs} ms)`,
    );
    const stormStart = loadAverage();
    const dropsBefore = udpReceiveBufferErrors();
    const sipp = await runSipp({
      sipp: tools.sipp!,
      workDir,
      injectionFile,
      target: `127.0.0.1:${sipPort}`,
      localPort: sippPort,
      realm: domain.body.realm,
      rate: args.rate,
      devices: schedule.devices,
      expires: args.expires,
      // After the deadline a transaction already started may take two Timer Fs (challenge, credentials).
      killAfterSeconds: Math.ceil(deadlineSeconds + 2 * 32 + 15),
    });
    const stormEnd = loadAverage();
    const dropsAfter = udpReceiveBufferErrors();
    progress(`SIPp done (exit ${sipp.exitCode}): ${sipp.ok} of ${schedule.transactions} answered 200; checking the API`);

    const view = await waitUntilVisible(client, devices.slice(0, schedule.devices).map((d) => d.id), args.settle * 1000);

    const diagnostics: Record<string, number | string> = {
      sipp_exit: sipp.exitCode ?? 'signal',
      sipp_killed: sipp.killed ? 'yes' : 'no',
      sipp_watchdog_major: sipp.watchdogMajor,
      sipp_late_answers_ignored: sipp.lateAnswers,
      kamailio_error_lines: kamailioErrors.error,
      kamailio_lookup_failures: kamailioErrors.lookupFailed,
      kamailio_webhook_failures: kamailioErrors.webhookFailed,
    };
    if (dropsBefore !== undefined && dropsAfter !== undefined) diagnostics.udp_rcvbuf_drops = dropsAfter - dropsBefore;
    try {
      const stats = await kamailio.rpc<string[]>('stats.get_statistics', ['usrloc:']);
      const contacts = stats.find((line) => line.startsWith('usrloc:location_contacts'))?.split('=')[1]?.trim();
      if (contacts !== undefined) diagnostics.kamailio_bindings = Number(contacts);
    } catch {
      // diagnostics only
    }

    const result = figures({
      rate: args.rate,
      duration: args.duration,
      devices: args.devices,
      schedule,
      sipp,
      api: view,
      load: { atStart, stormStart, stormEnd },
      cores: cores(),
      diagnostics,
    });
    if (args.json) console.log(JSON.stringify(result));
    else console.log(formatText(result));
    if (args.keep) progress(`kept ${workDir}: api.log, kamailio.log, sipp-stat.csv, *_rtt.csv, sipp-errors.log`);
    await cleanup();
    return result.meets_target ? 0 : 1;
  } catch (error) {
    await cleanup();
    if (error instanceof SetupError) {
      console.error(`registrar storm: setup failed (${error.step}): ${error.message}`);
      if (args.json) console.log(JSON.stringify({ setup_error: { step: error.step, message: error.message } }));
      return 2;
    }
    console.error('registrar storm: setup failed (unexpected):', error);
    if (args.json) console.log(JSON.stringify({ setup_error: { step: 'unexpected', message: String((error as Error)?.message ?? error) } }));
    return 2;
  }
}

/** A strong password (letters and digits, 18 characters) that does not contain the extension. */
function devicePassword(user: string): string {
  for (;;) {
    const candidate = `Sb${randomBytes(12).toString('base64url').replace(/[-_]/g, 'x')}7q`;
    if (!candidate.includes(user)) return candidate;
  }
}

void main().then((code) => process.exit(code));

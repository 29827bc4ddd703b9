/**
 * npm run bench:registrar: the registrar path at scale (issue 10), measured for real.
 *
 * 1. DynamoDB Local + the API as an operator runs them (tsx local/start.ts, its own
 *    process, a temporary LOCAL_DATA_DIR, free ports), and the project's Kamailio
 *    (registrar/kamailio/kamailio.cfg as it is in the tree, via startKamailio) on a free
 *    UDP port, pointed at that API.
 * 2. The devices' extensions through the API (not measured).
 * 3. The storm: SIPp (registrar/sipp/storm.xml) drives digest-authenticated REGISTERs
 *    over UDP at --rate per second for --duration seconds (same Contact every time):
 *    - warm (default): the --devices register once at --warmup-rate (not measured) and
 *      show in the API; then they refresh (same Call-ID, higher CSeq) while --new-share
 *      of the transactions are first registrations of devices new to the registrar,
 *      spread evenly over the run: a registrar serving an established population.
 *    - burst: every device's first REGISTER is a first registration (all of them in the
 *      first devices / rate seconds: a registrar restart), its later ones refreshes.
 * 4. Every device (warm: old and new) must then show as registered through the API within --settle seconds.
 *
 * Target (the issue's): completed >= 99% of offered, 0 lost, p99 < 500 ms, every device
 * visible. Exit 0 met, 1 missed, 2 setup failed. Figures are absolute (REGISTER/s, ms):
 * the load average is printed so that machine noise is visible next to them.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INSTALL_COMMAND, registrarTools, startKamailio, type RunningKamailio } from '../registrar/kamailio.js';
import { ApiClient, mapLimit, startApi, type RunningApi } from './storm/api.js';
import { parseStormArgs, UsageError, type StormArgs } from './storm/args.js';
import { SetupError } from './storm/errors.js';
import { freePorts } from './storm/ports.js';
import { figures, formatText, type Warmup } from './storm/report.js';
import { burstPlan, runSipp, WARM_CALL_RATE, warmPlan, warmupPlan, writeInjectionFile, type Device, type Plan } from './storm/sipp.js';
import { cores, loadAverage, udpReceiveBufferErrors } from './storm/system.js';
import { waitUntilVisible } from './storm/visibility.js';

/** How long the warm-up's registrations may take to show in the API. */
const WARMUP_VISIBLE_MS = 60_000;

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
    progress(`starting the API (tsx local/start.ts) on 127.0.0.1:${apiPort}, DynamoDB Local on ${dynamoPort} (${args.dynamodb})`);
    api = await startApi({
      port: apiPort,
      dynamoPort,
      dataDir: join(workDir, 'data'),
      controlPort,
      logFile: join(workDir, 'api.log'),
      inMemory: args.dynamodb === 'memory',
    });
    if (api.dynamodb !== args.dynamodb) progress(`WARNING: asked for DynamoDB Local ${args.dynamodb}, the API reports ${api.dynamodb}`);
    else progress(`DynamoDB Local: ${api.dynamodb === 'memory' ? 'in memory (DYNAMODB_LOCAL_IN_MEMORY=1)' : 'file store (disk)'}`);

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

    // The devices: one domain, their extensions with known passwords (not measured).
    // warm: the registered population plus the new devices of the measured run.
    const client = new ApiClient(api.base, api.accessKey);
    const domain = await client.call<{ id: string; realm: string }>('POST', '/v1.0/domains', {
      domain_name: `storm-${randomBytes(4).toString('hex')}`,
    });
    if (domain.status !== 200) throw new SetupError('extensions', `POST /v1.0/domains: ${domain.status} ${domain.text}`);
    const realm = domain.body.realm;
    const transactions = Math.max(1, Math.round(args.rate * args.duration));
    const newcomerCount = args.scenario === 'warm' ? Math.round(transactions * args.newShare) : 0;
    const extensionCount = args.scenario === 'warm' ? args.devices + newcomerCount : Math.min(args.devices, transactions);
    progress(`creating ${extensionCount} extensions in ${realm}`);
    const created = Date.now();
    const extensions = await mapLimit(Array.from({ length: extensionCount }, (_, i) => i), 8, async (i) => {
      const user = String(100000 + i);
      const password = devicePassword(user);
      const r = await client.call<{ id: string }>('POST', '/v1.0/extensions', { domain_id: domain.body.id, extension: user, password });
      if (r.status !== 200) throw new SetupError('extensions', `POST /v1.0/extensions ${user}: ${r.status} ${r.text}`);
      return { user, password, id: r.body.id } satisfies Device & { id: string };
    });
    progress(`created ${extensions.length} extensions in ${((Date.now() - created) / 1000).toFixed(1)} s`);

    const sippBase = { sipp: tools.sipp!, target: `127.0.0.1:${sipPort}`, localPort: sippPort, realm, expires: args.expires };
    let warmup: Warmup | undefined;
    let schedule: Plan;
    let stormDir = workDir;
    let cidStr = 'storm-%u-%p@%s';
    let baseCseq = 1;
    if (args.scenario === 'warm') {
      // Phase 1 (not measured): the population registers once, gently, and must then show
      // in the API. The measured run keeps their Call-IDs: no %p in -cid_str, the same
      // devices first and in the same order, CSeqs above the warm-up's.
      const registered = extensions.slice(0, args.devices);
      cidStr = `storm-${randomBytes(3).toString('hex')}-%u@%s`;
      const warm = warmupPlan(args.warmupRate, registered);
      const warmDir = join(workDir, 'warmup');
      mkdirSync(warmDir);
      const warmFile = join(warmDir, 'devices.csv');
      const warmSeconds = registered.length / args.warmupRate;
      writeInjectionFile(warmFile, warm, Date.now() + (warmSeconds + 60) * 1000);
      progress(`warm-up (not measured): ${registered.length} first registrations at ${args.warmupRate}/s`);
      const started = Date.now();
      const run = await runSipp({
        ...sippBase,
        workDir: warmDir,
        injectionFile: warmFile,
        callRate: warm.callRate,
        calls: warm.runs.length,
        cidStr,
        baseCseq,
        killAfterSeconds: Math.ceil(warmSeconds + 2 * 32 + 30),
      });
      const seconds = (Date.now() - started) / 1000;
      progress(`warm-up: ${run.ok} of ${registered.length} answered 200 in ${seconds.toFixed(1)} s; waiting for the API`);
      const view = await waitUntilVisible(client, registered.map((d) => d.id), WARMUP_VISIBLE_MS);
      warmup = {
        devices: registered.length,
        rate: args.warmupRate,
        ok: run.ok,
        seconds: Math.round(seconds * 10) / 10,
        api_registered: view.registered,
        api_waited_ms: view.waitedMs,
      };
      if (!view.allVisible) {
        throw new SetupError(
          'warmup',
          `only ${view.registered}/${view.expected} devices showed in the API ${WARMUP_VISIBLE_MS / 1000} s after the warm-up ` +
            `(${run.ok} of ${registered.length} registrations answered 200, SIPp exit ${run.exitCode})`,
        );
      }
      progress(`warm-up: all ${view.expected} devices in the API after ${view.waitedMs} ms`);
      baseCseq = 101;
      stormDir = join(workDir, 'storm');
      mkdirSync(stormDir);
      // The devices wait for their start time; SIPp creates their calls before it.
      const lead = 2 + (registered.length + newcomerCount) / WARM_CALL_RATE;
      schedule = warmPlan(args.rate, args.duration, args.newShare, registered, extensions.slice(args.devices), Date.now() + lead * 1000);
    } else {
      schedule = burstPlan(args.rate, args.duration, extensions);
    }

    // No new transaction after the schedule plus one RFC 3261 Timer F (32 s) plus slack:
    // a device still behind schedule then has its remaining REGISTERs lost (never sent).
    const scheduleStart = schedule.startAtMs ?? Date.now();
    const deadlineSeconds = (scheduleStart - Date.now()) / 1000 + args.duration + 32 + 13;
    const injectionFile = join(stormDir, 'devices.csv');
    writeInjectionFile(injectionFile, schedule, Date.now() + deadlineSeconds * 1000);
    progress(
      `storm (${args.scenario}): ${schedule.transactions} REGISTER transactions at ${args.rate}/s for ${args.duration} s ` +
        `(${schedule.firstRegistrations} first registrations, ${schedule.refreshes} refreshes; a refreshing device every ${schedule.periodMs} ms)`,
    );
    const stormStart = loadAverage();
    const dropsBefore = udpReceiveBufferErrors();
    const sipp = await runSipp({
      ...sippBase,
      workDir: stormDir,
      injectionFile,
      callRate: schedule.callRate,
      calls: schedule.runs.length,
      cidStr,
      baseCseq,
      // After the deadline a transaction already started may take two Timer Fs (challenge, credentials).
      killAfterSeconds: Math.ceil(deadlineSeconds + 2 * 32 + 15),
    });
    const stormEnd = loadAverage();
    const dropsAfter = udpReceiveBufferErrors();
    progress(`SIPp done (exit ${sipp.exitCode}): ${sipp.ok} of ${schedule.transactions} answered 200; checking the API`);

    // Every device that registered, in the warm-up or in the storm, must show.
    const shown = schedule.runs.filter((run) => run.transactions > 0 || args.scenario === 'warm').map((run) => run.device as Device & { id: string });
    const view = await waitUntilVisible(client, shown.map((d) => d.id), args.settle * 1000);

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
      scenario: args.scenario,
      dynamodb: api.dynamodb,
      warmup,
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
    if (args.keep) {
      progress(`kept ${workDir}: api.log, kamailio.log, ${args.scenario === 'warm' ? '{warmup,storm}/' : ''}{sipp-stat.csv, *_rtt.csv, sipp-errors.log, devices.csv}`);
    }
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

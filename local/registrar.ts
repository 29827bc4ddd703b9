import { spawnSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { resolve } from 'node:path';
import { KAMAILIO_CFG, findExecutable, startKamailio, type RunningKamailio } from '../registrar/kamailio.js';
import { dataDir, type LocalSettings } from './settings.js';

/** The one line a user without Kamailio reads. */
export const KAMAILIO_INSTALL_HINT = 'sudo bash registrar/install.sh';

export type KamailioCheck = { ok: true; path: string } | { ok: false; why: string };

/**
 * Kamailio (KAMAILIO, or `kamailio` on PATH or in /usr/sbin) with every module
 * registrar/kamailio/kamailio.cfg loads (a syntax check, about 0.2 s).
 */
export function checkKamailio(): KamailioCheck {
  const path = process.env.KAMAILIO || findExecutable('kamailio');
  if (!path) return { ok: false, why: 'kamailio is not installed' };
  const check = spawnSync(path, ['-c', '-f', KAMAILIO_CFG], { encoding: 'utf8', timeout: 20_000 });
  if (check.error) return { ok: false, why: `${path} does not run (${(check.error as NodeJS.ErrnoException).code})` };
  if (check.status !== 0) {
    const modules = [...`${check.stdout}${check.stderr}`.matchAll(/could not find module <([a-z_0-9]+)>/g)].map((m) => m[1]);
    return {
      ok: false,
      why: modules.length ? `kamailio lacks the modules ${[...new Set(modules)].join(', ')}` : `${path} refuses registrar/kamailio/kamailio.cfg`,
    };
  }
  return { ok: true, path };
}

/** Lifetimes for trying things by hand (docs/registrar.md "Run it locally"); production keeps the cfg defaults. */
export function localRegistrarDefines(): Record<string, number> {
  return {
    // Short enough to watch expiry by hand, long enough for real phones.
    EXPIRES_MIN: Number(process.env.REGISTRAR_MIN_EXPIRES ?? 10),
    EXPIRES_DEFAULT: Number(process.env.REGISTRAR_DEFAULT_EXPIRES ?? 300),
    UL_TIMER_INTERVAL: Number(process.env.REGISTRAR_TIMER_INTERVAL ?? 5),
    SIP_WORKERS: 4,
  };
}

export interface LocalRegistrarOptions {
  kamailioPath: string;
  /** The API's base URL without /v1.0. */
  apiUrl: string;
  settings: LocalSettings;
  sipHost: string;
  sipPort: number;
  controlPort: number;
  /** Each Kamailio log line; default: appended to <data folder>/kamailio/kamailio.log. */
  onLog?: (line: string) => void;
  dieWithParent?: boolean;
}

/** The registrar secret Kamailio presents: one of the API's (REGISTRAR_SECRETS, else the generated one). */
export function localRegistrarSecret(settings: LocalSettings): string {
  return process.env.REGISTRAR_SECRET || process.env.REGISTRAR_SECRETS?.split(',')[0]?.trim() || settings.registrarSecret;
}

/** Kamailio with the project's configuration, the local secrets and lifetimes, runtime files in <data folder>/kamailio. */
export async function startLocalRegistrar(options: LocalRegistrarOptions): Promise<{ kamailio: RunningKamailio; runDir: string; logFile: string }> {
  const runDir = resolve(dataDir, 'kamailio');
  const logFile = resolve(runDir, 'kamailio.log');
  let onLog = options.onLog;
  let log: ReturnType<typeof createWriteStream> | undefined;
  if (!onLog) {
    const { mkdirSync } = await import('node:fs');
    mkdirSync(runDir, { recursive: true });
    log = createWriteStream(logFile, { flags: 'a' });
    onLog = (line) => log!.write(`${line}\n`);
  }
  try {
    const kamailio = await startKamailio({
      kamailioPath: options.kamailioPath,
      apiUrl: options.apiUrl,
      secret: localRegistrarSecret(options.settings),
      controlToken: process.env.REGISTRAR_CONTROL_TOKEN || options.settings.registrarControlToken,
      sipHost: options.sipHost,
      sipPort: options.sipPort,
      controlPort: options.controlPort,
      runDir,
      defines: localRegistrarDefines(),
      onLog,
      dieWithParent: options.dieWithParent,
    });
    void kamailio.exited.then(() => log?.end());
    return { kamailio, runDir, logFile };
  } catch (error) {
    log?.end();
    throw error;
  }
}

/** How to register a SIPp device and a softphone against sip:host:port (the banners print it). */
export function registerHowTo(sipHost: string, sipPort: number): string[] {
  return [
    `Register        sipp ${sipHost}:${sipPort} -sf registrar/sipp/register.xml -m 1 -i 127.0.0.1 -p 5062 \\`,
    `                  -s <extension> -au <extension> -ap '<password>' -key realm <realm> -key expires 60 \\`,
    `                  -key ua 'SIPp' -key contact '<sip:<extension>@127.0.0.1:5062>' -trace_logs -log_file /tmp/register.log`,
    `Softphone       server ${sipHost}:${sipPort} (UDP), user = the extension, password = its password, domain = the domain's realm`,
  ];
}

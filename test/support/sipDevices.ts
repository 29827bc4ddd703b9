import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePortFor } from '../../local/ports.js';
import { SIPP_REGISTER_XML } from '../../registrar/kamailio.js';

/** A SIP device played by SIPp (registrar/sipp/register.xml): one UDP port, one dialog. */
export interface Device {
  user: string;
  password: string;
  port: number;
  ua: string;
  callId: string;
  cseq: number;
  /** Default: the realm the devices were made for. */
  realm?: string;
}

export const contactOf = (d: Device) => `sip:${d.user}@127.0.0.1:${d.port};transport=udp`;

export interface SipDevicesOptions {
  sipp: string;
  /** Where SIPp runs and writes its logs. */
  workDir: () => string;
  realm: () => string;
  /** Shown when SIPp fails (the registrar's last log lines). */
  registrarLog?: () => string[];
}

/** Devices that REGISTER with a registrar on 127.0.0.1 through SIPp. */
export function sipDevices(options: SipDevicesOptions) {
  async function device(user: string, password: string, ua: string): Promise<Device> {
    return { user, password, port: await freePortFor('udp'), ua, callId: randomBytes(8).toString('hex'), cseq: 1 };
  }

  /** One REGISTER (challenge, then credentials) from the device to sipPort; the final SIP status. */
  async function register(sipPort: number, d: Device, expires: number, registerOptions: { contact?: string } = {}): Promise<number> {
    const workDir = options.workDir();
    const logFile = join(workDir, `sipp-${randomBytes(4).toString('hex')}.log`);
    const args = [
      `127.0.0.1:${sipPort}`,
      '-sf', SIPP_REGISTER_XML,
      '-m', '1',
      '-i', '127.0.0.1',
      '-p', String(d.port),
      '-s', d.user,
      '-au', d.user,
      '-ap', d.password,
      '-key', 'realm', d.realm ?? options.realm(),
      '-key', 'expires', String(expires),
      '-key', 'ua', d.ua,
      '-key', 'contact', registerOptions.contact ?? `<${contactOf(d)}>`,
      '-cid_str', `${d.callId}-%u`,
      '-base_cseq', String(d.cseq),
      '-trace_logs',
      '-log_file', logFile,
      '-timeout', '10s',
      '-timeout_error',
      '-nostdin',
    ];
    // Two requests per run (challenge + credentials): the next run of this device
    // continues the dialog with a higher CSeq.
    d.cseq += 2;
    const output: string[] = [];
    const code = await new Promise<number | null>((resolve) => {
      const child = spawn(options.sipp, args, { cwd: workDir, stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout.on('data', (c: Buffer) => output.push(c.toString()));
      child.stderr.on('data', (c: Buffer) => output.push(c.toString()));
      child.on('exit', (c) => resolve(c));
    });
    let log = '';
    try {
      log = readFileSync(logFile, 'utf8');
    } catch {
      // no result line written
    }
    const result = /RESULT (\d{3})/.exec(log);
    if (code !== 0 || !result) {
      const registrar = options.registrarLog?.().slice(-40).join('\n') ?? '';
      throw new Error(`sipp failed (exit ${code}):\n${output.join('').slice(-3000)}\n--- registrar ---\n${registrar}`);
    }
    return Number(result[1]);
  }

  return { device, register };
}

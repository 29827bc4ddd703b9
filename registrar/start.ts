import { resolve } from 'node:path';
import { newId } from '../shared/ids.js';
import { dataDir, loadLocalSettings } from '../local/settings.js';
import { INSTALL_COMMAND, registrarTools, startKamailio, type RunningKamailio } from './kamailio.js';

/**
 * npm run registrar: Kamailio on udp 127.0.0.1:5060 in front of the API `npm start`
 * serves (API_URL, default http://127.0.0.1:3000), with the registrar secret and control
 * token kept in .data/local.json. Ctrl-C stops it. See docs/registrar.md.
 */
async function main() {
  const tools = registrarTools();
  if (!tools.kamailio || tools.missing.some((m) => m.startsWith('kamailio'))) {
    console.error(`npm run registrar needs Kamailio 5.6 with http_client, jansson and crypto; missing: ${tools.missing.join(', ')}.`);
    console.error(`Install it with: ${INSTALL_COMMAND}`);
    process.exit(1);
  }

  const settings = loadLocalSettings(newId);
  const apiUrl = (process.env.API_URL ?? 'http://127.0.0.1:3000').replace(/\/+$/, '').replace(/\/v1\.0$/, '');
  const sipHost = process.env.REGISTRAR_SIP_HOST ?? '127.0.0.1';
  const sipPort = Number(process.env.REGISTRAR_SIP_PORT ?? 5060);
  const controlPort = Number(process.env.REGISTRAR_CONTROL_PORT ?? 5071);
  // If npm start was given REGISTRAR_SECRETS, give the registrar one of them.
  const secret = process.env.REGISTRAR_SECRET || process.env.REGISTRAR_SECRETS?.split(',')[0]?.trim() || settings.registrarSecret;
  const controlToken = process.env.REGISTRAR_CONTROL_TOKEN || settings.registrarControlToken;

  let registrar: RunningKamailio | undefined;
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    await registrar?.stop();
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
  process.on('SIGHUP', () => void stop(0));

  const apiUp = await fetch(`${apiUrl}/v1.0/health`, { signal: AbortSignal.timeout(2_000) })
    .then((r) => r.status < 500)
    .catch(() => false);
  if (!apiUp) {
    console.warn(`No API answers at ${apiUrl} yet (start it with npm start): REGISTERs get 503 until it does.`);
  }

  const runDir = resolve(dataDir, 'kamailio');
  try {
    registrar = await startKamailio({
      apiUrl,
      secret,
      controlToken,
      sipHost,
      sipPort,
      controlPort,
      runDir,
      defines: {
        // Short enough to watch expiry by hand, long enough for real phones.
        EXPIRES_MIN: Number(process.env.REGISTRAR_MIN_EXPIRES ?? 10),
        EXPIRES_DEFAULT: Number(process.env.REGISTRAR_DEFAULT_EXPIRES ?? 300),
        UL_TIMER_INTERVAL: Number(process.env.REGISTRAR_TIMER_INTERVAL ?? 5),
        SIP_WORKERS: 4,
      },
      onLog: (line) => console.log(line),
    });
  } catch (error) {
    console.error((error as Error).message);
    if (/bind|Address already in use/i.test((error as Error).message)) {
      console.error(
        `Port ${sipPort} or ${controlPort} is taken: a packaged kamailio service? (sudo bash registrar/install.sh turns it off) ` +
          'Or choose others with REGISTRAR_SIP_PORT / REGISTRAR_CONTROL_PORT.',
      );
    }
    await stop(1);
    return;
  }

  console.log(
    [
      `Registrar       sip:${sipHost}:${sipPort} (udp), Kamailio pid ${registrar.pid}, runtime in ${runDir}`,
      `API             ${apiUrl}/v1.0 (credentials and webhooks)`,
      `Control         ${registrar.controlUrl} and ${registrar.rpcUrl} (Bearer token in .data/local.json)`,
      `Register        sipp ${sipHost}:${sipPort} -sf registrar/sipp/register.xml -m 1 -i 127.0.0.1 -p 5062 \\`,
      `                  -s <extension> -au <extension> -ap '<password>' -key realm <realm> -key expires 60 \\`,
      `                  -key ua 'SIPp' -key contact '<sip:<extension>@127.0.0.1:5062>' -trace_logs -log_file /tmp/register.log`,
      'Ctrl-C stops Kamailio.',
    ].join('\n'),
  );
  const code = await registrar.exited;
  if (!stopping) {
    console.error(`kamailio exited (${code})`);
    await stop(code ?? 1);
  }
}

void main();

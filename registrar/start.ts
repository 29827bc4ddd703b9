import { newId } from '../shared/ids.js';
import { onLauncherGone } from '../local/launcher.js';
import { PortBusyError, PortSettingError, freePortFor, portFree, portFromEnv } from '../local/ports.js';
import { KAMAILIO_INSTALL_HINT, checkKamailio, registerHowTo, startLocalRegistrar } from '../local/registrar.js';
import { loadLocalSettings } from '../local/settings.js';
import { runningStack } from '../local/stack.js';
import type { RunningKamailio } from './kamailio.js';

/**
 * npm run registrar: Kamailio alone, in front of an API that runs elsewhere (npm start
 * runs its own registrar when Kamailio is installed). The API is API_URL, else
 * http://127.0.0.1:$PORT, else the one the local npm start recorded in stack.json, else
 * http://127.0.0.1:3000. Secrets from the data folder's local.json. Ctrl-C, SIGTERM or
 * the death of its launcher stops it. See docs/registrar.md.
 */
function apiUrlFromEnv(): { url: string; from: string } {
  const strip = (url: string) => url.replace(/\/+$/, '').replace(/\/v1\.0$/, '');
  if (process.env.API_URL) return { url: strip(process.env.API_URL), from: 'API_URL' };
  if (process.env.PORT) return { url: `http://127.0.0.1:${portFromEnv('PORT', 3000)}`, from: 'PORT' };
  const stack = runningStack();
  if (stack?.api) return { url: stack.api, from: 'the running npm start' };
  return { url: 'http://127.0.0.1:3000', from: 'the default' };
}

async function main() {
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
  onLauncherGone(() => void stop(0));

  try {
    const kamailio = checkKamailio();
    if (!kamailio.ok) {
      console.error(`npm run registrar: ${kamailio.why}; install it with: ${KAMAILIO_INSTALL_HINT}`);
      await stop(1);
      return;
    }
    const settings = loadLocalSettings(newId);
    const api = apiUrlFromEnv();
    const sipHost = process.env.REGISTRAR_SIP_HOST || '127.0.0.1';
    let sipPort = portFromEnv('REGISTRAR_SIP_PORT', 5060);
    let controlPort = portFromEnv('REGISTRAR_CONTROL_PORT', 5071);
    if (!(await portFree('udp', sipHost, sipPort))) throw new PortBusyError('REGISTRAR_SIP_PORT', sipPort, 'udp', sipHost);
    if (!(await portFree('tcp', '127.0.0.1', controlPort))) throw new PortBusyError('REGISTRAR_CONTROL_PORT', controlPort, 'tcp', '127.0.0.1');
    sipPort ||= await freePortFor('udp', sipHost);
    controlPort ||= await freePortFor('tcp');

    const apiUp = await fetch(`${api.url}/v1.0/health`, { signal: AbortSignal.timeout(2_000) })
      .then((r) => r.status < 500)
      .catch(() => false);
    if (!apiUp) console.warn(`No API answers at ${api.url} (from ${api.from}) yet (start one with npm start): REGISTERs get 503 until one does.`);

    const started = await startLocalRegistrar({
      kamailioPath: kamailio.path,
      apiUrl: api.url,
      settings,
      sipHost,
      sipPort,
      controlPort,
      dieWithParent: true,
      onLog: (line) => console.log(line),
    });
    registrar = started.kamailio;
    console.log(
      [
        `Registrar       sip:${sipHost}:${sipPort} (udp), Kamailio pid ${registrar.pid}, runtime in ${started.runDir}`,
        `API             ${api.url}/v1.0 (from ${api.from}: credentials and webhooks)`,
        `Control         ${registrar.controlUrl} and ${registrar.rpcUrl} (Bearer token: registrarControlToken in local.json)`,
        `                the API's REGISTRAR_CONTROL_URL must name ${registrar.controlUrl} for its DELETEs to unregister devices`,
        ...registerHowTo(sipHost, sipPort),
        'Ctrl-C stops Kamailio.',
      ].join('\n'),
    );
    const code = await registrar.exited;
    if (!stopping) {
      console.error(`kamailio exited (${code})`);
      await stop(code ?? 1);
    }
  } catch (error) {
    if (error instanceof PortBusyError || error instanceof PortSettingError) console.error(`npm run registrar: ${error.message}`);
    else console.error(`npm run registrar: ${(error as Error).message}`);
    await stop(1);
  }
}

void main();

import { readFileSync } from 'node:fs';

interface Ancestor {
  pid: number;
  /** /proc start time: tells the process from a later one that reuses its pid. */
  startTime: string;
}

function stat(pid: number): { ppid: number; startTime: string; cmdline: string } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces): state, ppid, ... starttime is field 22.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    if (fields[0] === 'Z') return undefined;
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
    return { ppid: Number(fields[1]), startTime: fields[19]!, cmdline };
  } catch {
    return undefined;
  }
}

/**
 * The processes whose death must stop this one: the parent, and when run through npm
 * (`npm start` = npm -> tsx -> this process), every process up to and including npm
 * itself. A SIGKILLed npm cannot pass a signal on, and tsx, its child, would keep
 * running without it: so this process watches npm directly.
 */
function launcherChain(): Ancestor[] {
  const chain: Ancestor[] = [];
  let pid = process.ppid;
  const underNpm = Boolean(process.env.npm_lifecycle_event);
  for (let depth = 0; depth < 4 && pid > 1; depth++) {
    const info = stat(pid);
    if (!info) break;
    chain.push({ pid, startTime: info.startTime });
    if (!underNpm || /(^|\/)npm(\s|$)|^npm /.test(info.cmdline) || /npm-cli\.js/.test(info.cmdline)) break;
    pid = info.ppid;
  }
  return chain;
}

/**
 * Calls onGone once when the process that launched this one (npm, tsx or a test) ends,
 * however it ended (SIGKILL included). Polls every 500 ms; the timer does not keep the
 * process alive.
 */
export function onLauncherGone(onGone: () => void) {
  const parent = process.ppid;
  const chain = process.platform === 'linux' ? launcherChain() : [];
  const timer = setInterval(() => {
    const gone = process.ppid !== parent || chain.some((a) => stat(a.pid)?.startTime !== a.startTime);
    if (gone) {
      clearInterval(timer);
      onGone();
    }
  }, 500);
  timer.unref();
  return chain.map((a) => a.pid);
}

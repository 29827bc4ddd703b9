import { existsSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { dataDir } from './settings.js';

/**
 * What a running `npm start` serves, kept in its data folder (.data/stack.json, or
 * LOCAL_DATA_DIR): `npm run admin`, `npm run registrar` and the tests read it instead of
 * guessing ports. The file is also the lock that keeps a second `npm start` off the same
 * data folder: it names the pid that owns it.
 */
export interface StackRecord {
  pid: number;
  state: 'starting' | 'running';
  startedAt: string;
  dataDir: string;
  /** Base URL of the API without /v1.0, e.g. http://127.0.0.1:3000. */
  api?: string;
  docs?: string;
  dynamodb?: { endpoint: string; table: string; region: string; inMemory: boolean };
  /** The local registrar, or null when npm start runs without one. */
  registrar?: { sip: string; control: string; rpc: string; pid: number; log: string } | null;
}

export const stackFile = (dir = dataDir) => resolve(dir, 'stack.json');

/** True when pid is a live process (not a zombie) running the local launcher. */
export function isLauncher(pid: number): boolean {
  try {
    process.kill(pid, 0);
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    if (/\) Z /.test(stat)) return false;
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('local/start.ts');
  } catch (error) {
    // No /proc (not Linux): trust kill(0).
    return (error as NodeJS.ErrnoException).code === 'ENOENT' && !existsSync('/proc/self');
  }
}

function read(dir: string): StackRecord | undefined {
  try {
    return JSON.parse(readFileSync(stackFile(dir), 'utf8')) as StackRecord;
  } catch {
    return undefined;
  }
}

/** The stack running on this data folder, or undefined (no file, or its launcher is gone). */
export function runningStack(dir = dataDir): StackRecord | undefined {
  const record = read(dir);
  return record && isLauncher(record.pid) ? record : undefined;
}

export class StackAlreadyRunningError extends Error {
  constructor(record: StackRecord) {
    super(
      `npm start already runs on the data folder ${record.dataDir} (pid ${record.pid}` +
        `${record.api ? `, API ${record.api}` : ''}): stop it first, or set LOCAL_DATA_DIR to another folder.`,
    );
  }
}

/** Takes the data folder for this process, or throws when a live launcher holds it. */
export function claimStack(dir = dataDir): StackRecord {
  const record: StackRecord = { pid: process.pid, state: 'starting', startedAt: new Date().toISOString(), dataDir: dir };
  mkdirSync(dir, { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(stackFile(dir), `${JSON.stringify(record, null, 2)}\n`, { flag: 'wx', mode: 0o600 });
      return record;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = read(dir);
      if (holder && holder.pid !== process.pid && isLauncher(holder.pid)) throw new StackAlreadyRunningError(holder);
      // Left by a launcher that died without cleaning up.
      unlinkSync(stackFile(dir));
    }
  }
  throw new Error(`Cannot take ${stackFile(dir)}`);
}

export function writeStack(record: StackRecord, dir = dataDir) {
  writeFileSync(stackFile(dir), `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 });
}

/** Removes the file if this process owns it. */
export function releaseStack(dir = dataDir) {
  const record = read(dir);
  if (record?.pid === process.pid) {
    try {
      unlinkSync(stackFile(dir));
    } catch {
      // gone already
    }
  }
}

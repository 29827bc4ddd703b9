import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';

/** 1, 5 and 15 minute load averages (the machine is shared: noise must be visible). */
export const loadAverage = (): number[] => loadavg();
export const cores = (): number => availableParallelism();

/**
 * UDP datagrams the kernel dropped because a socket's receive buffer was full
 * (RcvbufErrors in /proc/net/snmp, machine-wide); undefined where there is no such file.
 */
export function udpReceiveBufferErrors(): number | undefined {
  try {
    const lines = readFileSync('/proc/net/snmp', 'utf8').split('\n').filter((line) => line.startsWith('Udp:'));
    const names = lines[0]?.split(/\s+/) ?? [];
    const values = lines[1]?.split(/\s+/) ?? [];
    const index = names.indexOf('RcvbufErrors');
    return index > 0 ? Number(values[index]) : undefined;
  } catch {
    return undefined;
  }
}

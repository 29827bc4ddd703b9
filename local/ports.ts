import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';

/** A port someone asked for (by an environment variable) that is already taken. */
export class PortBusyError extends Error {
  constructor(
    readonly variable: string,
    readonly port: number,
    readonly protocol: 'tcp' | 'udp',
    host: string,
  ) {
    super(
      `${protocol.toUpperCase()} port ${host}:${port} is already in use: set ${variable} to a free port ` +
        `(e.g. ${variable}=${port + 1}, or ${variable}=0 for any free port).`,
    );
  }
}

/** True when nothing listens on host:port (tcp) or is bound to it (udp). Port 0 is always free. */
export async function portFree(protocol: 'tcp' | 'udp', host: string, port: number): Promise<boolean> {
  if (port === 0) return true;
  if (protocol === 'udp') {
    return new Promise((resolve) => {
      const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
      socket.once('error', () => {
        socket.close();
        resolve(false);
      });
      socket.bind(port, host, () => socket.close(() => resolve(true)));
    });
  }
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve(true)));
  });
}

/** A free port on 127.0.0.1 for the protocol (the OS picks it). */
export async function freePortFor(protocol: 'tcp' | 'udp', host = '127.0.0.1'): Promise<number> {
  if (protocol === 'udp') {
    return new Promise((resolve, reject) => {
      const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
      socket.once('error', reject);
      socket.bind(0, host, () => {
        const { port } = socket.address();
        socket.close(() => resolve(port));
      });
    });
  }
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** The port in the variable, or its default; anything but an integer 0..65535 is an error naming the variable. */
export function portFromEnv(variable: string, fallback: number): number {
  const raw = process.env[variable];
  if (raw === undefined || raw.trim() === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new PortSettingError(`${variable}=${raw} is not a port number (0..65535; 0 picks a free one).`);
  }
  return port;
}

export class PortSettingError extends Error {}

import { createSocket } from 'node:dgram';
import { createServer, type AddressInfo } from 'node:net';

/** A TCP port on 127.0.0.1 that nothing listens on right now (the OS picks it). */
export function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** A UDP port on 127.0.0.1 that nothing is bound to right now (the OS picks it). */
export function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    socket.unref();
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => {
      const { port } = socket.address();
      socket.close(() => resolve(port));
    });
  });
}

/** `count` distinct free ports of one kind. */
export async function freePorts(count: number, kind: 'tcp' | 'udp'): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await (kind === 'tcp' ? freeTcpPort() : freeUdpPort()));
  return [...ports];
}

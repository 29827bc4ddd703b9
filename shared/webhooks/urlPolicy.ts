import { BlockList, isIP } from 'node:net';
import { config } from '../config.js';

/**
 * Where a customer's webhook may point (docs/webhooks.md, "Safety"). On AWS stages:
 * https only, and never at an address inside a network (private, loopback, link-local,
 * the instance metadata service, carrier-grade NAT, ...): checked when the URL is saved
 * and again, on the address actually connected to, at every delivery (a name may be
 * re-pointed after it was checked). Locally (stages local and test) http is allowed to
 * loopback only, so a developer's receiver on 127.0.0.1 works and nothing leaves the machine.
 */
export const isLocalStage = (stage = config.stage) => stage === 'local' || stage === 'test';

/**
 * The networks refused on AWS stages, built at the first check: most functions that bundle
 * this module (every subscription route) never check an address.
 */
let refusedNetworks: BlockList | undefined;
function refused(): BlockList {
  if (refusedNetworks) return refusedNetworks;
  const blocked = new BlockList();
  for (const [network, prefix] of [
    ['0.0.0.0', 8],
    ['10.0.0.0', 8],
    ['100.64.0.0', 10],
    ['127.0.0.0', 8],
    ['169.254.0.0', 16],
    ['172.16.0.0', 12],
    ['192.0.0.0', 24],
    ['192.168.0.0', 16],
    ['198.18.0.0', 15],
    ['224.0.0.0', 4],
    ['240.0.0.0', 4],
  ] as const) {
    blocked.addSubnet(network, prefix, 'ipv4');
  }
  for (const [network, prefix] of [
    ['::', 128],
    ['::1', 128],
    ['fc00::', 7],
    ['fe80::', 10],
    ['ff00::', 8],
    ['64:ff9b::', 96],
    ['fd00:ec2::', 32],
  ] as const) {
    blocked.addSubnet(network, prefix, 'ipv6');
  }
  return (refusedNetworks = blocked);
}

/** True when an address must never be a webhook target on AWS (IPv4-mapped IPv6 included). */
export function isRefusedAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return isRefusedAddress(mapped[1]!);
  const family = isIP(address);
  if (family === 0) return true;
  return refused().check(address, family === 4 ? 'ipv4' : 'ipv6');
}

const isLoopbackHost = (host: string) =>
  host === 'localhost' || host === '[::1]' || (isIP(host) === 4 && host.startsWith('127.'));

export type Resolver = (host: string) => Promise<string[]>;
// node:dns is loaded at the first lookup (a URL saved on an AWS stage), not at every cold
// start of the functions that bundle this module.
const dnsResolver: Resolver = async (host) => {
  const { lookup } = await import('node:dns/promises');
  return (await lookup(host, { all: true })).map((a) => a.address);
};

/** Why the URL may not be a webhook target here, or undefined when it may. */
export async function urlProblem(raw: string, stage = config.stage, resolve: Resolver = dnsResolver): Promise<string | undefined> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'url must be an absolute URL, e.g. https://example.com/hooks';
  }
  if (url.username || url.password) return 'url must not contain credentials';
  if (url.hash) return 'url must not contain a fragment';
  const host = url.hostname;
  if (isLocalStage(stage)) {
    if (url.protocol === 'https:') return undefined;
    if (url.protocol === 'http:' && isLoopbackHost(host)) return undefined;
    return 'url must be https, or http to 127.0.0.1 / localhost on a local stage';
  }
  if (url.protocol !== 'https:') return 'url must be https';
  const literal = host.startsWith('[') ? host.slice(1, -1) : host;
  if (isIP(literal)) return isRefusedAddress(literal) ? 'url must not point at a private, loopback, link-local or metadata address' : undefined;
  let addresses: string[];
  try {
    addresses = await resolve(host);
  } catch {
    return `url host ${host} does not resolve`;
  }
  if (!addresses.length) return `url host ${host} does not resolve`;
  if (addresses.some(isRefusedAddress)) return 'url must not point at a private, loopback, link-local or metadata address';
  return undefined;
}

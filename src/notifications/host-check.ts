// Whether a tenant's SMTP host may be used: every address it resolves to must be public,
// so a tenant administrator cannot make the server connect to its own loopback, the cloud
// metadata service or the internal network. The send then connects to the address that
// was checked, never to a fresh lookup of the name (DNS rebinding).
import { BlockList, isIP, isIPv4 } from 'node:net';
import { lookup } from 'node:dns/promises';

const internal = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8], // "this network", includes the unspecified address
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved and broadcast
] as const) internal.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b:1::', 48], // local-use NAT64
  ['100::', 64], // discard-only
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated, still routed by some)
  ['ff00::', 8], // multicast
] as const) internal.addSubnet(net, bits, 'ipv6');

/** Sixteen bytes of an IPv6 address (any textual form, with or without an embedded IPv4). */
function ipv6Bytes(address: string): number[] {
  let text = address.toLowerCase().split('%')[0]!;
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted[1]!.split('.').map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::') as [string, string | undefined];
  const groups = (part: string) => (part ? part.split(':') : []);
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  const all = tail === undefined ? left : [...left, ...Array(8 - left.length - right.length).fill('0'), ...right];
  return all.flatMap((g) => { const n = parseInt(g, 16); return [n >> 8, n & 0xff]; });
}

/** The IPv4 address an IPv6 address stands for (mapped, compatible, NAT64, 6to4), if any. */
function embeddedIpv4(bytes: number[]): string | undefined {
  const zero = (from: number, to: number) => bytes.slice(from, to).every((b) => b === 0);
  const v4 = (at: number) => bytes.slice(at, at + 4).join('.');
  if (zero(0, 10) && bytes[10] === 0xff && bytes[11] === 0xff) return v4(12); // ::ffff:a.b.c.d
  if (zero(0, 12)) return v4(12); // ::a.b.c.d (deprecated "compatible")
  if (bytes[0] === 0x00 && bytes[1] === 0x64 && bytes[2] === 0xff && bytes[3] === 0x9b && zero(4, 12)) return v4(12); // 64:ff9b::/96
  if (bytes[0] === 0x20 && bytes[1] === 0x02) return v4(2); // 2002::/16 (6to4)
  return undefined;
}

/** True for loopback, link-local, private, unspecified, multicast and other non-public addresses. */
export function isInternalAddress(address: string): boolean {
  const family = isIP(address.split('%')[0]!);
  if (family === 4) return internal.check(address, 'ipv4');
  if (family !== 6) return true; // not an address at all: refuse rather than guess
  const bytes = ipv6Bytes(address);
  const v4 = embeddedIpv4(bytes);
  if (v4 !== undefined && isIPv4(v4) && internal.check(v4, 'ipv4')) return true;
  return internal.check(address.split('%')[0]!, 'ipv6');
}

export type HostCheck =
  | { ok: true; addresses: string[] }
  | { ok: false; reason: 'dns_failed' | 'host_not_allowed'; message: string; addresses?: string[] };

/**
 * Resolves `host` (all addresses, as the system resolver and /etc/hosts give them) and checks
 * each one. Bracketed IPv6 literals are accepted. The lookup is bounded by `timeoutMs`.
 */
export async function checkSmtpHost(host: string, allowInternal: boolean, timeoutMs: number): Promise<HostCheck> {
  const name = host.replace(/^\[(.*)\]$/, '$1');
  let addresses: string[];
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(Object.assign(new Error('DNS lookup timed out'), { code: 'ETIMEOUT' })), timeoutMs);
    });
    const found = await Promise.race([lookup(name, { all: true, verbatim: true }), timeout]);
    addresses = found.map((a) => a.address);
  } catch (err) {
    const code = (err as { code?: string }).code ?? 'error';
    return { ok: false, reason: 'dns_failed', message: `the SMTP host ${host} does not resolve (${code})` };
  } finally {
    clearTimeout(timer);
  }
  if (addresses.length === 0) return { ok: false, reason: 'dns_failed', message: `the SMTP host ${host} does not resolve` };
  if (!allowInternal && addresses.some(isInternalAddress)) {
    return {
      ok: false,
      reason: 'host_not_allowed',
      message: `the SMTP host ${host} resolves to a loopback, link-local, private or other internal address, which a tenant's sender may not use (the server administrator can allow it with [output_adapter.email] allow_private_hosts)`,
      addresses,
    };
  }
  return { ok: true, addresses };
}

import { BlockList, isIP } from 'node:net';

/**
 * IPv4 ranges a user-supplied URL may not reach (IANA IPv4 special-purpose registry, plus
 * multicast and the reserved block): "this network", private, CGNAT, loopback, link-local (cloud
 * metadata), IETF protocol assignments, the documentation nets, the old 6to4 relay anycast,
 * benchmarking, multicast, reserved and broadcast.
 */
const BLOCKED_IPV4 = [
  '0.0.0.0/8',
  '10.0.0.0/8',
  '100.64.0.0/10',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '172.16.0.0/12',
  '192.0.0.0/24',
  '192.0.2.0/24',
  '192.88.99.0/24',
  '192.168.0.0/16',
  '198.18.0.0/15',
  '198.51.100.0/24',
  '203.0.113.0/24',
  '224.0.0.0/4',
  '240.0.0.0/4',
];

/**
 * IPv6 ranges refused outright (IANA IPv6 special-purpose registry): unspecified, loopback,
 * IPv4-compatible (deprecated), local-use NAT64, discard-only, IETF protocol assignments (Teredo,
 * benchmarking, ORCHID), documentation, SRv6 SIDs, unique-local, link-local, site-local
 * (deprecated) and multicast. Ranges that carry an IPv4 address (IPv4-mapped, NAT64, 6to4) are
 * judged by that address instead.
 */
const BLOCKED_IPV6 = [
  '::/128',
  '::1/128',
  '::/96',
  '64:ff9b:1::/48',
  '100::/64',
  '2001::/23',
  '2001:db8::/32',
  '3fff::/20',
  '5f00::/16',
  'fc00::/7',
  'fe80::/10',
  'fec0::/10',
  'ff00::/8',
];

/**
 * Which IP addresses a user-supplied URL (a user-added MCP server, an image in a chat message) may
 * reach: every public address, plus the ranges an admin allowed. Shared by the mcp-pool and the
 * agent-worker so both refuse the same addresses.
 */
export class AddressPolicy {
  private readonly blocked = new BlockList();
  private readonly allowed = new BlockList();

  /** @param allowedRanges CIDRs (`10.1.0.0/16`, `fd00::/8`) or single addresses; throws on a malformed one. */
  constructor(allowedRanges: readonly string[] = []) {
    for (const range of [...BLOCKED_IPV4, ...BLOCKED_IPV6]) addRange(this.blocked, range);
    for (const range of allowedRanges) addRange(this.allowed, range);
  }

  /** A policy that refuses nothing (a trusted deployment's explicit choice). */
  static allowingEverything(): AddressPolicy {
    return new AddressPolicy(['0.0.0.0/0', '::/0']);
  }

  /** A reason when `address` (an IP literal, brackets and zone allowed) is refused, else undefined. */
  refusal(address: string): string | undefined {
    const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
    const family = isIP(bare);
    if (family === 0) return `${address} is not an IP address`;
    if (family === 4) return this.allowed.check(bare, 'ipv4') || !this.blocked.check(bare, 'ipv4') ? undefined : refusedBecause(address);
    if (this.allowed.check(bare, 'ipv6')) return undefined;
    const embedded = embeddedIpv4(bare);
    if (embedded !== undefined) return this.allowed.check(embedded, 'ipv4') || !this.blocked.check(embedded, 'ipv4') ? undefined : refusedBecause(address);
    return this.blocked.check(bare, 'ipv6') ? refusedBecause(address) : undefined;
  }
}

function refusedBecause(address: string): string {
  return `${address} is a loopback, private, link-local or reserved address`;
}

/** Whether `range` is a CIDR range (`10.1.0.0/16`, `fd00::/8`) or a single IP address. */
export function isIpRange(range: string): boolean {
  const [address = '', prefix, extra] = range.split('/');
  const family = isIP(address);
  if (family === 0 || extra !== undefined) return false;
  return prefix === undefined || (/^\d+$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128));
}

function addRange(list: BlockList, range: string): void {
  if (!isIpRange(range)) throw new Error(`not an IP range: ${range}`);
  const [address = '', prefix] = range.split('/');
  const type = isIP(address) === 4 ? 'ipv4' : 'ipv6';
  if (prefix === undefined) list.addAddress(address, type);
  else list.addSubnet(address, Number(prefix), type);
}

/**
 * The IPv4 address an IPv6 address carries, in any notation: IPv4-mapped (`::ffff:0:0/96`),
 * NAT64 well-known prefix (`64:ff9b::/96`, RFC 6052) and 6to4 (`2002::/16`, bits 16–47).
 */
export function embeddedIpv4(ipv6: string): string | undefined {
  const words = ipv6Words(ipv6);
  if (!words) return undefined;
  const isMapped = words.slice(0, 5).every((word) => word === 0) && words[5] === 0xffff;
  const isNat64 = words[0] === 0x64 && words[1] === 0xff9b && words.slice(2, 6).every((word) => word === 0);
  if (isMapped || isNat64) return wordsToIpv4(words[6]!, words[7]!);
  if (words[0] === 0x2002) return wordsToIpv4(words[1]!, words[2]!);
  return undefined;
}

function wordsToIpv4(high: number, low: number): string {
  return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
}

/** The eight 16-bit words of an IPv6 literal (`::` and a trailing dotted quad expanded), or undefined. */
function ipv6Words(ipv6: string): number[] | undefined {
  if (isIP(ipv6) !== 6) return undefined;
  let text = ipv6.toLowerCase();
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const headWords = head ? head.split(':') : [];
  const tailWords = tail ? tail.split(':') : [];
  const zeros = tail === undefined ? [] : Array<string>(8 - headWords.length - tailWords.length).fill('0');
  const words = [...headWords, ...zeros, ...tailWords].map((word) => parseInt(word, 16));
  return words.length === 8 ? words : undefined;
}

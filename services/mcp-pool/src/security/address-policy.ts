import { BlockList, isIP } from 'node:net';

/** Ranges a user-added URL server may not reach: loopback, private, link-local (cloud metadata), CGNAT, reserved. */
const BLOCKED_IPV4 = ['0.0.0.0/8', '10.0.0.0/8', '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16', '172.16.0.0/12', '192.0.0.0/24', '192.168.0.0/16', '198.18.0.0/15', '224.0.0.0/4', '240.0.0.0/4'];
const BLOCKED_IPV6 = ['::/128', '::1/128', 'fc00::/7', 'fe80::/10', 'ff00::/8'];

/**
 * Which IP addresses user-added URL servers may connect to: everything public, plus the admin's
 * MCP_ALLOWED_URL_RANGES. IPv4-mapped (::ffff:a.b.c.d) and NAT64 (64:ff9b::/96) addresses are
 * judged by the IPv4 address they carry.
 */
export class AddressPolicy {
  private readonly blocked = new BlockList();
  private readonly allowed = new BlockList();

  /** @param allowedRanges CIDRs (`10.1.0.0/16`, `fd00::/8`) or single addresses; throws on a malformed one. */
  constructor(allowedRanges: readonly string[] = []) {
    for (const range of BLOCKED_IPV4) addRange(this.blocked, range);
    for (const range of BLOCKED_IPV6) addRange(this.blocked, range);
    for (const range of allowedRanges) addRange(this.allowed, range);
  }

  /** A reason when `address` (an IP literal) is refused, else undefined. */
  refusal(address: string): string | undefined {
    const bare = address.replace(/^\[|\]$/g, '');
    const family = isIP(bare);
    if (family === 0) return `${address} is not an IP address`;
    const embedded = family === 6 ? embeddedIpv4(bare) : undefined;
    const [ip, type] = embedded ? [embedded, 'ipv4' as const] : [bare, family === 4 ? ('ipv4' as const) : ('ipv6' as const)];
    if (this.allowed.check(ip, type) || (embedded !== undefined && this.allowed.check(bare, 'ipv6'))) return undefined;
    if (this.blocked.check(ip, type)) return `${address} is a loopback, private, link-local or reserved address`;
    return undefined;
  }
}

function addRange(list: BlockList, range: string): void {
  const [address = '', prefix] = range.split('/');
  const family = isIP(address);
  if (family === 0) throw new Error(`not an IP range: ${range}`);
  const type = family === 4 ? 'ipv4' : 'ipv6';
  if (prefix === undefined) {
    list.addAddress(address, type);
    return;
  }
  const bits = Number(prefix);
  if (!/^\d+$/.test(prefix) || bits > (family === 4 ? 32 : 128)) throw new Error(`not an IP range: ${range}`);
  list.addSubnet(address, bits, type);
}

/** The IPv4 address inside an IPv4-mapped or NAT64 IPv6 address, in either notation. */
function embeddedIpv4(ipv6: string): string | undefined {
  const lower = ipv6.toLowerCase();
  const match = /^(?:::ffff:|64:ff9b::)(?:(\d+\.\d+\.\d+\.\d+)|([0-9a-f]{1,4}):([0-9a-f]{1,4}))$/.exec(lower);
  if (!match) return undefined;
  if (match[1]) return match[1];
  const high = parseInt(match[2]!, 16);
  const low = parseInt(match[3]!, 16);
  return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
}

import { describe, expect, it } from 'vitest';
import { AddressPolicy, embeddedIpv4 } from './address-policy.js';

describe('AddressPolicy', () => {
  const policy = new AddressPolicy();

  it.each([
    '127.0.0.1', '127.255.0.1', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0',
    '::1', '::', 'fc00::1', 'fd12:3456::1', 'fe80::1', '::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:a9fe:a9fe', '64:ff9b::10.0.0.1', '[::1]', '224.0.0.1', '255.255.255.255',
  ])('refuses %s', (address) => {
    expect(policy.refusal(address)).toMatch(/loopback, private, link-local or reserved/);
  });

  // Each range added for issue #15: the address, and what it is.
  it.each([
    ['0.1.2.3', '0.0.0.0/8 "this network"'],
    ['100.127.255.254', '100.64.0.0/10 CGNAT'],
    ['192.0.0.170', '192.0.0.0/24 IETF protocol assignments'],
    ['192.0.2.1', '192.0.2.0/24 TEST-NET-1'],
    ['192.88.99.1', '192.88.99.0/24 6to4 relay anycast'],
    ['198.19.255.1', '198.18.0.0/15 benchmarking'],
    ['198.51.100.7', '198.51.100.0/24 TEST-NET-2'],
    ['203.0.113.9', '203.0.113.0/24 TEST-NET-3'],
    ['239.255.255.250', '224.0.0.0/4 multicast'],
    ['250.1.2.3', '240.0.0.0/4 reserved'],
    ['::7f00:1', '::/96 IPv4-compatible (127.0.0.1)'],
    ['::a9fe:a9fe', '::/96 IPv4-compatible (169.254.169.254)'],
    ['::8.8.8.8', '::/96 IPv4-compatible, even of a public address'],
    ['::ffff:10.0.0.1', '::ffff:0:0/96 IPv4-mapped private'],
    ['0:0:0:0:0:ffff:a9fe:a9fe', '::ffff:0:0/96 IPv4-mapped metadata, written out in full'],
    ['2002:a9fe:a9fe::', '2002::/16 6to4 carrying 169.254.169.254'],
    ['2002:7f00:1::1', '2002::/16 6to4 carrying 127.0.0.1'],
    ['fec0::1', 'fec0::/10 site-local'],
    ['64:ff9b::a9fe:a9fe', '64:ff9b::/96 NAT64 carrying metadata'],
    ['64:ff9b:0:0:0:0:7f00:1', '64:ff9b::/96 NAT64 carrying loopback, written out in full'],
    ['64:ff9b:1::8.8.8.8', '64:ff9b:1::/48 local-use NAT64'],
    ['100::1', '100::/64 discard-only'],
    ['2001::1', '2001::/32 Teredo'],
    ['2001:2::1', '2001:2::/48 benchmarking'],
    ['2001:db8::1', '2001:db8::/32 documentation'],
    ['3fff::1', '3fff::/20 documentation'],
    ['5f00::1', '5f00::/16 SRv6 SIDs'],
    ['ff02::1', 'ff00::/8 multicast'],
    ['fe80::1%eth0', 'link-local with a zone'],
  ])('refuses %s (%s)', (address) => {
    expect(policy.refusal(address)).toMatch(/loopback, private, link-local or reserved/);
  });

  it.each(['8.8.8.8', '172.32.0.1', '100.128.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8', '192.169.0.1', '64:ff9b::8.8.8.8', '2002:808:808::1', '2a00:1450:4001::1', '198.20.0.1'])('allows %s', (address) => {
    expect(policy.refusal(address)).toBeUndefined();
  });

  it('reads the IPv4 address inside mapped, NAT64 and 6to4 addresses in every notation', () => {
    expect(embeddedIpv4('::ffff:127.0.0.1')).toBe('127.0.0.1');
    expect(embeddedIpv4('::FFFF:7F00:1')).toBe('127.0.0.1');
    expect(embeddedIpv4('0:0:0:0:0:ffff:7f00:0001')).toBe('127.0.0.1');
    expect(embeddedIpv4('64:ff9b::169.254.169.254')).toBe('169.254.169.254');
    expect(embeddedIpv4('64:ff9b:0::a9fe:a9fe')).toBe('169.254.169.254');
    expect(embeddedIpv4('2002:0a00:0001:1::5')).toBe('10.0.0.1');
    expect(embeddedIpv4('2606:4700::1')).toBeUndefined();
    expect(embeddedIpv4('64:ff9b:1::1')).toBeUndefined();
  });

  it('allows ranges the admin listed, and only those', () => {
    const admin = new AddressPolicy(['127.0.0.0/8', '10.20.0.0/16', 'fd00::/8', '192.168.1.7']);
    expect(admin.refusal('127.0.0.1')).toBeUndefined();
    expect(admin.refusal('::ffff:127.0.0.1')).toBeUndefined();
    expect(admin.refusal('64:ff9b::127.0.0.1')).toBeUndefined();
    expect(admin.refusal('10.20.3.4')).toBeUndefined();
    expect(admin.refusal('fd00::5')).toBeUndefined();
    expect(admin.refusal('192.168.1.7')).toBeUndefined();
    expect(admin.refusal('192.168.1.8')).toBeDefined();
    expect(admin.refusal('10.21.0.1')).toBeDefined();
    expect(admin.refusal('169.254.169.254')).toBeDefined();
    expect(admin.refusal('::1')).toBeDefined();
  });

  it('allows everything when told to', () => {
    const open = AddressPolicy.allowingEverything();
    for (const address of ['127.0.0.1', '169.254.169.254', '::1', 'fe80::1', '::ffff:10.0.0.1', '8.8.8.8']) expect(open.refusal(address)).toBeUndefined();
  });

  it('rejects malformed admin ranges at construction', () => {
    expect(() => new AddressPolicy(['10.0.0.0/33'])).toThrow(/not an IP range/);
    expect(() => new AddressPolicy(['example.com/8'])).toThrow(/not an IP range/);
  });

  it('refuses what is not an IP address', () => {
    expect(policy.refusal('example.com')).toMatch(/not an IP address/);
  });
});

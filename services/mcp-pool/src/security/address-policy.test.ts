import { describe, expect, it } from 'vitest';
import { AddressPolicy } from './address-policy.js';

describe('AddressPolicy', () => {
  const policy = new AddressPolicy();

  it.each([
    '127.0.0.1', '127.255.0.1', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0',
    '::1', '::', 'fc00::1', 'fd12:3456::1', 'fe80::1', '::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:a9fe:a9fe', '64:ff9b::10.0.0.1', '[::1]', '224.0.0.1', '255.255.255.255',
  ])('refuses %s', (address) => {
    expect(policy.refusal(address)).toMatch(/loopback, private, link-local or reserved/);
  });

  it.each(['8.8.8.8', '172.32.0.1', '100.128.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8', '192.169.0.1'])('allows %s', (address) => {
    expect(policy.refusal(address)).toBeUndefined();
  });

  it('allows ranges the admin listed, and only those', () => {
    const admin = new AddressPolicy(['127.0.0.0/8', '10.20.0.0/16', 'fd00::/8', '192.168.1.7']);
    expect(admin.refusal('127.0.0.1')).toBeUndefined();
    expect(admin.refusal('::ffff:127.0.0.1')).toBeUndefined();
    expect(admin.refusal('10.20.3.4')).toBeUndefined();
    expect(admin.refusal('fd00::5')).toBeUndefined();
    expect(admin.refusal('192.168.1.7')).toBeUndefined();
    expect(admin.refusal('192.168.1.8')).toBeDefined();
    expect(admin.refusal('10.21.0.1')).toBeDefined();
    expect(admin.refusal('169.254.169.254')).toBeDefined();
    expect(admin.refusal('::1')).toBeDefined();
  });

  it('rejects malformed admin ranges at construction', () => {
    expect(() => new AddressPolicy(['10.0.0.0/33'])).toThrow(/not an IP range/);
    expect(() => new AddressPolicy(['example.com/8'])).toThrow(/not an IP range/);
  });
});

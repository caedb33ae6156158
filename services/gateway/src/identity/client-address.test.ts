import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { clientAddress } from './client-address.js';

const request = (peer: string, forwardedFor?: string) => ({ socket: { remoteAddress: peer }, headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor } }) as unknown as IncomingMessage;

describe('clientAddress', () => {
  it('is the TCP peer when it is a public address, whatever X-Forwarded-For claims', () => {
    expect(clientAddress(request('8.8.8.8', '1.2.3.4'))).toBe('8.8.8.8');
  });

  it('behind our own proxy (loopback or private peer) is the last X-Forwarded-For entry, the one the proxy added', () => {
    expect(clientAddress(request('127.0.0.1', '203.0.113.9, 198.51.100.7'))).toBe('198.51.100.7');
    expect(clientAddress(request('10.0.3.4', '2001:db8::1'))).toBe('2001:db8::1');
    expect(clientAddress(request('::ffff:127.0.0.1'))).toBe('::ffff:127.0.0.1');
  });
});

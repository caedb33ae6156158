import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { PreAuthGuard } from './ws-preauth-guard.js';

describe('PreAuthGuard', () => {
  it('admits up to maxSockets at once; leaving twice frees one place', () => {
    const guard = new PreAuthGuard({ maxSockets: 2, maxBytes: 100 });
    const first = guard.admit();
    const second = guard.admit();
    expect(first && second && guard.admit()).toBeUndefined();
    first!();
    first!();
    expect(guard.unauthenticated).toBe(1);
    expect(guard.admit()).toBeDefined();
    expect(guard.admit()).toBeUndefined();
  });

  it('counts the upgrade head and every chunk, trips once past maxBytes, and stops counting when told', async () => {
    const guard = new PreAuthGuard({ maxSockets: 1, maxBytes: 10 });
    const socket = new PassThrough();
    let tripped = 0;
    guard.countBytes(socket, Buffer.alloc(4), () => tripped++);
    socket.write(Buffer.alloc(6));
    await new Promise((resolve) => setImmediate(resolve));
    expect(tripped).toBe(0);
    socket.write(Buffer.alloc(1));
    socket.write(Buffer.alloc(50));
    await new Promise((resolve) => setImmediate(resolve));
    expect(tripped).toBe(1);

    const quiet = new PassThrough();
    const stop = guard.countBytes(quiet, Buffer.alloc(0), () => tripped++);
    stop();
    quiet.resume();
    quiet.write(Buffer.alloc(100));
    await new Promise((resolve) => setImmediate(resolve));
    expect(tripped).toBe(1);

    guard.countBytes(new PassThrough(), Buffer.alloc(11), () => tripped++);
    await Promise.resolve();
    expect(tripped).toBe(2);
  });
});

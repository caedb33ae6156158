import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { IdleEvictor } from './idle-evictor.js';

describe('IdleEvictor', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('fires once an item has been left alone for idleMs, each touch restarting the clock', () => {
    const idle: string[] = [];
    const evictor = new IdleEvictor<{ id: string }>(1000, (item) => idle.push(item.id));
    const a = { id: 'a' };
    const b = { id: 'b' };
    evictor.touch(a);
    evictor.touch(b);
    vi.advanceTimersByTime(600);
    evictor.touch(a);
    vi.advanceTimersByTime(400);
    expect(idle).toEqual(['b']);
    vi.advanceTimersByTime(599);
    expect(idle).toEqual(['b']);
    vi.advanceTimersByTime(1);
    expect(idle).toEqual(['b', 'a']);
    expect(evictor.size).toBe(0);
  });

  it('forgets cancelled items and does nothing after close', () => {
    const idle: string[] = [];
    const evictor = new IdleEvictor<{ id: string }>(100, (item) => idle.push(item.id));
    const a = { id: 'a' };
    evictor.touch(a);
    evictor.cancel(a);
    evictor.touch({ id: 'b' });
    evictor.close();
    evictor.touch({ id: 'c' });
    vi.advanceTimersByTime(1000);
    expect(idle).toEqual([]);
  });

  it('refuses a non-positive idle time', () => {
    expect(() => new IdleEvictor(0, () => undefined)).toThrow(/positive/);
  });
});

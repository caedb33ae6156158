import { describe, expect, it } from 'vitest';
import { planCapacity, type CapacitySubject } from './capacity.js';

const server = (ownerId: string, lastUsedAt: number, fields: Partial<CapacitySubject> = {}): CapacitySubject => ({
  ownerId,
  lastUsedAt,
  running: true,
  inFlight: 0,
  shared: false,
  ...fields,
});

describe('planCapacity', () => {
  it('evicts nothing below the limits', () => {
    const candidate = server('u1', 0, { running: false });
    expect(planCapacity(candidate, [server('u1', 1), server('u2', 2)], { perUser: 2, global: 3 })).toEqual([]);
  });

  it("evicts the user's least recently used idle server when the user is at the limit", () => {
    const candidate = server('u1', 0, { running: false });
    const older = server('u1', 10);
    const newer = server('u1', 20);
    const busyOldest = server('u1', 5, { inFlight: 1 });
    expect(planCapacity(candidate, [newer, busyOldest, older, server('u2', 1)], { perUser: 3, global: 10 })).toEqual([older]);
  });

  it('evicts the least recently used idle server of anyone when the replica is full', () => {
    const candidate = server('u1', 0, { running: false });
    const othersOld = server('u2', 1);
    expect(planCapacity(candidate, [server('u3', 5), othersOld, server('u1', 3)], { perUser: 5, global: 3 })).toEqual([othersOld]);
  });

  it('refuses when every server in the way is busy', () => {
    const candidate = server('u1', 0, { running: false });
    expect(() => planCapacity(candidate, [server('u1', 1, { inFlight: 2 })], { perUser: 1, global: 10 })).toThrow(/busy/);
    expect(() => planCapacity(candidate, [server('u2', 1, { inFlight: 1 })], { perUser: 5, global: 1 })).toThrow(expect.objectContaining({ code: 'capacity_exhausted' }));
  });

  it('ignores stopped servers and counts shared servers only globally', () => {
    const candidate = server('u1', 0, { running: false });
    const servers = [server('u1', 1, { running: false }), server('*', 2, { shared: true })];
    expect(planCapacity(candidate, servers, { perUser: 1, global: 2 })).toEqual([]);
  });
});

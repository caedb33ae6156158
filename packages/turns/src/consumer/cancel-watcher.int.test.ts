import { createLogger, createRedis } from '@bedrock-mcp/common';
import { createTurnKeys } from '../turn-keys.js';
import { startTestRedis, type TestRedis } from '@bedrock-mcp/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CancelWatcher } from './cancel-watcher.js';

let redis: TestRedis;
let watcher: CancelWatcher;
let subscriber: ReturnType<typeof createRedis>;
const keys = () => createTurnKeys(redis.prefix);

/** What the gateway does on a stop request (TurnAccess.requestStop). */
const requestStop = (turnId: string) =>
  Promise.all([redis.client.set(keys().turnCancel(turnId), '1', 'EX', 60), redis.client.publish(keys().cancelChannel(), turnId)]);

beforeAll(async () => {
  redis = await startTestRedis('cancel-watcher');
  subscriber = createRedis(redis.url, 'test-cancel-sub');
  watcher = new CancelWatcher(subscriber, redis.client, keys(), createLogger({ service: 'test', level: 'silent' }));
  await watcher.start();
});
afterAll(async () => {
  await watcher?.close();
  await redis?.close();
});

describe('CancelWatcher', () => {
  it('calls the listeners of a turn when its stop is published, and only those', async () => {
    const stopped: string[] = [];
    const unwatchA = watcher.watch('turn-a', () => stopped.push('a'));
    const unwatchB = watcher.watch('turn-b', () => stopped.push('b'));
    await requestStop('turn-a');
    await expect.poll(() => stopped).toEqual(['a']);
    unwatchA();
    unwatchB();
    expect(await watcher.isCancelRequested('turn-a')).toBe(true);
    expect(await watcher.isCancelRequested('turn-b')).toBe(false);
  });

  it('sees a stop published while its subscription was down once it reconnects', async () => {
    const stopped: string[] = [];
    const unwatch = watcher.watch('turn-c', () => stopped.push('c'));
    const unwatchIdle = watcher.watch('turn-d', () => stopped.push('d'));
    const closed = new Promise((resolve) => subscriber.once('close', resolve));
    const reconnected = new Promise((resolve) => subscriber.once('ready', resolve));
    subscriber.disconnect(true);
    await closed;
    const [, receivers] = await requestStop('turn-c');
    expect(receivers).toBe(0); // nobody heard it
    await reconnected;
    await expect.poll(() => stopped).toEqual(['c']);
    unwatch();
    unwatchIdle();
  });

  it('reports a stop published before the turn was watched at once, from memory', async () => {
    await requestStop('turn-e');
    // Published messages arrive in order: once a later stop reached its listener, turn-e's had arrived unwatched.
    const marker: string[] = [];
    const unwatchMarker = watcher.watch('turn-e-marker', () => marker.push('marker'));
    await redis.client.publish(keys().cancelChannel(), 'turn-e-marker');
    await expect.poll(() => marker).toEqual(['marker']);
    unwatchMarker();
    const stopped: string[] = [];
    const unwatch = watcher.watch('turn-e', () => stopped.push('e'));
    await Promise.resolve();
    expect(stopped).toEqual(['e']);
    unwatch();
    // Remembered once: a later watch of the same turn is not stopped again from memory.
    const again: string[] = [];
    watcher.watch('turn-e', () => again.push('e'))();
    await Promise.resolve();
    expect(again).toEqual([]);
  });
});

describe('CancelWatcher memory of unwatched stops', () => {
  const silent = createLogger({ service: 'test', level: 'silent' });
  const publish = (target: CancelWatcher, turnId: string) => (target as unknown as { notify(turnId: string): void }).notify(turnId);

  it('forgets a stop after rememberMs, and the oldest past maxRemembered', async () => {
    let now = 1_000;
    const bounded = new CancelWatcher(createRedis(redis.url, 'test-cancel-bounded', { lazyConnect: true }), redis.client, keys(), silent, {
      rememberMs: 5_000,
      maxRemembered: 2,
      now: () => now,
    });
    publish(bounded, 'old');
    now += 6_000;
    const stopped: string[] = [];
    bounded.watch('old', () => stopped.push('old'));
    publish(bounded, 'a');
    publish(bounded, 'b');
    publish(bounded, 'c'); // pushes 'a' out
    for (const turnId of ['a', 'b', 'c']) bounded.watch(turnId, () => stopped.push(turnId));
    await Promise.resolve();
    expect(stopped).toEqual(['b', 'c']);
    await bounded.close();
  });
});

import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { createLogger } from '@bedrock-mcp/common';
import type { ConverseMessage } from '@bedrock-mcp/contracts';
import { startTestRedis, type TestRedis } from '@bedrock-mcp/test-support';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHistoryKeys, type HistoryKeys } from './history-keys.js';
import { HistoryLockTimeoutError } from './history-lock.js';
import { HistoryStore } from './history-store.js';
import type { HistoryStoreOptions } from './history-store-options.js';

/** The contracts' golden stored history: tool uses, a tool result with an image, signed and redacted reasoning, voice text. */
const GOLDEN = JSON.parse(readFileSync(new URL('../../../contracts/fixtures/converse-history.stored.json', import.meta.url), 'utf8')) as ConverseMessage[];
const USER = 'carol';
const user = (text: string): ConverseMessage => ({ role: 'user', content: [{ text }] });
const assistant = (text: string): ConverseMessage => ({ role: 'assistant', content: [{ text }] });
const toolCall = (id: string): ConverseMessage => ({ role: 'assistant', content: [{ toolUse: { toolUseId: id, name: 'echo', input: {} } }] });
const toolAnswer = (id: string): ConverseMessage => ({ role: 'user', content: [{ toolResult: { toolUseId: id, content: [{ text: id }] } }] });

describe('history keys', () => {
  it('are the strings stored histories live under', () => {
    const keys = createHistoryKeys('bmcp:');
    expect([keys.history('u1'), keys.lock('u1'), keys.epoch('u1')]).toEqual(['bmcp:user:{u1}:history', 'bmcp:user:{u1}:history-lock', 'bmcp:user:{u1}:history-epoch']);
  });
});

describe('HistoryStore options', () => {
  it('refuses values that cannot work', () => {
    const logger = createLogger({ service: 'history-test', level: 'silent' });
    expect(() => new HistoryStore({} as never, { logger, maxMessages: 0 })).toThrow(/maxMessages/);
    expect(() => new HistoryStore({} as never, { logger, lockTtlMs: 1.5 })).toThrow(/lockTtlMs/);
    expect(() => new HistoryStore({} as never, { logger, lockWaitMs: -1 })).toThrow(/lockWaitMs/);
  });
});

describe('HistoryStore', () => {
  let redis: TestRedis;
  let keys: HistoryKeys;
  let warnings: Record<string, unknown>[];
  const store = (options: Partial<HistoryStoreOptions> = {}) =>
    new HistoryStore(redis.client, {
      prefix: redis.prefix,
      lockWaitMs: 2000,
      pollMs: 20,
      logger: createLogger({ service: 'history-test', level: 'warn', destination: { write: (line: string) => void warnings.push(JSON.parse(line) as Record<string, unknown>) } }),
      ...options,
    });
  const stored = async (userId = USER) => (await redis.client.lrange(keys.history(userId), 0, -1)).map((json) => JSON.parse(json) as unknown);
  const put = (...messages: unknown[]) => redis.client.rpush(keys.history(USER), ...messages.map((message) => (typeof message === 'string' ? message : JSON.stringify(message))));

  beforeEach(async () => {
    redis = await startTestRedis('history-store');
    keys = createHistoryKeys(redis.prefix);
    warnings = [];
  });
  afterEach(async () => {
    await redis.close();
  });

  describe('load', () => {
    it('reads the golden stored history back unchanged, with its version', async () => {
      await put(...GOLDEN);
      await redis.client.set(keys.epoch(USER), '5');
      expect(await store().load(USER)).toEqual({ messages: GOLDEN, version: { epoch: '5', length: GOLDEN.length } });
      expect(warnings).toEqual([]);
    });

    it('is empty at epoch 0 for a user without a history', async () => {
      expect(await store().load(USER)).toEqual({ messages: [], version: { epoch: '0', length: 0 } });
    });

    it('leaves out unreadable entries with one warning, and seals what is left (a turn never fails on a corrupt entry)', async () => {
      await put(
        'not json',
        { role: 'system', content: [{ text: 'x' }] },
        user('q1'),
        // A turn stopped mid-tool: its unanswered tool use and unsigned reasoning cannot be sent again.
        { role: 'assistant', content: [{ reasoningContent: { reasoningText: { text: 'cut off' } } }, { text: 'a1' }, { toolUse: { toolUseId: 't9', name: 'x', input: {} } }] },
        user('q2'),
      );
      const loaded = await store().load(USER);
      expect(loaded.messages).toEqual([user('q1'), assistant('a1'), user('q2')]);
      // The version counts what is stored, so a save can tell the list was not replaced meanwhile.
      expect(loaded.version).toEqual({ epoch: '0', length: 5 });
      expect(warnings).toMatchObject([{ level: 'warn', userId: USER, invalid: 2, msg: 'dropped unreadable messages from the history' }]);
    });
  });

  describe('loadText', () => {
    it('gives the text of each message that has some, leaving tools, images and reasoning out', async () => {
      await put(...GOLDEN, 'not json', { role: 'user', content: [{ text: '  spaced  ' }, { futureBlock: {} }, { text: 'second part' }] });
      expect(await store().loadText(USER)).toEqual([
        { role: 'user', text: 'What is on this screen, and in the report?' },
        { role: 'assistant', text: 'Let me look.' },
        { role: 'assistant', text: 'A terminal; the report is a quarterly summary.' },
        { role: 'assistant', text: 'That file does not exist.' },
        { role: 'user', text: 'and now by voice' },
        { role: 'assistant', text: 'Hello by voice.' },
        { role: 'user', text: 'spaced\nsecond part' },
      ]);
    });
  });

  describe('lock', () => {
    it('is taken again by the same token (a worker resuming the turn) but waits for another, then times out', async () => {
      const held = await store().lock(USER, 'chatcmpl-a');
      expect(await redis.client.get(keys.lock(USER))).toBe('chatcmpl-a');
      const again = await store().lock(USER, 'chatcmpl-a');
      expect(again.token).toBe('chatcmpl-a');
      const started = Date.now();
      await expect(store({ lockWaitMs: 150 }).lock(USER, 'chatcmpl-b')).rejects.toBeInstanceOf(HistoryLockTimeoutError);
      expect(Date.now() - started).toBeLessThan(1000);
      await held.release();
      again.abandon();
    });

    it('goes to the next turn once released; release is idempotent and never deletes another holder’s lock', async () => {
      const first = await store().lock(USER, 'chatcmpl-a');
      const second = store().lock(USER, 'chatcmpl-b');
      await sleep(80);
      await Promise.all([first.release(), first.release()]);
      const next = await second;
      expect(await redis.client.get(keys.lock(USER))).toBe('chatcmpl-b');
      await first.release();
      expect(await redis.client.get(keys.lock(USER))).toBe('chatcmpl-b');
      await next.release();
      expect(await redis.client.exists(keys.lock(USER))).toBe(0);
    });

    it('is renewed while held, and left to expire once abandoned', async () => {
      const held = await store({ lockTtlMs: 300 }).lock(USER, 'chatcmpl-a');
      await sleep(600);
      expect(await redis.client.get(keys.lock(USER))).toBe('chatcmpl-a');
      held.abandon();
      await sleep(500);
      expect(await redis.client.exists(keys.lock(USER))).toBe(0);
    });

    it('stops waiting when the turn is aborted', async () => {
      const held = await store().lock(USER, 'chatcmpl-a');
      const controller = new AbortController();
      const waiting = store().lock(USER, 'chatcmpl-b', controller.signal);
      controller.abort(new Error('stopped'));
      await expect(waiting).rejects.toMatchObject({ name: 'AbortError' });
      await held.release();
    });
  });

  describe('save', () => {
    it('replaces the history while the turn holds the lock, bumps the epoch and keeps the bound at an exchange start', async () => {
      const history = store({ maxMessages: 4 });
      const held = await history.lock(USER, 'chatcmpl-a');
      const loaded = await history.load(USER);
      const messages = [user('1'), assistant('1'), user('2'), toolCall('x'), toolAnswer('x'), assistant('2')];
      expect(await history.save(USER, held.token, messages, loaded.version)).toBe('saved');
      // 4 would start at toolCall('x'): the cut moves back to user('2') (the latest exchange is kept whole).
      expect(await stored()).toEqual(messages.slice(2));
      expect(await redis.client.get(keys.epoch(USER))).toBe('1');
      await held.release();
    });

    it('writes a long history whole (more messages than one RPUSH slice)', async () => {
      const history = store({ maxMessages: 5000 });
      const held = await history.lock(USER, 'chatcmpl-a');
      const messages = Array.from({ length: 1201 }, (_, index) => (index % 2 === 0 ? user(`q${index}`) : assistant(`a${index}`)));
      expect(await history.save(USER, held.token, messages, (await history.load(USER)).version)).toBe('saved');
      expect(await stored()).toEqual(messages);
      await held.release();
    });

    it('is lock_lost without the lock, and removed_or_changed after a clear, an append or a plain DEL', async () => {
      const history = store();
      await put(user('old'), assistant('old'));
      const held = await history.lock(USER, 'chatcmpl-a');
      const loaded = await history.load(USER);
      expect(await history.save(USER, 'chatcmpl-other', [user('x')], loaded.version)).toBe('lock_lost');

      await redis.client.del(keys.history(USER)); // non-empty when loaded, gone now
      expect(await history.save(USER, held.token, [user('x')], loaded.version)).toBe('removed_or_changed');

      await history.clear(USER); // empty before and after: only the epoch tells
      expect(await history.save(USER, held.token, [user('x')], { epoch: '0', length: 0 })).toBe('removed_or_changed');
      expect(await stored()).toEqual([]);
      await held.release();

      const reloaded = await history.load(USER);
      expect(await history.append(USER, [user('spoken')])).toBe('appended');
      const again = await history.lock(USER, 'chatcmpl-b');
      expect(await history.save(USER, again.token, [user('stale')], reloaded.version)).toBe('removed_or_changed');
      expect(await stored()).toEqual([user('spoken')]);
      await again.release();
    });
  });

  describe('append', () => {
    it('adds messages after the stored ones and bumps the epoch; nothing to add writes nothing', async () => {
      await put(...GOLDEN);
      await redis.client.set(keys.epoch(USER), '7');
      expect(await store().append(USER, [user('next'), assistant('reply')])).toBe('appended');
      expect(await stored()).toEqual([...GOLDEN, user('next'), assistant('reply')]);
      expect(await redis.client.get(keys.epoch(USER))).toBe('8');
      expect(await store().append(USER, [])).toBe('appended');
      expect(await redis.client.get(keys.epoch(USER))).toBe('8');
    });

    it('waits for the lock to be released, and gives up after lockWaitMs with a warning', async () => {
      const held = await store().lock(USER, 'chatcmpl-a');
      const appending = store().append(USER, [user('meanwhile')]);
      await sleep(120);
      expect(await stored()).toEqual([]);
      await held.release();
      expect(await appending).toBe('appended');
      expect(await stored()).toEqual([user('meanwhile')]);

      const stuck = await store().lock(USER, 'chatcmpl-stuck');
      expect(await store({ lockWaitMs: 100 }).append(USER, [user('lost')])).toBe('lock_timeout');
      expect(await stored()).toEqual([user('meanwhile')]);
      expect(warnings).toMatchObject([{ userId: USER, messages: 1 }]);
      await stuck.release();
    });

    it('keeps the newest messages, starting at an exchange', async () => {
      await put(user('q1'), toolCall('t1'), toolAnswer('t1'), assistant('a1'));
      await store({ maxMessages: 4 }).append(USER, [user('q2'), assistant('a2')]);
      expect(await stored()).toEqual([user('q2'), assistant('a2')]);
    });
  });

  describe('clear', () => {
    it('deletes only this user’s history and bumps its epoch', async () => {
      await put(user('mine'));
      await redis.client.rpush(keys.history('dave'), JSON.stringify(user('theirs')));
      await store().clear(USER);
      expect(await redis.client.exists(keys.history(USER))).toBe(0);
      expect(await redis.client.get(keys.epoch(USER))).toBe('1');
      expect(await stored('dave')).toEqual([user('theirs')]);
      expect(await redis.client.exists(keys.epoch('dave'))).toBe(0);
    });
  });
});

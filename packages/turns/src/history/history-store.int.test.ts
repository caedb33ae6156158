import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { createLogger } from '@bedrock-mcp/common';
import type { ConverseMessage } from '@bedrock-mcp/contracts';
import { startTestRedis, type TestRedis } from '@bedrock-mcp/test-support';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHistoryKeys, type HistoryKeys, type HistoryScope } from './history-keys.js';
import { HistoryLockTimeoutError } from './history-lock.js';
import { HistoryStore } from './history-store.js';
import type { HistoryStoreOptions } from './history-store-options.js';

/** The contracts' golden stored history: tool uses, a tool result with an image, signed and redacted reasoning, voice text. */
const GOLDEN = JSON.parse(readFileSync(new URL('../../../contracts/fixtures/converse-history.stored.json', import.meta.url), 'utf8')) as ConverseMessage[];
const USER = 'carol';
/** The user's default conversation (keep_session without a conversation_id, and voice). */
const MINE: HistoryScope = { userId: USER, conversationId: null };
const user = (text: string): ConverseMessage => ({ role: 'user', content: [{ text }] });
const assistant = (text: string): ConverseMessage => ({ role: 'assistant', content: [{ text }] });
const toolCall = (id: string): ConverseMessage => ({ role: 'assistant', content: [{ toolUse: { toolUseId: id, name: 'echo', input: {} } }] });
const toolAnswer = (id: string): ConverseMessage => ({ role: 'user', content: [{ toolResult: { toolUseId: id, content: [{ text: id }] } }] });

describe('history keys', () => {
  it('are the strings stored histories live under', () => {
    const keys = createHistoryKeys('bmcp:');
    expect([keys.history({ userId: 'u1', conversationId: null }), keys.lock({ userId: 'u1', conversationId: null }), keys.epoch({ userId: 'u1', conversationId: null })]).toEqual(['bmcp:user:{u1}:history', 'bmcp:user:{u1}:history-lock', 'bmcp:user:{u1}:history-epoch']);
  });
});

describe('history keys of a named conversation', () => {
  const keys = createHistoryKeys('bmcp:');
  const of = (conversationId: string): HistoryScope => ({ userId: 'u1', conversationId });

  it('put the conversation after the kind, under the user’s hash tag and the worker’s ACL pattern', () => {
    const all = [keys.history(of('c-1')), keys.lock(of('c-1')), keys.epoch(of('c-1'))];
    expect(all).toEqual(['bmcp:user:{u1}:history:conversation:c-1', 'bmcp:user:{u1}:history-lock:conversation:c-1', 'bmcp:user:{u1}:history-epoch:conversation:c-1']);
    // docker-compose.yml / the chart: the agent worker may touch `~<prefix>user:*:history*` only.
    for (const key of all) expect(key).toMatch(/^bmcp:user:\{u1\}:history/);
  });

  it('never coincide with another conversation’s or the default conversation’s keys', () => {
    const scopes = [{ userId: 'u1', conversationId: null }, of('a'), of('a-lock'), of('a-epoch'), of('lock'), of('conversation'), { userId: 'u2', conversationId: 'a' }];
    const all = scopes.flatMap((scope) => [keys.history(scope), keys.lock(scope), keys.epoch(scope)]);
    expect(new Set(all).size).toBe(all.length);
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
  const stored = async (scope: HistoryScope = MINE) => (await redis.client.lrange(keys.history(scope), 0, -1)).map((json) => JSON.parse(json) as unknown);
  const put = (...messages: unknown[]) => redis.client.rpush(keys.history(MINE), ...messages.map((message) => (typeof message === 'string' ? message : JSON.stringify(message))));

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
      await redis.client.set(keys.epoch(MINE), '5');
      expect(await store().load(MINE)).toEqual({ messages: GOLDEN, version: { epoch: '5', length: GOLDEN.length } });
      expect(warnings).toEqual([]);
    });

    it('is empty at epoch 0 for a user without a history', async () => {
      expect(await store().load(MINE)).toEqual({ messages: [], version: { epoch: '0', length: 0 } });
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
      const loaded = await store().load(MINE);
      expect(loaded.messages).toEqual([user('q1'), assistant('a1'), user('q2')]);
      // The version counts what is stored, so a save can tell the list was not replaced meanwhile.
      expect(loaded.version).toEqual({ epoch: '0', length: 5 });
      expect(warnings).toMatchObject([{ level: 'warn', userId: USER, invalid: 2, msg: 'dropped unreadable messages from the history' }]);
    });
  });

  describe('loadText', () => {
    it('gives the text of each message that has some, leaving tools, images and reasoning out', async () => {
      await put(...GOLDEN, 'not json', { role: 'user', content: [{ text: '  spaced  ' }, { futureBlock: {} }, { text: 'second part' }] });
      expect(await store().loadText(MINE)).toEqual([
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
      const held = await store().lock(MINE, 'chatcmpl-a');
      expect(await redis.client.get(keys.lock(MINE))).toBe('chatcmpl-a');
      const again = await store().lock(MINE, 'chatcmpl-a');
      expect(again.token).toBe('chatcmpl-a');
      const started = Date.now();
      await expect(store({ lockWaitMs: 150 }).lock(MINE, 'chatcmpl-b')).rejects.toBeInstanceOf(HistoryLockTimeoutError);
      expect(Date.now() - started).toBeLessThan(1000);
      await held.release();
      again.abandon();
    });

    it('goes to the next turn once released; release is idempotent and never deletes another holder’s lock', async () => {
      const first = await store().lock(MINE, 'chatcmpl-a');
      const second = store().lock(MINE, 'chatcmpl-b');
      await sleep(80);
      await Promise.all([first.release(), first.release()]);
      const next = await second;
      expect(await redis.client.get(keys.lock(MINE))).toBe('chatcmpl-b');
      await first.release();
      expect(await redis.client.get(keys.lock(MINE))).toBe('chatcmpl-b');
      await next.release();
      expect(await redis.client.exists(keys.lock(MINE))).toBe(0);
    });

    it('is renewed while held, and left to expire once abandoned', async () => {
      const held = await store({ lockTtlMs: 300 }).lock(MINE, 'chatcmpl-a');
      await sleep(600);
      expect(await redis.client.get(keys.lock(MINE))).toBe('chatcmpl-a');
      held.abandon();
      await sleep(500);
      expect(await redis.client.exists(keys.lock(MINE))).toBe(0);
    });

    it('stops waiting when the turn is aborted', async () => {
      const held = await store().lock(MINE, 'chatcmpl-a');
      const controller = new AbortController();
      const waiting = store().lock(MINE, 'chatcmpl-b', controller.signal);
      controller.abort(new Error('stopped'));
      await expect(waiting).rejects.toMatchObject({ name: 'AbortError' });
      await held.release();
    });
  });

  describe('save', () => {
    it('replaces the history while the turn holds the lock, bumps the epoch and keeps the bound at an exchange start', async () => {
      const history = store({ maxMessages: 4 });
      const held = await history.lock(MINE, 'chatcmpl-a');
      const loaded = await history.load(MINE);
      const messages = [user('1'), assistant('1'), user('2'), toolCall('x'), toolAnswer('x'), assistant('2')];
      expect(await history.save(MINE, held.token, messages, loaded.version)).toBe('saved');
      // 4 would start at toolCall('x'): the cut moves back to user('2') (the latest exchange is kept whole).
      expect(await stored()).toEqual(messages.slice(2));
      expect(await redis.client.get(keys.epoch(MINE))).toBe('1');
      await held.release();
    });

    it('writes a long history whole (more messages than one RPUSH slice)', async () => {
      const history = store({ maxMessages: 5000 });
      const held = await history.lock(MINE, 'chatcmpl-a');
      const messages = Array.from({ length: 1201 }, (_, index) => (index % 2 === 0 ? user(`q${index}`) : assistant(`a${index}`)));
      expect(await history.save(MINE, held.token, messages, (await history.load(MINE)).version)).toBe('saved');
      expect(await stored()).toEqual(messages);
      await held.release();
    });

    it('is lock_lost without the lock, and removed_or_changed after a clear, an append or a plain DEL', async () => {
      const history = store();
      await put(user('old'), assistant('old'));
      const held = await history.lock(MINE, 'chatcmpl-a');
      const loaded = await history.load(MINE);
      expect(await history.save(MINE, 'chatcmpl-other', [user('x')], loaded.version)).toBe('lock_lost');

      await redis.client.del(keys.history(MINE)); // non-empty when loaded, gone now
      expect(await history.save(MINE, held.token, [user('x')], loaded.version)).toBe('removed_or_changed');

      await history.clear(MINE); // empty before and after: only the epoch tells
      expect(await history.save(MINE, held.token, [user('x')], { epoch: '0', length: 0 })).toBe('removed_or_changed');
      expect(await stored()).toEqual([]);
      await held.release();

      const reloaded = await history.load(MINE);
      expect(await history.append(MINE, [user('spoken')])).toBe('appended');
      const again = await history.lock(MINE, 'chatcmpl-b');
      expect(await history.save(MINE, again.token, [user('stale')], reloaded.version)).toBe('removed_or_changed');
      expect(await stored()).toEqual([user('spoken')]);
      await again.release();
    });
  });

  describe('append', () => {
    it('adds messages after the stored ones and bumps the epoch; nothing to add writes nothing', async () => {
      await put(...GOLDEN);
      await redis.client.set(keys.epoch(MINE), '7');
      expect(await store().append(MINE, [user('next'), assistant('reply')])).toBe('appended');
      expect(await stored()).toEqual([...GOLDEN, user('next'), assistant('reply')]);
      expect(await redis.client.get(keys.epoch(MINE))).toBe('8');
      expect(await store().append(MINE, [])).toBe('appended');
      expect(await redis.client.get(keys.epoch(MINE))).toBe('8');
    });

    it('waits for the lock to be released, and gives up after lockWaitMs with a warning', async () => {
      const held = await store().lock(MINE, 'chatcmpl-a');
      const appending = store().append(MINE, [user('meanwhile')]);
      await sleep(120);
      expect(await stored()).toEqual([]);
      await held.release();
      expect(await appending).toBe('appended');
      expect(await stored()).toEqual([user('meanwhile')]);

      const stuck = await store().lock(MINE, 'chatcmpl-stuck');
      expect(await store({ lockWaitMs: 100 }).append(MINE, [user('lost')])).toBe('lock_timeout');
      expect(await stored()).toEqual([user('meanwhile')]);
      expect(warnings).toMatchObject([{ userId: USER, messages: 1 }]);
      await stuck.release();
    });

    it('keeps the newest messages, starting at an exchange', async () => {
      await put(user('q1'), toolCall('t1'), toolAnswer('t1'), assistant('a1'));
      await store({ maxMessages: 4 }).append(MINE, [user('q2'), assistant('a2')]);
      expect(await stored()).toEqual([user('q2'), assistant('a2')]);
    });
  });

  describe('clear', () => {
    it('deletes only this user’s history and bumps its epoch', async () => {
      await put(user('mine'));
      await redis.client.rpush(keys.history({ userId: 'dave', conversationId: null }), JSON.stringify(user('theirs')));
      await store().clear(MINE);
      expect(await redis.client.exists(keys.history(MINE))).toBe(0);
      expect(await redis.client.get(keys.epoch(MINE))).toBe('1');
      expect(await stored({ userId: 'dave', conversationId: null })).toEqual([user('theirs')]);
      expect(await redis.client.exists(keys.epoch({ userId: 'dave', conversationId: null }))).toBe(0);
    });
  });

  describe('conversations', () => {
    const A: HistoryScope = { userId: USER, conversationId: 'conv-a' };
    const B: HistoryScope = { userId: USER, conversationId: 'conv-b' };

    it('load, save, append and clear each touch only their own conversation; the default one keeps its keys', async () => {
      const history = store();
      for (const [scope, text] of [[MINE, 'default'], [A, 'a'], [B, 'b']] as const) {
        const held = await history.lock(scope, `chatcmpl-${text}`);
        expect(await history.save(scope, held.token, [user(text), assistant(text)], (await history.load(scope)).version)).toBe('saved');
        await held.release();
      }
      expect(await stored(MINE)).toEqual([user('default'), assistant('default')]);
      expect((await history.load(A)).messages).toEqual([user('a'), assistant('a')]);
      expect((await history.load(B)).messages).toEqual([user('b'), assistant('b')]);
      expect(await redis.client.lrange(`${redis.prefix}user:{${USER}}:history:conversation:conv-a`, 0, -1)).toHaveLength(2);

      expect(await history.append(A, [user('more a')])).toBe('appended');
      expect(await history.loadText(A)).toEqual([
        { role: 'user', text: 'a' },
        { role: 'assistant', text: 'a' },
        { role: 'user', text: 'more a' },
      ]);
      expect(await history.loadText(B)).toEqual([
        { role: 'user', text: 'b' },
        { role: 'assistant', text: 'b' },
      ]);

      // Clearing A leaves B and the default conversation; a turn of B that loaded before still saves.
      const heldB = await history.lock(B, 'chatcmpl-b2');
      const loadedB = await history.load(B);
      await history.clear(A);
      expect((await history.load(A)).messages).toEqual([]);
      expect(await history.save(B, heldB.token, [...loadedB.messages, user('b2'), assistant('b2')], loadedB.version)).toBe('saved');
      await heldB.release();
      expect((await history.load(B)).messages).toHaveLength(4);
      expect(await stored(MINE)).toEqual([user('default'), assistant('default')]);

      await history.clear(MINE);
      expect(await stored(MINE)).toEqual([]);
      expect((await history.load(B)).messages).toHaveLength(4);
    });

    it('the same conversation id of another user is another history', async () => {
      const history = store();
      const dave: HistoryScope = { userId: 'dave', conversationId: 'conv-a' };
      expect(await history.append(dave, [user('theirs')])).toBe('appended');
      expect((await history.load(A)).messages).toEqual([]);
      await history.clear(A);
      expect((await history.load(dave)).messages).toEqual([user('theirs')]);
    });

    it('a turn of one conversation does not wait for another’s lock; the same conversation does', async () => {
      const history = store({ lockWaitMs: 150 });
      const heldA = await history.lock(A, 'chatcmpl-a');
      const heldB = await history.lock(B, 'chatcmpl-b');
      const heldDefault = await history.lock(MINE, 'chatcmpl-d');
      expect(await redis.client.get(keys.lock(A))).toBe('chatcmpl-a');
      expect(await redis.client.get(keys.lock(B))).toBe('chatcmpl-b');
      await expect(history.lock(A, 'chatcmpl-a2')).rejects.toBeInstanceOf(HistoryLockTimeoutError);
      // Appending waits for the lock of its own conversation only.
      expect(await history.append(A, [user('x')])).toBe('lock_timeout');
      await heldA.release();
      expect(await history.append(A, [user('x')])).toBe('appended');
      await Promise.all([heldB.release(), heldDefault.release()]);
    });

    it("expire a named conversation's history and epoch HISTORY_CONVERSATION_TTL_S after each write; the default conversation never expires", async () => {
      const named: HistoryScope = { userId: USER, conversationId: 'kept-a-while' };
      const history = store({ conversationTtlSeconds: 3600 });
      const ttls = (scope: HistoryScope) => Promise.all([redis.client.pttl(keys.history(scope)), redis.client.pttl(keys.epoch(scope))]);

      expect(await history.append(named, [user('hi')])).toBe('appended');
      for (const ttl of await ttls(named)) expect(ttl).toBeGreaterThan(3_500_000);
      await redis.client.pexpire(keys.history(named), 1000);
      const held = await history.lock(named, 'chatcmpl-ttl');
      expect(await history.save(named, held.token, [user('hi'), assistant('hello')], (await history.load(named)).version)).toBe('saved');
      await held.release();
      for (const ttl of await ttls(named)) expect(ttl).toBeGreaterThan(3_500_000);

      expect(await history.append(MINE, [user('hi')])).toBe('appended');
      expect(await ttls(MINE)).toEqual([-1, -1]);
      // 0 keeps named conversations for ever too.
      const forever: HistoryScope = { userId: USER, conversationId: 'forever' };
      expect(await store({ conversationTtlSeconds: 0 }).append(forever, [user('hi')])).toBe('appended');
      expect(await ttls(forever)).toEqual([-1, -1]);
    });
  });
});

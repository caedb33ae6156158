import type { Logger } from '@bedrock-mcp/common';
import type { ConversationMessage, ConversationPart } from '@bedrock-mcp/contracts';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConversationCursorError, type ConversationStore, type NewBlob, type StoredConversationSummary } from '../conversations/conversation-store.js';
import { captureLogger } from './capture-logger.js';

/** A backend under test: stores over one shared set of data, plus raw access to it. */
export interface ConversationStoreHarness {
  /** A store over this harness's data; the harness closes it. */
  open(options: { logger: Logger; retentionMs?: number }): ConversationStore;
  /** What is left at rest of the conversation (keys, items, index entries), described; [] when nothing. */
  leftovers(userId: string, conversationId: string): Promise<string[]>;
  /** Overwrites the stored form of message `index` with something that is not a message. */
  corruptMessage(userId: string, conversationId: string, index: number): Promise<void>;
  close(): Promise<void>;
}

const newUserId = () => `user-${randomUUID().slice(0, 8)}`;
const newConversationId = () => `conv-${randomUUID().slice(0, 8)}`;
const newTurnId = () => `chatcmpl-${randomUUID().replaceAll('-', '').slice(0, 12)}`;
let messageSeq = 0;
const newMessageId = () => `msg_${String(++messageSeq).padStart(10, '0')}`;

function userMessage(text: string | undefined, now: number, extra: ConversationPart[] = []): ConversationMessage {
  return { id: newMessageId(), role: 'user', created_at: now, parts: [...(text === undefined ? [] : [{ type: 'text' as const, text }]), ...extra] };
}

function answer(text: string, now: number, extra: ConversationPart[] = []): ConversationMessage {
  return { id: newMessageId(), role: 'assistant', created_at: now, model: 'emulator-model', parts: [{ type: 'text', text }, ...extra], finish_reason: 'end_turn' };
}

function blobOf(data: Buffer, mediaType = 'image/png'): NewBlob {
  return { blobId: createHash('sha256').update(data).digest('hex'), mediaType, data };
}

const imagePart = (blob: NewBlob): ConversationPart => ({ type: 'image', blob: { blob_id: blob.blobId, media_type: blob.mediaType, bytes: blob.data.length } });
const jsonBytes = (message: ConversationMessage) => Buffer.byteLength(JSON.stringify(message));

/** The behaviour every ConversationStore must have, run against a real backend. `startHarness` is called once for the suite. */
export function describeConversationStoreContract(name: string, startHarness: () => Promise<ConversationStoreHarness>): void {
  describe(`${name} (ConversationStore contract)`, () => {
    let harness: ConversationStoreHarness;
    let store: ConversationStore;
    const log = captureLogger();
    let clock = 1_800_000_000_000;
    const tick = () => (clock += 1000);

    beforeAll(async () => {
      harness = await startHarness();
      store = harness.open({ logger: log.logger });
    });
    afterAll(async () => {
      await harness?.close();
    });

    async function turn(userId: string, conversationId: string, text: string, options: { replaceLast?: boolean; reply?: string } = {}) {
      const user = userMessage(text, tick());
      const turnId = newTurnId();
      await store.startTurn(userId, conversationId, {
        turnId,
        message: { ...user, turn_id: turnId },
        blobs: [],
        model: 'emulator-model',
        mcpServerIds: ['everything'],
        replaceLast: options.replaceLast ?? false,
        now: clock,
      });
      return store.finishTurn(userId, conversationId, { message: { ...answer(options.reply ?? `answer to ${text}`, tick()), turn_id: turnId }, blobs: [], now: clock });
    }

    async function listAll(userId: string, limit: number, query?: string): Promise<{ ids: string[]; pages: number }> {
      const ids: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await store.list(userId, { limit, ...(cursor ? { cursor } : {}), ...(query ? { query } : {}) });
        pages += 1;
        expect(page.conversations.length).toBeLessThanOrEqual(limit);
        ids.push(...page.conversations.map((summary) => summary.id));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      return { ids, pages };
    }

    it('creates, reads and lists newest first; a second create of an id is refused', async () => {
      const userId = newUserId();
      expect(await store.list(userId, { limit: 10 })).toEqual({ conversations: [], nextCursor: null });
      const createdAt = tick();
      const first = await store.create(userId, 'first', { model: 'model-a', mcpServerIds: ['everything'] }, createdAt);
      const expected: StoredConversationSummary = {
        id: 'first',
        title: 'New conversation',
        title_source: 'first_message',
        created_at: createdAt,
        updated_at: createdAt,
        model: 'model-a',
        mcp_server_ids: ['everything'],
        message_count: 0,
        size_bytes: 0,
      };
      expect(first).toEqual(expected);
      expect(await store.summary(userId, 'first')).toEqual(expected);
      expect(await store.get(userId, 'first', { messageLimit: 200 })).toEqual({ summary: expected, messages: [], firstIndex: 0 });
      expect(await store.create(userId, 'second', { title: 'Named' }, tick())).toMatchObject({ title: 'Named', title_source: 'user', model: null, mcp_server_ids: [] });
      await store.create(userId, 'third', {}, tick());
      expect(await store.create(userId, 'first', { title: 'again' }, tick())).toBeUndefined();
      expect((await store.summary(userId, 'first'))?.title).toBe('New conversation');
      const page = await store.list(userId, { limit: 10 });
      expect(page.conversations.map((summary) => summary.id)).toEqual(['third', 'second', 'first']);
      expect(page.nextCursor).toBeNull();
      expect(await store.summary(userId, 'missing')).toBeUndefined();
      expect(await store.get(userId, 'missing', { messageLimit: 10 })).toBeUndefined();
    });

    it('pages with cursors through ties and deep pages, each conversation exactly once, in the full order', async () => {
      const userId = newUserId();
      const base = tick();
      // 3 conversations share each updated_at: the order must hold across page boundaries inside a tie.
      for (let index = 0; index < 60; index += 1) await store.create(userId, `c-${String(index).padStart(3, '0')}`, {}, base + Math.floor(index / 3));
      const full = (await store.list(userId, { limit: 100 })).conversations.map((summary) => summary.id);
      expect(full).toHaveLength(60);
      expect(full.slice(0, 3).sort()).toEqual(['c-057', 'c-058', 'c-059']);
      for (const limit of [1, 2, 7, 59, 60]) {
        const walked = await listAll(userId, limit);
        expect(walked.ids, `limit ${limit}`).toEqual(full);
        expect(walked.pages).toBe(Math.ceil(60 / limit));
      }
    });

    it('refuses a cursor it did not make', async () => {
      const userId = newUserId();
      for (const cursor of ['garbage!', Buffer.from('12:not an id').toString('base64url'), Buffer.from('x:conv').toString('base64url'), '']) {
        if (cursor === '') continue;
        await expect(store.list(userId, { limit: 5, cursor })).rejects.toBeInstanceOf(ConversationCursorError);
      }
    });

    it('searches titles, message text and tool results, case-insensitively, with paging', async () => {
      const userId = newUserId();
      await store.create(userId, 'titled', { title: 'Quarterly Budget review' }, tick());
      await turn(userId, 'by-message', 'What is the capital of Mongolia?', { reply: 'It is Ulaanbaatar.' });
      const toolPart: ConversationPart = {
        type: 'tool_call',
        tool_use_id: 'tool-1',
        name: 'everything__echo',
        input: { message: 'x' },
        status: 'done',
        result: { content: [{ type: 'text', text: 'Echo: ZEBRA crossing' }], is_error: false },
      };
      const turnId = newTurnId();
      await store.startTurn(userId, 'by-tool', { turnId, message: userMessage('run the tool', tick()), blobs: [], model: 'm', mcpServerIds: [], replaceLast: false, now: clock });
      await store.finishTurn(userId, 'by-tool', { message: answer('done', tick(), [toolPart]), blobs: [], now: clock });
      await store.create(userId, 'other', {}, tick());

      const search = async (query: string) => (await store.list(userId, { limit: 10, query })).conversations.map((summary) => summary.id);
      expect(await search('budget')).toEqual(['titled']);
      expect(await search('QUARTERLY BUDGET')).toEqual(['titled']);
      expect(await search('mongolia')).toEqual(['by-message']);
      expect(await search('ulaanbaatar')).toEqual(['by-message']);
      expect(await search('zebra')).toEqual(['by-tool']);
      expect(await store.list(userId, { limit: 10, query: 'no such words anywhere' })).toEqual({ conversations: [], nextCursor: null });

      const many = newUserId();
      for (let index = 0; index < 30; index += 1) {
        if (index % 5 === 0) await store.create(many, `plain-${index}`, {}, tick());
        else await turn(many, `hit-${index}`, `Needle number ${index}`);
      }
      const walked = await listAll(many, 5, 'NEEDLE');
      expect(walked.ids).toHaveLength(24);
      expect(new Set(walked.ids).size).toBe(24);
      expect(walked.ids.every((id) => id.startsWith('hit-'))).toBe(true);
      expect(walked.ids).toEqual((await store.list(many, { limit: 100 })).conversations.map((summary) => summary.id).filter((id) => id.startsWith('hit-')));
    });

    it('renames and changes model and servers; a rename moves the conversation to the top', async () => {
      const userId = newUserId();
      await store.create(userId, 'old', {}, tick());
      await store.create(userId, 'new', {}, tick());
      const at = tick();
      expect(await store.update(userId, 'old', { title: 'Renamed', model: 'model-b', mcpServerIds: ['a', 'b'] }, at)).toMatchObject({
        id: 'old',
        title: 'Renamed',
        title_source: 'user',
        model: 'model-b',
        mcp_server_ids: ['a', 'b'],
        updated_at: at,
      });
      expect((await store.list(userId, { limit: 10 })).conversations.map((summary) => summary.id)).toEqual(['old', 'new']);
      expect(await store.update(userId, 'new', { model: 'model-c' }, tick())).toMatchObject({ title: 'New conversation', title_source: 'first_message', model: 'model-c' });
      expect(await store.update(userId, 'missing', { title: 'x' }, tick())).toBeUndefined();
      expect(await store.summary(userId, 'missing')).toBeUndefined();
    });

    it('titles: the first message, then the model, never over the user', async () => {
      const userId = newUserId();
      const long = 'Please explain how the tides depend on the moon and the sun, in detail, with examples';
      await turn(userId, 'long', long);
      const title = (await store.summary(userId, 'long'))!.title;
      expect(title).toBe('Please explain how the tides depend on the moon and the sun,…');
      expect(title.length).toBeLessThanOrEqual(61);
      expect((await store.summary(userId, 'long'))!.title_source).toBe('first_message');
      // A later message does not retitle.
      await turn(userId, 'long', 'and the wind?');
      expect((await store.summary(userId, 'long'))!.title).toBe(title);

      const image = blobOf(randomBytes(64));
      await store.startTurn(userId, 'no-text', { turnId: newTurnId(), message: userMessage(undefined, tick(), [imagePart(image)]), blobs: [image], model: 'm', mcpServerIds: [], replaceLast: false, now: clock });
      expect((await store.summary(userId, 'no-text'))!.title).toBe('New conversation');

      // An untitled created conversation takes its first message's words.
      await store.create(userId, 'created', {}, tick());
      await turn(userId, 'created', 'Short question');
      expect((await store.summary(userId, 'created'))!.title).toBe('Short question');

      expect(await store.setTitle(userId, 'long', 'Tides and the moon', 'model')).toBe(true);
      expect(await store.summary(userId, 'long')).toMatchObject({ title: 'Tides and the moon', title_source: 'model' });
      await store.update(userId, 'long', { title: 'My tides' }, tick());
      expect(await store.setTitle(userId, 'long', 'Model again', 'model')).toBe(false);
      expect(await store.summary(userId, 'long')).toMatchObject({ title: 'My tides', title_source: 'user' });
      await turn(userId, 'long', 'more');
      expect((await store.summary(userId, 'long'))!.title).toBe('My tides');
      expect(await store.setTitle(userId, 'missing', 'x', 'model')).toBe(false);
      expect(await store.summary(userId, 'missing')).toBeUndefined();

      // A conversation created with the user's title keeps it through its first message.
      await store.create(userId, 'named', { title: 'Named by me' }, tick());
      await turn(userId, 'named', 'first words');
      expect((await store.summary(userId, 'named'))!.title).toBe('Named by me');
    });

    it('records turns: user message at start, answer at finish, counts, bytes, model and servers', async () => {
      const userId = newUserId();
      const conversationId = newConversationId();
      const turnId = newTurnId();
      const user = { ...userMessage('hello there', tick()), turn_id: turnId };
      const started = await store.startTurn(userId, conversationId, { turnId, message: user, blobs: [], model: 'model-x', mcpServerIds: ['srv-1'], replaceLast: false, now: clock });
      expect(started).toMatchObject({ id: conversationId, created_at: clock, updated_at: clock, model: 'model-x', mcp_server_ids: ['srv-1'], message_count: 1, size_bytes: jsonBytes(user) });
      const reply: ConversationMessage = {
        ...answer('general kenobi', tick(), [{ type: 'thinking', text: 'greeting', redacted: false }]),
        turn_id: turnId,
        usage: { inputTokens: 10, outputTokens: 5, totalTokens: 15 },
      };
      const finished = await store.finishTurn(userId, conversationId, { message: reply, blobs: [], now: clock });
      expect(finished).toMatchObject({ message_count: 2, updated_at: clock, size_bytes: jsonBytes(user) + jsonBytes(reply) });
      expect((await store.get(userId, conversationId, { messageLimit: 200 }))?.messages).toEqual([user, reply]);
    });

    it('replace_last: edit-and-resend and regenerate drop the last exchange, its bytes and its search text', async () => {
      const userId = newUserId();
      const conversationId = newConversationId();
      await turn(userId, conversationId, 'first question', { reply: 'first answer' });
      await turn(userId, conversationId, 'second question with a typo', { reply: 'octopus answer' });
      const before = (await store.get(userId, conversationId, { messageLimit: 200 }))!;
      expect(before.messages).toHaveLength(4);

      // Edit-and-resend: a new user message replaces the last one and its answer.
      await turn(userId, conversationId, 'second question, fixed', { replaceLast: true, reply: 'better answer' });
      const edited = (await store.get(userId, conversationId, { messageLimit: 200 }))!;
      expect(edited.messages.map(textOf)).toEqual(['first question', 'first answer', 'second question, fixed', 'better answer']);
      expect(edited.messages.slice(0, 2)).toEqual(before.messages.slice(0, 2));
      expect(edited.summary.message_count).toBe(4);
      expect(edited.summary.size_bytes).toBe(edited.messages.reduce((sum, message) => sum + jsonBytes(message), 0));
      expect((await store.list(userId, { limit: 5, query: 'octopus' })).conversations).toEqual([]);
      expect((await store.list(userId, { limit: 5, query: 'typo' })).conversations).toEqual([]);
      expect((await store.list(userId, { limit: 5, query: 'better answer' })).conversations.map((summary) => summary.id)).toEqual([conversationId]);
      expect((await store.list(userId, { limit: 5, query: 'first answer' })).conversations.map((summary) => summary.id)).toEqual([conversationId]);

      // Regenerate: the same user message again, a new answer.
      await turn(userId, conversationId, 'second question, fixed', { replaceLast: true, reply: 'regenerated answer' });
      expect((await store.get(userId, conversationId, { messageLimit: 200 }))!.messages.map(textOf)).toEqual([
        'first question',
        'first answer',
        'second question, fixed',
        'regenerated answer',
      ]);

      // Replacing the only exchange (its answer never came) leaves just the new message, titled by it.
      const single = newConversationId();
      await store.startTurn(userId, single, { turnId: newTurnId(), message: userMessage('typo questoin', tick()), blobs: [], model: 'm', mcpServerIds: [], replaceLast: false, now: clock });
      await store.startTurn(userId, single, { turnId: newTurnId(), message: userMessage('typo question', tick()), blobs: [], model: 'm', mcpServerIds: [], replaceLast: true, now: clock });
      const replaced = (await store.get(userId, single, { messageLimit: 200 }))!;
      expect(replaced.messages.map(textOf)).toEqual(['typo question']);
      expect(replaced.summary).toMatchObject({ title: 'typo question', message_count: 1 });

      // replace_last on a new conversation is a plain first message.
      const fresh = newConversationId();
      await turn(userId, fresh, 'brand new', { replaceLast: true });
      expect((await store.get(userId, fresh, { messageLimit: 200 }))!.messages.map(textOf)).toEqual(['brand new', 'answer to brand new']);
    });

    it('finishTurn after delete writes nothing and does not bring the conversation back', async () => {
      const userId = newUserId();
      const conversationId = newConversationId();
      const turnId = newTurnId();
      await store.startTurn(userId, conversationId, { turnId, message: userMessage('doomed', tick()), blobs: [], model: 'm', mcpServerIds: [], replaceLast: false, now: clock });
      expect(await store.delete(userId, conversationId)).toBe(true);
      const image = blobOf(randomBytes(128));
      expect(await store.finishTurn(userId, conversationId, { message: answer('too late', tick(), [imagePart(image)]), blobs: [image], now: clock })).toBeUndefined();
      expect(await store.get(userId, conversationId, { messageLimit: 10 })).toBeUndefined();
      expect((await store.list(userId, { limit: 10 })).conversations).toEqual([]);
      expect(await store.getBlob(userId, conversationId, image.blobId)).toBeUndefined();
      expect(await harness.leftovers(userId, conversationId)).toEqual([]);
    });

    it('keeps blobs byte for byte, once per conversation, and counts new bytes only', async () => {
      const userId = newUserId();
      const conversationId = newConversationId();
      const small = blobOf(Buffer.from([0x00, 0xff, 0xfe, 0x80, 0x0a, 0x0d, 0x00]), 'image/png');
      const big = blobOf(randomBytes(450 * 1024), 'application/pdf');
      const user = userMessage('look at these', tick(), [imagePart(small), { type: 'document', name: 'big.pdf', format: 'pdf', blob: { blob_id: big.blobId, media_type: big.mediaType, bytes: big.data.length } }]);
      const started = await store.startTurn(userId, conversationId, { turnId: newTurnId(), message: user, blobs: [small, big], model: 'm', mcpServerIds: [], replaceLast: false, now: clock });
      expect(started.size_bytes).toBe(jsonBytes(user) + small.data.length + big.data.length);

      const fresh = blobOf(randomBytes(300), 'image/jpeg');
      const reply = answer('the same image again, and one more', tick(), [imagePart(small), imagePart(fresh)]);
      const finished = await store.finishTurn(userId, conversationId, { message: reply, blobs: [small, fresh], now: clock });
      expect(finished?.size_bytes).toBe(jsonBytes(user) + small.data.length + big.data.length + jsonBytes(reply) + fresh.data.length);

      for (const blob of [small, big, fresh]) {
        const stored = await store.getBlob(userId, conversationId, blob.blobId);
        expect(stored?.mediaType).toBe(blob.mediaType);
        expect(stored?.data.equals(blob.data)).toBe(true);
      }
      expect(await store.getBlob(userId, conversationId, blobOf(Buffer.from('never stored')).blobId)).toBeUndefined();
      expect(await store.getBlob(userId, conversationId, 'not-a-blob-id')).toBeUndefined();
      // The same bytes in another conversation are that conversation's own copy.
      expect(await store.getBlob(userId, newConversationId(), small.blobId)).toBeUndefined();
    });

    it('keeps a message far over 400 KB (a long tool result) whole, also through replace_last and delete', async () => {
      const userId = newUserId();
      const conversationId = newConversationId();
      // Multi-byte characters and surrogate pairs, so a split in the wrong place would show.
      const huge = 'é😀 tide line '.repeat(60_000);
      const toolPart: ConversationPart = {
        type: 'tool_call',
        tool_use_id: 'tool-big',
        name: 'files__read',
        input: { path: 'big.txt' },
        status: 'done',
        result: { content: [{ type: 'text', text: huge }], is_error: false },
      };
      await turn(userId, conversationId, 'small first');
      const user = userMessage('read the big file', tick());
      await store.startTurn(userId, conversationId, { turnId: newTurnId(), message: user, blobs: [], model: 'm', mcpServerIds: [], replaceLast: false, now: clock });
      const reply = answer('here it is', tick(), [toolPart]);
      const finished = await store.finishTurn(userId, conversationId, { message: reply, blobs: [], now: clock });
      expect(jsonBytes(reply)).toBeGreaterThan(1_000_000);
      const read = (await store.get(userId, conversationId, { messageLimit: 10 }))!;
      expect(read.messages.slice(2)).toEqual([user, reply]);
      expect(finished?.size_bytes).toBe(read.messages.reduce((sum, message) => sum + jsonBytes(message), 0));
      expect((await store.get(userId, conversationId, { messageLimit: 1, before: 4 }))!.messages).toEqual([reply]);

      await turn(userId, conversationId, 'small again', { replaceLast: true });
      const replaced = (await store.get(userId, conversationId, { messageLimit: 10 }))!;
      expect(replaced.messages.map(textOf)).toEqual(['small first', 'answer to small first', 'small again', 'answer to small again']);
      expect(replaced.summary.size_bytes).toBe(replaced.messages.reduce((sum, message) => sum + jsonBytes(message), 0));

      await store.finishTurn(userId, conversationId, { message: reply, blobs: [], now: tick() });
      expect(await store.delete(userId, conversationId)).toBe(true);
      expect(await harness.leftovers(userId, conversationId)).toEqual([]);
    });

    it('delete removes the conversation, its messages, blobs and index entry, and nothing else', async () => {
      const userId = newUserId();
      const image = blobOf(randomBytes(1024));
      await store.startTurn(userId, 'gone', { turnId: newTurnId(), message: userMessage('bye', tick(), [imagePart(image)]), blobs: [image], model: 'm', mcpServerIds: [], replaceLast: false, now: clock });
      await store.finishTurn(userId, 'gone', { message: answer('ok', tick()), blobs: [], now: clock });
      await turn(userId, 'kept', 'stay');
      expect((await harness.leftovers(userId, 'gone')).length).toBeGreaterThan(0);

      expect(await store.delete(userId, 'gone')).toBe(true);
      expect(await harness.leftovers(userId, 'gone')).toEqual([]);
      expect(await store.get(userId, 'gone', { messageLimit: 10 })).toBeUndefined();
      expect(await store.getBlob(userId, 'gone', image.blobId)).toBeUndefined();
      expect((await store.list(userId, { limit: 10 })).conversations.map((summary) => summary.id)).toEqual(['kept']);
      expect(await store.delete(userId, 'gone')).toBe(false);
      expect((await store.get(userId, 'kept', { messageLimit: 10 }))?.messages).toHaveLength(2);

      // A deleted id starts over as a new conversation.
      await turn(userId, 'gone', 'again');
      expect((await store.get(userId, 'gone', { messageLimit: 10 }))?.messages.map(textOf)).toEqual(['again', 'answer to again']);
    });

    it('keeps users apart, also for the same conversation id', async () => {
      const alice = newUserId();
      const bob = newUserId();
      const image = blobOf(randomBytes(256));
      await store.startTurn(alice, 'shared-id', { turnId: newTurnId(), message: userMessage('alice secret plans', tick(), [imagePart(image)]), blobs: [image], model: 'm', mcpServerIds: [], replaceLast: false, now: clock });

      expect(await store.list(bob, { limit: 10 })).toEqual({ conversations: [], nextCursor: null });
      expect((await store.list(bob, { limit: 10, query: 'secret' })).conversations).toEqual([]);
      expect(await store.get(bob, 'shared-id', { messageLimit: 10 })).toBeUndefined();
      expect(await store.summary(bob, 'shared-id')).toBeUndefined();
      expect(await store.getBlob(bob, 'shared-id', image.blobId)).toBeUndefined();
      expect(await store.update(bob, 'shared-id', { title: 'hijacked' }, tick())).toBeUndefined();
      expect(await store.setTitle(bob, 'shared-id', 'hijacked', 'model')).toBe(false);
      expect(await store.finishTurn(bob, 'shared-id', { message: answer('injected', tick()), blobs: [], now: clock })).toBeUndefined();
      expect(await store.delete(bob, 'shared-id')).toBe(false);

      await turn(bob, 'shared-id', 'bob own words');
      expect((await store.get(bob, 'shared-id', { messageLimit: 10 }))?.messages.map(textOf)).toEqual(['bob own words', 'answer to bob own words']);
      const alices = (await store.get(alice, 'shared-id', { messageLimit: 10 }))!;
      expect(alices.messages.map(textOf)).toEqual(['alice secret plans']);
      expect(alices.summary.title).toBe('alice secret plans');
      expect((await store.getBlob(alice, 'shared-id', image.blobId))?.data.equals(image.data)).toBe(true);
      expect(await store.delete(bob, 'shared-id')).toBe(true);
      expect(await store.summary(alice, 'shared-id')).toBeDefined();
    });

    it('forgets a conversation untouched for the retention: not listed, not readable', async () => {
      const retentionMs = 400;
      const short = harness.open({ logger: log.logger, retentionMs });
      const userId = newUserId();
      const image = blobOf(randomBytes(64));
      await short.startTurn(userId, 'old', { turnId: newTurnId(), message: userMessage('expiring words', Date.now(), [imagePart(image)]), blobs: [image], model: 'm', mcpServerIds: [], replaceLast: false, now: Date.now() });
      await short.create(userId, 'created-old', {}, Date.now());
      await sleep(retentionMs + 300);
      await short.create(userId, 'recent', {}, Date.now());
      expect((await short.list(userId, { limit: 10 })).conversations.map((summary) => summary.id)).toEqual(['recent']);
      expect((await short.list(userId, { limit: 10, query: 'expiring' })).conversations).toEqual([]);
      expect(await short.get(userId, 'old', { messageLimit: 10 })).toBeUndefined();
      expect(await short.summary(userId, 'created-old')).toBeUndefined();
      expect(await short.getBlob(userId, 'old', image.blobId)).toBeUndefined();
      expect(await short.finishTurn(userId, 'old', { message: answer('late', Date.now()), blobs: [], now: Date.now() })).toBeUndefined();
      // Its id starts over.
      const restarted = await short.startTurn(userId, 'old', { turnId: newTurnId(), message: userMessage('fresh start', Date.now()), blobs: [], model: 'm', mcpServerIds: [], replaceLast: false, now: Date.now() });
      expect(restarted).toMatchObject({ message_count: 1, title: 'fresh start' });
      expect((await short.get(userId, 'old', { messageLimit: 10 }))?.messages.map(textOf)).toEqual(['fresh start']);
    });

    it('pages messages from the end (message_limit, before, first_index)', async () => {
      const userId = newUserId();
      const conversationId = newConversationId();
      for (let index = 0; index < 12; index += 1) await turn(userId, conversationId, `q${index}`, { reply: `a${index}` });
      const texts = Array.from({ length: 12 }, (_, index) => [`q${index}`, `a${index}`]).flat();
      const last = (await store.get(userId, conversationId, { messageLimit: 10 }))!;
      expect(last.summary.message_count).toBe(24);
      expect(last.firstIndex).toBe(14);
      expect(last.messages.map(textOf)).toEqual(texts.slice(14));
      const earlier = (await store.get(userId, conversationId, { messageLimit: 10, before: 14 }))!;
      expect(earlier.firstIndex).toBe(4);
      expect(earlier.messages.map(textOf)).toEqual(texts.slice(4, 14));
      const first = (await store.get(userId, conversationId, { messageLimit: 10, before: 4 }))!;
      expect(first.firstIndex).toBe(0);
      expect(first.messages.map(textOf)).toEqual(texts.slice(0, 4));
      expect((await store.get(userId, conversationId, { messageLimit: 3, before: 1000 }))!.messages.map(textOf)).toEqual(texts.slice(21));
      expect((await store.get(userId, conversationId, { messageLimit: 5, before: 0 }))!.messages).toEqual([]);
      expect((await store.get(userId, conversationId, { messageLimit: 100 }))!.firstIndex).toBe(0);
    });

    it('skips a corrupt message with a warning naming the conversation', async () => {
      const userId = newUserId();
      const conversationId = newConversationId();
      await turn(userId, conversationId, 'one', { reply: 'two' });
      await turn(userId, conversationId, 'three', { reply: 'four' });
      await harness.corruptMessage(userId, conversationId, 1);
      await harness.corruptMessage(userId, conversationId, 0);
      const before = log.lines.length;
      const read = (await store.get(userId, conversationId, { messageLimit: 10 }))!;
      expect(read.messages.map(textOf)).toEqual(['three', 'four']);
      expect(read.firstIndex).toBe(2);
      const warnings = log.lines.slice(before).filter((line) => line.level === 'warn');
      expect(warnings).toHaveLength(2);
      expect(warnings.every((line) => line.conversationId === conversationId && line.userId === userId)).toBe(true);
      // The conversation still takes turns.
      await turn(userId, conversationId, 'five');
      expect((await store.get(userId, conversationId, { messageLimit: 10 }))!.messages.map(textOf)).toEqual(['three', 'four', 'five', 'answer to five']);
    });

    it('pings, closes idempotently, and refuses calls once closed', async () => {
      const own = harness.open({ logger: log.logger });
      await expect(own.ping()).resolves.toBeUndefined();
      await Promise.all([own.close(), own.close()]);
      await expect(own.list(newUserId(), { limit: 1 })).rejects.toThrow(/closed/);
    });
  });
}

function textOf(message: ConversationMessage): string {
  return message.parts.flatMap((part) => (part.type === 'text' ? [part.text] : [])).join('');
}

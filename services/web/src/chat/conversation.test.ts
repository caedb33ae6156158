import { describe, expect, it } from 'vitest';
import { emptyConversation, lastExchange, reduceConversation, type ConversationMessage, type UserChatMessage } from './conversation.js';
import type { StreamEvent } from '@bedrock-mcp/contracts';
import { storedToChatMessages } from './stored-conversation.js';
import { createTurn, turnText } from './turn-reducer.js';

const question = (id: string): UserChatMessage => ({ id, role: 'user', text: id, attachments: [] });
const answer = (id: string): ConversationMessage => ({ id, role: 'assistant', turn: { ...createTurn(id), status: 'done' } });

describe('reduceConversation', () => {
  const base = { ...emptyConversation('c-1'), messages: [question('q1'), answer('a1'), question('q2'), answer('a2')], firstIndex: 4 };

  it('replaces the last exchange when the message is sent with replaceLast (edit and resend, regenerate)', () => {
    const next = reduceConversation(base, { type: 'send', message: question('q2-edited'), requestId: 'r3', replaceLast: true });
    expect(next.messages.map((message) => message.id)).toEqual(['q1', 'a1', 'q2-edited', 'a-r3']);
    const appended = reduceConversation(base, { type: 'send', message: question('q3'), requestId: 'r4' });
    expect(appended.messages.map((message) => message.id)).toEqual(['q1', 'a1', 'q2', 'a2', 'q3', 'a-r4']);
  });

  it('puts earlier messages before the loaded ones (once each) and keeps how many are still on the server', () => {
    const next = reduceConversation(base, { type: 'prepend', messages: [question('q0'), answer('a0'), question('q1')], firstIndex: 2 });
    expect(next.messages.map((message) => message.id)).toEqual(['q0', 'a0', 'q1', 'a1', 'q2', 'a2']);
    expect(next.firstIndex).toBe(2);
  });

  it("puts another device's question before the answer this page follows, once, and leaves the streaming answer as it is", () => {
    const following: ConversationMessage = { id: 'a-chatcmpl-x', role: 'assistant', turn: { ...createTurn('resume-chatcmpl-x'), turnId: 'chatcmpl-x', status: 'streaming', lastSeq: 7 } };
    const state = { ...base, messages: [...base.messages, following] };
    const next = reduceConversation(state, { type: 'question', turnId: 'chatcmpl-x', message: question('q3') });
    expect(next.messages.map((message) => message.id)).toEqual(['q1', 'a1', 'q2', 'a2', 'q3', 'a-chatcmpl-x']);
    expect(next.messages.at(-1)).toBe(following);
    expect(reduceConversation(next, { type: 'question', turnId: 'chatcmpl-x', message: question('q3') })).toBe(next);
    expect(reduceConversation(base, { type: 'question', turnId: 'chatcmpl-unknown', message: question('q9') })).toBe(base);
  });

  it('keeps the ids of the messages shown when the same conversation is re-read, so an answer just streamed is not drawn again', () => {
    const streamed = { ...base, messages: [...base.messages, question('local-q3'), answer('a-r5')] };
    const stored = { ...base, firstIndex: 2, messages: [question('q0'), answer('a0'), question('q1'), answer('a1'), question('q2'), answer('a2'), question('msg_q3'), answer('msg_a3')] };
    const next = reduceConversation(streamed, { type: 'restore', conversation: stored });
    expect(next.messages.map((message) => message.id)).toEqual(['q0', 'a0', 'q1', 'a1', 'q2', 'a2', 'local-q3', 'a-r5']);
    expect(next.messages.at(-1)).toEqual({ ...stored.messages.at(-1), id: 'a-r5' });
    expect(next.firstIndex).toBe(2);
    // Another conversation, or a message of another role at that place, keeps the stored ids.
    expect(reduceConversation(streamed, { type: 'restore', conversation: { ...stored, id: 'c-2' } }).messages.at(-2)!.id).toBe('msg_q3');
    const shifted = { ...stored, firstIndex: 3 };
    expect(reduceConversation(streamed, { type: 'restore', conversation: shifted }).messages.map((message) => message.id)).toEqual(stored.messages.map((message) => message.id));
  });

  it("leaves a stored answer as it is when its own turn's events arrive late (a replay begun while the page still followed the turn)", () => {
    const turnId = 'chatcmpl-late1234';
    const stored = storedToChatMessages(
      [
        { id: 'msg_q', role: 'user', created_at: 1, turn_id: turnId, parts: [{ type: 'text', text: 'And the best season?' }] },
        { id: 'msg_a', role: 'assistant', created_at: 2, turn_id: turnId, parts: [{ type: 'text', text: 'Spring or autumn.' }], finish_reason: 'end_turn' },
      ],
      (blobId) => blobId,
    );
    const recorded = reduceConversation(base, { type: 'restore', conversation: { ...base, messages: [...base.messages, ...stored] } });
    const replay: StreamEvent[] = [
      { type: 'start', model: 'm', userId: 'u', turnId, seq: 1, ts: 1 },
      { type: 'round_start', round: 1, turnId, seq: 2, ts: 2 },
      { type: 'text_delta', text: 'Spring or autumn.', turnId, seq: 3, ts: 3 },
      { type: 'done', finishReason: 'end_turn', turnId, seq: 4, ts: 4 },
    ];
    const next = reduceConversation(recorded, { type: 'events', events: replay });
    expect(next).toBe(recorded);
    const last = next.messages.at(-1);
    expect(last?.role === 'assistant' && turnText(last.turn)).toBe('Spring or autumn.');
  });

  it('finds the last question and its answer', () => {
    expect(lastExchange(base)).toMatchObject({ question: { id: 'q2' }, answer: { requestId: 'a2' } });
    expect(lastExchange({ ...base, messages: [question('q1')] })).toEqual({ question: question('q1'), answer: undefined });
    expect(lastExchange(emptyConversation())).toEqual({ question: undefined, answer: undefined });
  });
});

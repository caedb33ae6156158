import { describe, expect, it } from 'vitest';
import { ConversationMessageSchema, answerFromEvents, type BlobRef, type StreamEvent, type StreamEventDraft } from './index.js';

const turnId = 'chatcmpl-answer-test';
let seq = 0;
type Body = StreamEventDraft extends infer E ? (E extends StreamEventDraft ? Omit<E, 'turnId'> : never) : never;
const events = (...drafts: Body[]): StreamEvent[] => drafts.map((draft) => ({ ...draft, turnId, seq: ++seq, ts: 1 }) as StreamEvent);
/** A fake blob keeper: the id is the bytes' length repeated, enough to see which bytes went where. */
const kept: Array<{ base64: string; mediaType: string }> = [];
const toBlob = (base64: string, mediaType: string): BlobRef => {
  kept.push({ base64, mediaType });
  return { blob_id: String(kept.length).padStart(64, '0'), media_type: mediaType, bytes: Buffer.from(base64, 'base64').length };
};
const usage = { inputTokens: 10, outputTokens: 5, totalTokens: 15 };

describe('answerFromEvents', () => {
  it('concatenates text and thinking per block, keeps tool calls with their results (images as blobs), asks with outcomes', () => {
    const answer = answerFromEvents(
      events(
        { type: 'start', model: 'm', userId: 'u' },
        { type: 'round_start', round: 1 },
        { type: 'reasoning_delta', text: 'let me ' },
        { type: 'reasoning_delta', text: 'think' },
        { type: 'reasoning_delta', signature: 'sig' },
        { type: 'text_delta', text: 'Look' },
        { type: 'text_delta', text: 'ing.' },
        { type: 'tool_input_delta', toolUseId: 't1', name: 'e__shot', partialJson: '{}' },
        { type: 'round_end', round: 1, stopReason: 'tool_use' },
        { type: 'usage', usage },
        { type: 'tool_call', toolUseId: 't1', name: 'e__shot', serverId: 'e', toolName: 'shot', input: { a: 1 } },
        { type: 'tool_result', toolUseId: 't1', name: 'e__shot', content: [{ type: 'text', text: 'here' }, { type: 'image', mimeType: 'image/png', data: 'AAEC' }], isError: false, durationMs: 12 },
        { type: 'round_start', round: 2 },
        { type: 'reasoning_delta', redacted: 'ZZZ' },
        { type: 'text_delta', text: 'Done.' },
        { type: 'round_end', round: 2, stopReason: 'end_turn' },
        { type: 'usage', usage: { ...usage, totalTokens: 30 } },
      ),
      toBlob,
      { finishReason: 'end_turn' },
    );
    expect(answer.parts).toEqual([
      { type: 'thinking', text: 'let me think', redacted: false },
      { type: 'text', text: 'Looking.' },
      {
        type: 'tool_call',
        tool_use_id: 't1',
        name: 'e__shot',
        server_id: 'e',
        tool_name: 'shot',
        input: { a: 1 },
        status: 'done',
        result: { content: [{ type: 'text', text: 'here' }, { type: 'image', blob: { blob_id: expect.any(String), media_type: 'image/png', bytes: 3 } }], is_error: false, duration_ms: 12 },
      },
      { type: 'thinking', text: '', redacted: true },
      { type: 'text', text: 'Done.' },
    ]);
    expect(kept.at(-1)).toEqual({ base64: 'AAEC', mediaType: 'image/png' });
    expect(answer.finish_reason).toBe('end_turn');
    expect(answer.usage).toEqual({ ...usage, totalTokens: 30 });
    expect(answer.error).toBeUndefined();
    // What it builds is a valid stored message.
    expect(() => ConversationMessageSchema.parse({ id: 'msg_abcdefgh', role: 'assistant', created_at: 1, ...answer })).not.toThrow();
  });

  it('an approval round: the ask with its outcome, a denied call cancelled; a call without a result cancelled; the error and done', () => {
    const ask = { kind: 'approval' as const, id: 'ask_aaaaaaaa', toolUseId: 't1', name: 'g__echo', serverId: 'g', toolName: 'echo', input: {}, reason: 'admin' };
    const answer = answerFromEvents(
      events(
        { type: 'round_start', round: 1 },
        { type: 'tool_call', toolUseId: 't1', name: 'g__echo', input: {} },
        { type: 'tool_call', toolUseId: 't2', name: 'g__other', input: {} },
        { type: 'approval_request', asks: [ask], expiresAt: 5 },
        { type: 'approval_answer', askId: 'ask_aaaaaaaa', outcome: 'denied' },
        { type: 'tool_result', toolUseId: 't1', name: 'g__echo', content: [{ type: 'text', text: 'The user denied the call' }], isError: true, durationMs: 0 },
        { type: 'error', code: 'timeout', message: 'too slow' },
        { type: 'done', finishReason: 'error', usage },
      ),
      toBlob,
    );
    expect(answer.parts.map((part) => (part.type === 'tool_call' ? `${part.tool_use_id}:${part.status}` : part.type === 'ask' ? `ask:${part.outcome}` : part.type))).toEqual([
      't1:cancelled',
      't2:cancelled',
      'ask:denied',
    ]);
    expect(answer.finish_reason).toBe('error');
    expect(answer.usage).toEqual(usage);
    expect(answer.error).toEqual({ code: 'timeout', message: 'too slow' });
  });

  it('drops the partial output of a round a later worker started again', () => {
    const answer = answerFromEvents(
      events(
        { type: 'round_start', round: 1 },
        { type: 'text_delta', text: 'half an ans' },
        { type: 'round_start', round: 1, resumed: true },
        { type: 'text_delta', text: 'the whole answer' },
      ),
      toBlob,
      { finishReason: 'end_turn' },
    );
    expect(answer.parts).toEqual([{ type: 'text', text: 'the whole answer' }]);
  });

  it('a turn that ends handing calls to the client: those calls are `client`, a deferred or a server call is not', () => {
    const answer = answerFromEvents(
      events(
        { type: 'round_start', round: 1 },
        { type: 'tool_call', toolUseId: 'm1', name: 'e__echo', serverId: 'e', toolName: 'echo', input: {} },
        { type: 'tool_call', toolUseId: 'c1', name: 'get_weather', input: { city: 'Paris' } },
        { type: 'tool_result', toolUseId: 'm1', name: 'e__echo', content: [{ type: 'text', text: 'hi' }], isError: false, durationMs: 3 },
        { type: 'tool_result', toolUseId: 'c1', name: 'get_weather', content: [{ type: 'text', text: 'Not run: call it again' }], isError: true, durationMs: 0 },
        { type: 'round_start', round: 2 },
        { type: 'tool_call', toolUseId: 'c2', name: 'get_weather', input: { city: 'Paris' } },
        { type: 'tool_call', toolUseId: 'c3', name: 'get_time', input: {} },
        { type: 'done', finishReason: 'tool_use', usage },
      ),
      toBlob,
    );
    const statuses = answer.parts.flatMap((part) => (part.type === 'tool_call' ? [`${part.tool_use_id}:${part.status}`] : []));
    expect(statuses).toEqual(['m1:done', 'c1:error', 'c2:client', 'c3:client']);
    expect(() => ConversationMessageSchema.parse({ id: 'msg_abcdefgh', role: 'assistant', created_at: 1, ...answer })).not.toThrow();

    // The same calls in a turn stopped before it ended are cancelled.
    const stopped = answerFromEvents(events({ type: 'round_start', round: 1 }, { type: 'tool_call', toolUseId: 'c4', name: 'get_time', input: {} }), toBlob, { finishReason: 'stop_requested' });
    expect(stopped.parts).toMatchObject([{ tool_use_id: 'c4', status: 'cancelled' }]);
  });
});

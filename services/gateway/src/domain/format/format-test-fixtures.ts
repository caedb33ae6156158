import { readFileSync } from 'node:fs';
import { StreamEventSchema, type ChatCompletionChunk, type StreamEvent, type StreamEventDraft } from '@bedrock-mcp/contracts';
import { EncodedChunk, type SsePayload } from './stream-formatter.js';

/** The contracts' golden turn: thinking, a tool round with an image result, a text round, usage. */
export function goldenTurn(): StreamEvent[] {
  const url = new URL('../../../../../packages/contracts/fixtures/stream-events.turn.json', import.meta.url);
  return StreamEventSchema.array().parse(JSON.parse(readFileSync(url, 'utf8')));
}

/** A draft without its turn id, member by member (a plain Omit would merge the union's members). */
type TurnlessDraft = StreamEventDraft extends infer Draft ? (Draft extends StreamEventDraft ? Omit<Draft, 'turnId'> : never) : never;

/** Events numbered from 1, for hand-written turns. */
export function numbered(drafts: TurnlessDraft[], turnId = 'chatcmpl-test00001'): StreamEvent[] {
  return drafts.map((draft, index) => StreamEventSchema.parse({ ...draft, turnId, seq: index + 1, ts: 1_700_000_000_000 + index }));
}

const ECHO_ASK = { kind: 'approval', id: 'ask_test00000001', toolUseId: 't1', name: 'everything__echo', serverId: 'everything', toolName: 'echo', input: { message: 'hi' }, reason: 'always' } as const;

/** A turn that pauses for the approval of a tool call, then (after the answer) runs it and ends. */
export function pausedTurn(): { before: StreamEvent[]; after: StreamEvent[]; expiresAt: number } {
  const expiresAt = 1_700_000_900_000;
  const events = numbered([
    { type: 'round_start', round: 1 },
    { type: 'text_delta', text: 'Let me echo. ' },
    { type: 'usage', usage: { inputTokens: 5, outputTokens: 3, totalTokens: 8 } },
    { type: 'tool_call', toolUseId: 't1', name: 'everything__echo', input: { message: 'hi' } },
    { type: 'round_end', round: 1, stopReason: 'tool_use' },
    { type: 'approval_request', asks: [ECHO_ASK, { kind: 'elicitation', id: 'ask_test00000002', toolUseId: 't1', serverId: 'everything', message: 'Your name?', requestedSchema: { type: 'object', properties: { name: { type: 'string' } } } }], expiresAt },
    { type: 'approval_answer', askId: 'ask_test00000001', outcome: 'approved' },
    { type: 'tool_result', toolUseId: 't1', name: 'everything__echo', content: [{ type: 'text', text: 'Echo: hi' }], isError: false, durationMs: 3 },
    { type: 'round_start', round: 2 },
    { type: 'text_delta', text: 'It said hi.' },
    { type: 'done', finishReason: 'end_turn', usage: { inputTokens: 9, outputTokens: 6, totalTokens: 15 } },
  ]);
  const pause = events.findIndex((event) => event.type === 'approval_request');
  return { before: events.slice(0, pause + 1), after: events.slice(pause + 1), expiresAt };
}

/** A turn that runs an MCP tool, then ends on a call of the request's own (client) tool. */
export function clientToolTurn(): StreamEvent[] {
  return numbered([
    { type: 'round_start', round: 1 },
    { type: 'tool_call', toolUseId: 't1', name: 'everything__echo', serverId: 'everything', toolName: 'echo', input: { message: 'hi' } },
    { type: 'round_end', round: 1, stopReason: 'tool_use' },
    { type: 'tool_result', toolUseId: 't1', name: 'everything__echo', content: [{ type: 'text', text: 'Echo: hi' }], isError: false, durationMs: 3 },
    { type: 'round_start', round: 2 },
    { type: 'text_delta', text: 'Asking your side.' },
    { type: 'round_end', round: 2, stopReason: 'tool_use' },
    { type: 'tool_call', toolUseId: 't2', name: 'get_weather', input: { city: 'Paris' } },
    { type: 'done', finishReason: 'tool_use', usage: { inputTokens: 9, outputTokens: 6, totalTokens: 15 } },
  ]);
}

/** The chunks among a formatter's payloads, the encoded ones (text and reasoning deltas) decoded. */
export function chunksOf(payloads: readonly SsePayload[]): ChatCompletionChunk[] {
  return payloads
    .map((payload) => (payload instanceof EncodedChunk ? (JSON.parse(payload.json) as ChatCompletionChunk) : payload))
    .filter((payload): payload is ChatCompletionChunk => typeof payload === 'object' && 'choices' in payload);
}

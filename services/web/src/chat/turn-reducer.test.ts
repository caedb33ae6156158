import type { ElicitationAsk, StreamEvent } from '@bedrock-mcp/contracts';
import { describe, expect, it } from 'vitest';
import { createTurn, isTurnActive, MAX_PENDING_EVENTS, pendingAsks, reduceTurn, turnText, type ToolBlock, type TurnState } from './turn-reducer.js';
import { approvalAsk } from '../testing/asks.js';

const TURN_ID = 'chatcmpl-test12345';

/** An event without the fields the log assigns (distributed over the union). */
type Draft = StreamEvent extends infer E ? (E extends StreamEvent ? Omit<E, 'seq' | 'ts' | 'turnId'> : never) : never;

/** Numbers drafts 1, 2, 3… as the gateway's event log does. */
function numbered(drafts: Draft[], firstSeq = 1): StreamEvent[] {
  return drafts.map((draft, index) => ({ ...draft, turnId: TURN_ID, seq: firstSeq + index, ts: 1_000 + index * 10 }) as StreamEvent);
}

function apply(turn: TurnState, events: StreamEvent[]): TurnState {
  return events.reduce((state, event) => reduceTurn(state, { type: 'event', event }), turn);
}

const accepted = () => reduceTurn(createTurn('req-1'), { type: 'accepted', turnId: TURN_ID });

/** A turn with thinking, text, a tool call with progress and an image result, then more text. */
const toolTurn = numbered([
  { type: 'start', model: 'claude', userId: 'u1' },
  { type: 'round_start', round: 1 },
  { type: 'reasoning_delta', text: 'The user wants ' },
  { type: 'reasoning_delta', text: 'a sum.' },
  { type: 'reasoning_delta', signature: 'sig' },
  { type: 'text_delta', text: 'Let me ' },
  { type: 'text_delta', text: 'add them.' },
  { type: 'tool_input_delta', toolUseId: 't1', name: 'everything__get-sum', partialJson: '{"a":' },
  { type: 'tool_input_delta', toolUseId: 't1', name: 'everything__get-sum', partialJson: '2,"b":3}' },
  { type: 'tool_call', toolUseId: 't1', name: 'everything__get-sum', serverId: 'everything', toolName: 'get-sum', input: { a: 2, b: 3 } },
  { type: 'tool_progress', toolUseId: 't1', progress: 1, total: 2, message: 'adding' },
  {
    type: 'tool_result',
    toolUseId: 't1',
    name: 'everything__get-sum',
    content: [
      { type: 'text', text: 'The sum of 2 and 3 is 5.' },
      { type: 'image', mimeType: 'image/png', data: 'iVBORw0KGgo=' },
    ],
    isError: false,
    durationMs: 12,
  },
  { type: 'round_end', round: 1, stopReason: 'tool_use' },
  { type: 'round_start', round: 2 },
  { type: 'text_delta', text: 'The answer is 5.' },
  { type: 'round_end', round: 2, stopReason: 'end_turn' },
  { type: 'usage', usage: { inputTokens: 10, outputTokens: 5, totalTokens: 15 } },
  { type: 'done', finishReason: 'end_turn' },
]);

describe('reduceTurn', () => {
  it('builds thinking, text and tool blocks in the order the model produced them', () => {
    const turn = apply(accepted(), toolTurn);
    expect(turn.status).toBe('done');
    expect(turn.lastSeq).toBe(toolTurn.length);
    expect(turn.blocks.map((block) => block.kind)).toEqual(['thinking', 'text', 'tool', 'text']);
    const [thinking, , tool] = turn.blocks;
    expect(thinking).toMatchObject({ kind: 'thinking', text: 'The user wants a sum.', closed: true });
    expect(tool).toMatchObject({
      kind: 'tool',
      serverId: 'everything',
      toolName: 'get-sum',
      input: { a: 2, b: 3 },
      inputText: '{"a":2,"b":3}',
      status: 'done',
      durationMs: 12,
      progress: { progress: 1, total: 2, message: 'adding' },
    });
    expect((tool as ToolBlock).result).toHaveLength(2);
    expect(turnText(turn)).toBe('Let me add them.\n\nThe answer is 5.');
    expect(turn.usage?.totalTokens).toBe(15);
    expect(turn.startedAt).toBe(1_000);
    expect(turn.endedAt).toBeGreaterThan(1_000);
  });

  it('applies each seq once: a replay after a reconnect adds no duplicate text', () => {
    const firstHalf = toolTurn.slice(0, 7);
    const beforeDrop = apply(accepted(), firstHalf);
    // The resume replays from an older seq (overlap), then continues live.
    const resumed = apply(beforeDrop, toolTurn.slice(3));
    const straight = apply(accepted(), toolTurn);
    expect(resumed).toEqual(straight);
    expect(turnText(resumed)).toBe('Let me add them.\n\nThe answer is 5.');
  });

  it('holds events after a gap until the missing ones arrive, then applies all in order', () => {
    const events = toolTurn.slice(0, 7);
    let turn = apply(accepted(), events.slice(0, 4));
    turn = apply(turn, [events[5]!, events[6]!]);
    expect(turn.lastSeq).toBe(4);
    expect(turn.pending.map((event) => event.seq)).toEqual([6, 7]);
    expect(turnText(turn)).toBe('');
    turn = apply(turn, [events[4]!]);
    expect(turn.pending).toEqual([]);
    expect(turn.lastSeq).toBe(7);
    expect(turnText(turn)).toBe('Let me add them.');
  });

  it('skip_gap applies what is buffered when the missing events are gone', () => {
    let turn = apply(accepted(), toolTurn.slice(0, 5));
    turn = apply(turn, [toolTurn[6]!]);
    expect(turnText(turn)).toBe('');
    turn = reduceTurn(turn, { type: 'skip_gap' });
    expect(turn.pending).toEqual([]);
    expect(turn.lastSeq).toBe(7);
    expect(turnText(turn)).toBe('add them.');
  });

  it('skips the gap by itself when too many events wait', () => {
    let turn = apply(accepted(), numbered([{ type: 'start', model: 'm', userId: 'u' }]));
    const late = numbered(
      Array.from({ length: MAX_PENDING_EVENTS + 1 }, () => ({ type: 'text_delta' as const, text: 'x' })),
      3,
    );
    turn = apply(turn, late);
    expect(turn.pending).toEqual([]);
    expect(turnText(turn)).toHaveLength(MAX_PENDING_EVENTS + 1);
  });

  it('marks a stopped turn and cancels the tool that was still running', () => {
    const events = numbered([
      { type: 'start', model: 'm', userId: 'u' },
      { type: 'round_start', round: 1 },
      { type: 'tool_call', toolUseId: 't9', name: 'slow', input: {} },
      { type: 'done', finishReason: 'stop_requested' },
    ]);
    let turn = reduceTurn(accepted(), { type: 'stop_requested' });
    expect(turn.stopRequested).toBe(true);
    turn = apply(turn, events);
    expect(turn.status).toBe('stopped');
    expect(turn.blocks[0]).toMatchObject({ kind: 'tool', status: 'cancelled' });
  });

  it('keeps a tool error and the turn error code (model_not_configured)', () => {
    const events = numbered([
      { type: 'start', model: 'm', userId: 'u' },
      { type: 'round_start', round: 1 },
      { type: 'tool_call', toolUseId: 't1', name: 'echo', input: {} },
      { type: 'tool_result', toolUseId: 't1', name: 'echo', content: [{ type: 'text', text: 'boom' }], isError: true, durationMs: 3 },
      { type: 'error', code: 'model_not_configured', message: 'set AWS credentials' },
      { type: 'done', finishReason: 'error' },
    ]);
    const turn = apply(accepted(), events);
    expect(turn.status).toBe('error');
    expect(turn.error).toEqual({ code: 'model_not_configured', message: 'set AWS credentials' });
    expect(turn.blocks[0]).toMatchObject({ status: 'error' });
  });

  it('drops the partial output of a round that another worker re-runs', () => {
    const events = numbered([
      { type: 'start', model: 'm', userId: 'u' },
      { type: 'round_start', round: 1 },
      { type: 'text_delta', text: 'Kept. ' },
      { type: 'tool_call', toolUseId: 't1', name: 'echo', input: {} },
      { type: 'tool_result', toolUseId: 't1', name: 'echo', content: [{ type: 'text', text: 'ok' }], isError: false, durationMs: 1 },
      { type: 'round_start', round: 2 },
      { type: 'text_delta', text: 'Half an ans' },
      { type: 'round_start', round: 2, resumed: true },
      { type: 'text_delta', text: 'The whole answer.' },
      { type: 'done', finishReason: 'end_turn' },
    ]);
    const turn = apply(accepted(), events);
    expect(turnText(turn)).toBe('Kept. \n\nThe whole answer.');
    expect(turn.blocks.map((block) => block.kind)).toEqual(['text', 'tool', 'text']);
  });

  it('a failure (socket error) ends only an active turn', () => {
    const failed = reduceTurn(createTurn('req-2'), { type: 'failed', error: { code: 'rate_limit_exceeded', message: 'slow down' } });
    expect(failed.status).toBe('error');
    const done = apply(accepted(), toolTurn);
    expect(reduceTurn(done, { type: 'failed', error: { code: 'x', message: 'y' } })).toBe(done);
  });

  it('shows redacted reasoning as a thinking block', () => {
    const turn = apply(
      accepted(),
      numbered([
        { type: 'round_start', round: 1 },
        { type: 'reasoning_delta', redacted: 'opaque' },
        { type: 'text_delta', text: 'Hi' },
      ]),
    );
    expect(turn.blocks[0]).toMatchObject({ kind: 'thinking', redacted: true, closed: true, text: '' });
  });
});

describe('reduceTurn: what a turn asks the person', () => {
  const approval = approvalAsk();
  const elicitationAsk: ElicitationAsk = {
    kind: 'elicitation',
    id: 'ask_elicit00001',
    toolUseId: 't2',
    serverId: 'everything',
    message: 'Who are you?',
    requestedSchema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] },
  };
  const asking = numbered([
    { type: 'start', model: 'claude', userId: 'u1' },
    { type: 'round_start', round: 1 },
    { type: 'text_delta', text: 'I will echo.' },
    { type: 'tool_input_delta', toolUseId: 't1', name: 'everything__echo', partialJson: '{"message":"hi"}' },
    { type: 'approval_request', asks: [approval, elicitationAsk], expiresAt: 90_000 },
  ]);

  it('adds the asks as blocks where they came, and the turn waits for the person', () => {
    const turn = apply(accepted(), asking);
    expect(turn.status).toBe('waiting');
    expect(isTurnActive(turn)).toBe(true);
    expect(turn.blocks.map((block) => block.kind)).toEqual(['text', 'tool', 'ask', 'ask']);
    expect(turn.blocks[2]).toMatchObject({ kind: 'ask', ask: approval, expiresAt: 90_000, round: 1 });
    expect(pendingAsks(turn).map((block) => block.ask.id)).toEqual(['ask_approve0001', 'ask_elicit00001']);
  });

  it('records each outcome, and streams again once every ask is answered', () => {
    const waiting = apply(accepted(), asking);
    const [approved, accepted2, after] = numbered(
      [
        { type: 'approval_answer', askId: 'ask_approve0001', outcome: 'approved', edited: true },
        { type: 'approval_answer', askId: 'ask_elicit00001', outcome: 'accepted' },
        { type: 'tool_call', toolUseId: 't1', name: 'everything__echo', serverId: 'everything', toolName: 'echo', input: { message: 'edited' } },
      ],
      asking.length + 1,
    );
    const half = apply(waiting, [approved!]);
    expect(half.status).toBe('waiting');
    expect(half.blocks[2]).toMatchObject({ outcome: 'approved', edited: true });
    expect(pendingAsks(half).map((block) => block.ask.id)).toEqual(['ask_elicit00001']);
    const both = apply(half, [accepted2!, after!]);
    expect(both.status).toBe('streaming');
    expect(pendingAsks(both)).toEqual([]);
    expect(both.blocks[3]).toMatchObject({ outcome: 'accepted' });
  });

  it('does not add an ask twice when its event is replayed after a gap, and keeps asks through a resumed round', () => {
    const waiting = apply(accepted(), asking);
    const resumed = apply(waiting, numbered([{ type: 'round_start', round: 1, resumed: true }], asking.length + 1));
    expect(resumed.blocks.map((block) => block.kind)).toEqual(['ask', 'ask']);
    const again = apply(resumed, numbered([{ type: 'approval_request', asks: [approval], expiresAt: 90_000 }], asking.length + 2));
    expect(again.blocks.filter((block) => block.kind === 'ask')).toHaveLength(2);
  });

  it('has no pending asks once the turn ended, and shows an expiry as an outcome', () => {
    const waiting = apply(accepted(), asking);
    const expired = apply(
      waiting,
      numbered(
        [
          { type: 'approval_answer', askId: 'ask_approve0001', outcome: 'expired' },
          { type: 'done', finishReason: 'end_turn' },
        ],
        asking.length + 1,
      ),
    );
    expect(expired.status).toBe('done');
    expect(expired.blocks[2]).toMatchObject({ outcome: 'expired' });
    expect(pendingAsks(expired)).toEqual([]);
  });
});

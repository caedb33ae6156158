import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, STACK_MODEL, type Stack } from './support/stack.js';
import { ChatSocket, textOf } from './support/ws-client.js';

let stack: Stack;
const LONG_ANSWER = Array.from({ length: 40 }, (_, index) => `part${index} `).join('');

beforeAll(async () => {
  stack = await startStack({ label: 'ws' });
  stack.emulator.script([
    { when: { lastUserText: 'long answer' }, reply: { text: LONG_ANSWER, chunkCount: 40, chunkDelayMs: 25 } },
    { when: { lastUserText: 'endless answer' }, reply: { text: LONG_ANSWER, chunkCount: 40, chunkDelayMs: 200 } },
    { when: { lastUserText: 'add numbers' }, reply: { toolUses: [{ name: 'everything__get-sum', input: { a: 2, b: 3 } }] } },
    { when: { afterToolResult: 'everything__get-sum' }, reply: (context) => ({ text: `Sum: ${context.lastToolResultText}` }) },
  ]);
});
afterAll(async () => {
  await stack?.stop();
});

const chat = (content: string, extra: Record<string, unknown> = {}) => ({
  type: 'chat' as const,
  requestId: `req-${content.replaceAll(' ', '-')}`,
  body: { model: STACK_MODEL, messages: [{ role: 'user' as const, content }], ...extra },
});

describe('chat WebSocket against the real stack', () => {
  it('streams raw events of a tool loop through the real pool', async () => {
    const socket = await ChatSocket.connect(stack.wsUrl, stack.apiKey, 'ws-user');
    socket.send(chat('add numbers', { mcp_server_ids: ['everything'] }));
    const { turnId } = await socket.next('accepted');
    const done = await socket.done(turnId);
    expect(done).toMatchObject({ type: 'done', finishReason: 'end_turn' });
    const events = socket.events(turnId);
    expect(events.map((event) => event.type)).toEqual(expect.arrayContaining(['start', 'round_start', 'tool_call', 'tool_result', 'text_delta', 'done']));
    expect(events.find((event) => event.type === 'tool_result')).toMatchObject({ isError: false, name: 'everything__get-sum' });
    expect(textOf(events)).toContain('Sum: The sum of 2 and 3 is 5.');
    socket.close();
  });

  it('resumes after the connection drops mid-answer: no gap, no duplicate, the whole text', async () => {
    const first = await ChatSocket.connect(stack.wsUrl, stack.apiKey, 'ws-user');
    first.send(chat('long answer'));
    const { turnId } = await first.next('accepted');
    await first.next('event', () => first.events(turnId).filter((event) => event.type === 'text_delta').length >= 5);
    first.socket.terminate();
    await first.closed;
    const seen = first.events(turnId);
    expect(seen.at(-1)?.type).not.toBe('done');

    const second = await ChatSocket.connect(stack.wsUrl, stack.apiKey, 'ws-user');
    second.send({ type: 'resume', turnId, afterSeq: seen.at(-1)!.seq });
    await second.done(turnId);
    const all = [...seen, ...second.events(turnId)];
    expect(all.map((event) => event.seq)).toEqual(all.map((_, index) => index + 1));
    expect(textOf(all)).toBe(LONG_ANSWER);
    second.close();
  });

  it('stops a turn with a stop frame', async () => {
    const socket = await ChatSocket.connect(stack.wsUrl, stack.apiKey, 'ws-user');
    socket.send(chat('endless answer'));
    const { turnId } = await socket.next('accepted');
    await socket.next('event', (frame) => frame.event.type === 'text_delta');
    socket.send({ type: 'stop', turnId });
    const done = await socket.done(turnId, 5000);
    expect(done).toMatchObject({ finishReason: 'stop_requested' });
    expect(textOf(socket.events(turnId)).length).toBeLessThan(LONG_ANSWER.length);
    socket.close();
  });
});

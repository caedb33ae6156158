import type { VoiceServerFrame } from '@bedrock-mcp/contracts';
import { describe, expect, it } from 'vitest';
import { initialVoiceState, reduceVoice, type VoiceAction, type VoiceState, type VoiceToolItem, type VoiceUtterance } from './voice-reducer.js';

const frame = (value: VoiceServerFrame, anchor = 2, now = 1000): VoiceAction => ({ type: 'frame', frame: value, anchor, now });
const run = (actions: VoiceAction[], state: VoiceState = initialVoiceState) => actions.reduce(reduceVoice, state);
const live = run([{ type: 'start' }, frame({ type: 'connection_established', sessionId: 's' }), frame({ type: 'ready', voiceId: 'amy' })]);
const text = (role: 'user' | 'assistant', utteranceId: string, content: string, final: boolean): VoiceServerFrame => ({ type: 'text', role, utteranceId, content, final });

describe('reduceVoice', () => {
  it('goes from idle to live on ready, with the confirmed voice', () => {
    const starting = reduceVoice(initialVoiceState, { type: 'start' });
    expect(starting.status).toBe('starting');
    expect(live).toMatchObject({ status: 'live', voiceId: 'amy', items: [] });
    expect(reduceVoice(live, { type: 'start' })).toBe(live);
  });

  it('keeps one bubble per utterance, replaced in place (speculative plan, then the spoken text)', () => {
    const state = run(
      [
        frame(text('user', 'u1', 'what is', false), 2),
        frame(text('user', 'u1', 'what is the weather', true), 3),
        frame(text('assistant', 'a1', 'It is sunny.', false), 3),
        frame(text('assistant', 'a1', 'It is sunny.', true), 4),
      ],
      live,
    );
    expect(state.items).toEqual<VoiceUtterance[]>([
      { kind: 'utterance', id: 'u1', anchor: 2, role: 'user', text: 'what is the weather', final: true },
      { kind: 'utterance', id: 'a1', anchor: 3, role: 'assistant', text: 'It is sunny.', final: true },
    ]);
    // A repeated frame changes nothing (no re-render).
    expect(reduceVoice(state, frame(text('assistant', 'a1', 'It is sunny.', true)))).toBe(state);
  });

  it('turns toolUse and toolResult into a tool card like text chat’s: server › tool, input, result, duration, error', () => {
    const state = run(
      [
        frame({ type: 'toolUse', toolUseId: 't1', name: 'everything__echo', input: { message: 'hi' } }, 2, 1000),
        frame({ type: 'toolUse', toolUseId: 't2', name: 'plain', input: {} }, 2, 1100),
        frame({ type: 'toolResult', toolUseId: 't1', name: 'everything__echo', content: 'Echo: hi', isError: false }, 2, 1250),
        frame({ type: 'toolResult', toolUseId: 't2', name: 'plain', content: 'boom', isError: true }, 2, 1300),
      ],
      live,
    );
    const [echo, plain] = state.items as VoiceToolItem[];
    expect(echo?.tool).toMatchObject({
      kind: 'tool',
      toolUseId: 't1',
      name: 'everything__echo',
      serverId: 'everything',
      toolName: 'echo',
      input: { message: 'hi' },
      inputText: '{"message":"hi"}',
      status: 'done',
      result: [{ type: 'text', text: 'Echo: hi' }],
      durationMs: 250,
    });
    expect(plain?.tool).toMatchObject({ name: 'plain', status: 'error', result: [{ type: 'text', text: 'boom' }], durationMs: 200 });
    expect(plain?.tool.serverId).toBeUndefined();
  });

  it('shows error frames as notices while the conversation goes on', () => {
    const state = reduceVoice(live, frame({ type: 'error', code: 'upstream_error', message: "MCP server 'x' is unavailable" }));
    expect(state).toMatchObject({ status: 'live', notices: ["MCP server 'x' is unavailable"], failure: undefined });
  });

  it('explains how the conversation ended: the model’s error, a refusal, a slow connection — nothing when the user stopped it', () => {
    const failed = run([frame({ type: 'error', code: 'upstream_error', message: 'the voice model failed: throttled' }), { type: 'closed', code: 1011, reason: 'the voice model failed' }], live);
    expect(failed).toMatchObject({ status: 'idle', failure: { kind: 'model', message: 'the voice model failed: throttled' } });

    expect(reduceVoice(live, { type: 'closed', code: 4401, reason: 'the ticket is unknown, expired or used' }).failure).toEqual({
      kind: 'refused',
      message: 'the ticket is unknown, expired or used',
    });
    expect(reduceVoice(live, { type: 'closed', code: 4408, reason: 'the client did not read the audio fast enough' }).failure?.kind).toBe('connection');
    expect(reduceVoice(live, { type: 'closed', code: 1006, reason: '' }).failure?.message).toContain('1006');

    const stopped = run([{ type: 'stop' }, { type: 'closed', code: 1000, reason: '' }], live);
    expect(stopped).toMatchObject({ status: 'idle', failure: undefined });
  });

  it('marks tool calls still running at the end as cancelled', () => {
    const state = run([frame({ type: 'toolUse', toolUseId: 't1', name: 'a__b', input: {} }), { type: 'closed', code: 1006, reason: '' }], live);
    expect((state.items[0] as VoiceToolItem).tool.status).toBe('cancelled');
  });

  it('records failures before the socket (microphone refused), clears them on dismiss and on the next start', () => {
    const refused = run([{ type: 'start' }, { type: 'failed', failure: { kind: 'microphone_denied', message: 'Allow the microphone' } }]);
    expect(refused).toMatchObject({ status: 'idle', failure: { kind: 'microphone_denied' } });
    expect(reduceVoice(refused, { type: 'dismiss' }).failure).toBeUndefined();
    expect(reduceVoice(refused, { type: 'start' })).toMatchObject({ status: 'starting', failure: undefined });
  });

  it('follows speaking and stops it on barge-in; clear drops the bubbles', () => {
    const speaking = run([frame(text('user', 'u1', 'hi', true)), { type: 'speaking', speaking: true }], live);
    expect(speaking.speaking).toBe(true);
    expect(reduceVoice(speaking, frame({ type: 'interrupted' })).speaking).toBe(false);
    expect(reduceVoice(speaking, { type: 'clear' }).items).toEqual([]);
  });
});

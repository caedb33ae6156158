import { describe, expect, it } from 'vitest';
import { AsyncQueue } from './async-queue.js';
import { parseSonicOutput, SonicOutputError } from './sonic-protocol.js';
import { chooseVoiceId, resolveSonicSessionOptions } from './sonic-session-options.js';
import { isSessionTimeout, voiceErrorFrame } from './voice-errors.js';
import { boundReplayHistory, keepEndWithin } from './voice-turn.js';

const bytes = (value: unknown) => Buffer.from(JSON.stringify(value));

describe('boundReplayHistory (what a new Sonic stream may replay)', () => {
  it('merges same-role turns, keeps the newest, starts with the user', () => {
    const turns = [
      { role: 'assistant' as const, text: 'greeting' },
      { role: 'user' as const, text: 'a' },
      { role: 'user' as const, text: 'b' },
      { role: 'assistant' as const, text: 'c' },
      { role: 'user' as const, text: '  ' },
      { role: 'user' as const, text: 'd' },
      { role: 'assistant' as const, text: 'e' },
    ];
    expect(boundReplayHistory(turns, { maxMessages: 40, maxBytes: 1000 })).toEqual([
      { role: 'user', text: 'a b' },
      { role: 'assistant', text: 'c' },
      { role: 'user', text: 'd' },
      { role: 'assistant', text: 'e' },
    ]);
    // The newest three would start with an assistant turn: it goes.
    expect(boundReplayHistory(turns, { maxMessages: 3, maxBytes: 1000 })).toEqual([
      { role: 'user', text: 'd' },
      { role: 'assistant', text: 'e' },
    ]);
    expect(boundReplayHistory(turns, { maxMessages: 0, maxBytes: 1000 })).toEqual([]);
  });

  it('cuts long turns to the byte limit, keeping the end and whole characters', () => {
    const long = `${'première phrase très longue '.repeat(60)}la fin.`;
    const cut = keepEndWithin(long, 1000);
    expect(Buffer.byteLength(cut, 'utf8')).toBeLessThanOrEqual(1000);
    expect(cut.startsWith('…')).toBe(true);
    expect(cut.endsWith('la fin.')).toBe(true);
    expect(cut).not.toContain('\uFFFD');
    expect(keepEndWithin('short', 1000)).toBe('short');
    expect(keepEndWithin('🙂'.repeat(400), 100)).toMatch(/^…(🙂)+$/u);
  });
});

describe('parseSonicOutput', () => {
  it('reads the events the session acts on and the generation stage', () => {
    expect(
      parseSonicOutput(bytes({ event: { contentStart: { contentId: 'c', type: 'TEXT', role: 'ASSISTANT', additionalModelFields: '{"generationStage":"SPECULATIVE"}', sessionId: 's' } } })),
    ).toEqual({ kind: 'contentStart', contentId: 'c', type: 'TEXT', role: 'ASSISTANT', stage: 'SPECULATIVE' });
    expect(parseSonicOutput(bytes({ event: { toolUse: { contentId: 'c', toolUseId: 't', toolName: 'x', content: '{}' } } }))).toEqual({
      kind: 'toolUse',
      contentId: 'c',
      toolUseId: 't',
      toolName: 'x',
      content: '{}',
    });
    expect(parseSonicOutput(bytes({ event: { usageEvent: { totalTokens: 3 } } }))).toEqual({ kind: 'other', name: 'usageEvent' });
    expect(parseSonicOutput(bytes({ event: { contentStart: { contentId: 'c', type: 'AUDIO', role: 'ASSISTANT', additionalModelFields: 'not json' } } }))).toMatchObject({
      stage: undefined,
    });
  });

  it('refuses what it cannot read with a clear error', () => {
    expect(() => parseSonicOutput(Buffer.from('nope'))).toThrow(SonicOutputError);
    expect(() => parseSonicOutput(bytes({ event: {} }))).toThrow(/not \{"event"/);
    expect(() => parseSonicOutput(bytes({ event: { toolUse: { contentId: 'c' } } }))).toThrow(/malformed toolUse/);
  });
});

describe('AsyncQueue', () => {
  it('delivers in order, bounds ordinary items but not exempt ones, and ends after draining', async () => {
    const queue = new AsyncQueue<number>(2);
    expect([queue.push(1), queue.push(2), queue.push(3), queue.push(4, true)]).toEqual([true, true, false, true]);
    expect(queue.dropped).toBe(1);
    queue.end();
    expect(queue.push(5)).toBe(false);
    const seen: number[] = [];
    for await (const item of queue) seen.push(item);
    expect(seen).toEqual([1, 2, 4]);
  });

  it('wakes a waiting reader', async () => {
    const queue = new AsyncQueue<string>();
    const reading = (async () => {
      const seen: string[] = [];
      for await (const item of queue) seen.push(item);
      return seen;
    })();
    await new Promise((resolve) => setTimeout(resolve, 5));
    queue.push('late');
    queue.end();
    expect(await reading).toEqual(['late']);
  });
});

describe('voice errors', () => {
  it('recognises Bedrock ending a session at its limit', () => {
    expect(isSessionTimeout(Object.assign(new Error('Model has timed out in processing the request.'), { name: 'ModelTimeoutException' }))).toBe(true);
    expect(isSessionTimeout(new Error('Too many requests'))).toBe(false);
  });

  it('maps model errors to the public codes', () => {
    expect(voiceErrorFrame(Object.assign(new Error('slow down'), { name: 'ThrottlingException' }), 'ctx')).toEqual({
      type: 'error',
      code: 'rate_limit_exceeded',
      message: 'ctx: slow down',
    });
    expect(voiceErrorFrame('weird', 'ctx')).toMatchObject({ code: 'upstream_error' });
  });
});

describe('session options', () => {
  it('chooses an offered voice', () => {
    const offered = ['matthew', 'tiffany', 'amy'];
    expect(chooseVoiceId(undefined, offered)).toBe('matthew');
    expect(chooseVoiceId('amy', offered)).toBe('amy');
    expect(chooseVoiceId('bob', offered)).toBeUndefined();
  });

  it('refuses nonsensical timings', () => {
    const base = { client: {} as never, executeTool: async () => ({ text: '', isError: false }), logger: {} as never };
    expect(resolveSonicSessionOptions(base).renewAfterMs).toBe(450_000);
    expect(() => resolveSonicSessionOptions({ ...base, renewAfterMs: 0 })).toThrow(/renewAfterMs/);
    expect(() => resolveSonicSessionOptions({ ...base, renewGraceMs: -1 })).toThrow(/renewGraceMs/);
  });
});

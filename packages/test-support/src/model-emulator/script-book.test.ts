import { describe, expect, it } from 'vitest';
import { ScriptBook } from './script-book.js';
import type { ReplyContext, ToolResultView } from './types.js';

function context(overrides: Partial<Omit<ReplyContext, 'request'>> = {}): ReplyContext {
  const toolResults: ToolResultView[] = overrides.toolResults ?? [];
  return {
    provider: 'bedrock',
    modelId: 'model-a',
    lastUserText: undefined,
    lastToolResultText: toolResults.at(-1)?.text,
    request: {
      provider: 'openai',
      operation: 'chat.completions',
      modelId: 'model-a',
      body: {},
      stream: false,
      method: 'POST',
      path: '/v1/chat/completions',
      httpVersion: '1.1',
      headers: {},
      receivedAt: new Date(0),
    },
    ...overrides,
    toolResults,
  };
}

const weatherResult: ToolResultView = { name: 'get_weather', toolUseId: 't1', text: 'rain', images: 0, isError: false };

describe('ScriptBook', () => {
  it('answers with the first matching rule, in order', async () => {
    const book = new ScriptBook();
    book.replaceRules([
      { when: { lastUserText: 'weather' }, reply: { text: 'weather rule' } },
      { when: { afterToolResult: 'get_weather' }, reply: { text: 'tool rule' } },
      { reply: { text: 'fallback' } },
    ]);

    expect(await book.replyFor(context({ lastUserText: 'the weather?' }))).toEqual({ text: 'weather rule' });
    expect(await book.replyFor(context({ toolResults: [weatherResult] }))).toEqual({ text: 'tool rule' });
    expect(await book.replyFor(context({ lastUserText: 'hello' }))).toEqual({ text: 'fallback' });
  });

  it('tests a global RegExp from the start every time', async () => {
    const book = new ScriptBook();
    book.replaceRules([{ when: { lastUserText: /paris/gi }, reply: { text: 'match' } }]);

    for (let attempt = 0; attempt < 3; attempt += 1) {
      expect(await book.replyFor(context({ lastUserText: 'Paris' }))).toEqual({ text: 'match' });
    }
  });

  it('filters on provider and model', async () => {
    const book = new ScriptBook();
    book.replaceRules([
      { when: { provider: 'openai' }, reply: { text: 'openai only' } },
      { when: { model: /^model-b/ }, reply: { text: 'model b' } },
    ]);

    expect(await book.replyFor(context({ provider: 'openai' }))).toEqual({ text: 'openai only' });
    expect(await book.replyFor(context({ modelId: 'model-b-2' }))).toEqual({ text: 'model b' });
  });

  it('retires a rule after `times` uses', async () => {
    const book = new ScriptBook();
    book.replaceRules([
      { reply: { text: 'first' }, times: 1 },
      { reply: { text: 'afterwards' } },
    ]);

    expect(await book.replyFor(context())).toEqual({ text: 'first' });
    expect(await book.replyFor(context())).toEqual({ text: 'afterwards' });
  });

  it('passes the context to reply functions, which may be async', async () => {
    const book = new ScriptBook();
    book.replaceRules([{ reply: async ({ lastToolResultText }) => ({ text: `got ${lastToolResultText ?? ''}` }) }]);

    expect(await book.replyFor(context({ toolResults: [weatherResult] }))).toEqual({ text: 'got rain' });
  });

  it('echoes what was asked when no rule matches', async () => {
    const book = new ScriptBook();

    expect(await book.replyFor(context({ lastUserText: 'hi' }))).toEqual({ text: 'emulator: no rule for "hi"' });
    expect(await book.replyFor(context({ toolResults: [weatherResult] }))).toEqual({
      text: 'emulator: no rule for tool result(s) of get_weather',
    });
  });

  it('hands queued failures to matching providers, `times` times, in order', () => {
    const book = new ScriptBook();
    book.queueFailure({ kind: 'http', status: 429, provider: 'openai', times: 2 });
    book.queueFailure({ kind: 'http', status: 503 });

    expect(book.takeFailure('bedrock')).toMatchObject({ status: 503 });
    expect(book.takeFailure('openai')).toMatchObject({ status: 429 });
    expect(book.takeFailure('openai')).toMatchObject({ status: 429 });
    expect(book.takeFailure('openai')).toBeUndefined();
  });
});

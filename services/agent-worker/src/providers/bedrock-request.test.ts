import { ModelConfigSchema, type ModelConfig } from '@bedrock-mcp/contracts';
import { describe, expect, it } from 'vitest';
import { toConverseStreamInput } from './bedrock-request.js';
import type { ModelRequest } from './model-provider.js';

const claude: ModelConfig = ModelConfigSchema.parse({ model_id: 'us.anthropic.claude-sonnet-4-5', model_name: 'Claude', supports_thinking: true });
const base = (over: Partial<ModelRequest> = {}): ModelRequest => ({
  modelId: claude.model_id,
  model: claude,
  system: ['be brief'],
  messages: [{ role: 'user', content: [{ text: 'hi' }] }],
  tools: [],
  maxTokens: 4000,
  temperature: 0.5,
  topP: 0.9,
  topK: 40,
  ...over,
});

describe('toConverseStreamInput', () => {
  it('sends system prompt, inference parameters and top_k for Claude', () => {
    const input = toConverseStreamInput(base({ stopSequences: ['END'] }));
    expect(input.system).toEqual([{ text: 'be brief' }]);
    expect(input.inferenceConfig).toEqual({ maxTokens: 4000, temperature: 0.5, topP: 0.9, stopSequences: ['END'] });
    expect(input.additionalModelRequestFields).toEqual({ top_k: 40 });
    expect(input.toolConfig).toBeUndefined();
  });

  it('with thinking: enables it with the budget, leaves out temperature/top_p/top_k and raises maxTokens above the budget', () => {
    const input = toConverseStreamInput(base({ maxTokens: 2000, thinking: { budgetTokens: 4096 } }));
    expect(input.additionalModelRequestFields).toEqual({ thinking: { type: 'enabled', budget_tokens: 4096 } });
    expect(input.inferenceConfig).toEqual({ maxTokens: 6096 });
  });

  it('puts top_k under inferenceConfig for Nova and never sends thinking to it', () => {
    const nova = { ...claude, model_id: 'us.amazon.nova-pro-v1:0', supports_thinking: false };
    const input = toConverseStreamInput(base({ modelId: nova.model_id, model: nova, thinking: { budgetTokens: 2048 } }));
    expect(input.additionalModelRequestFields).toEqual({ inferenceConfig: { topK: 40 } });
    expect(input.inferenceConfig?.temperature).toBe(0.5);
  });

  it('sends reasoning back with its signature, redacted reasoning as bytes, and images as bytes', () => {
    const input = toConverseStreamInput(
      base({
        tools: [{ name: 'echo', description: 'echoes', inputSchema: { type: 'object' } }],
        messages: [
          { role: 'user', content: [{ text: 'look' }, { image: { format: 'png', bytes: Buffer.from('PNG').toString('base64') } }] },
          {
            role: 'assistant',
            content: [
              { reasoningContent: { reasoningText: { text: 'hmm', signature: 'sig-1' } } },
              { reasoningContent: { redactedContent: Buffer.from('secret').toString('base64') } },
              { toolUse: { toolUseId: 't1', name: 'echo', input: { a: 1 } } },
            ],
          },
          { role: 'user', content: [{ toolResult: { toolUseId: 't1', content: [{ text: 'ok' }, { image: { format: 'jpeg', bytes: 'AAAA' } }], status: 'success' } }] },
        ],
      }),
    );
    const [first, second, third] = input.messages!;
    expect(Buffer.from(first!.content![1]!.image!.source!.bytes!).toString()).toBe('PNG');
    expect(second!.content![0]).toEqual({ reasoningContent: { reasoningText: { text: 'hmm', signature: 'sig-1' } } });
    expect(Buffer.from(second!.content![1]!.reasoningContent!.redactedContent!).toString()).toBe('secret');
    expect(third!.content![0]!.toolResult!.content![1]!.image!.format).toBe('jpeg');
    expect(input.toolConfig?.tools?.[0]).toEqual({ toolSpec: { name: 'echo', description: 'echoes', inputSchema: { json: { type: 'object' } } } });
  });

  it('sends earlier tool uses and results as text when the request offers no tools (Bedrock refuses them then)', () => {
    const input = toConverseStreamInput(
      base({
        messages: [
          { role: 'user', content: [{ text: 'q' }] },
          { role: 'assistant', content: [{ toolUse: { toolUseId: 't1', name: 'echo', input: { a: 1 } } }] },
          { role: 'user', content: [{ toolResult: { toolUseId: 't1', content: [{ text: 'ok' }], status: 'error' } }, { text: 'next' }] },
        ],
      }),
    );
    expect(input.messages![1]!.content).toEqual([{ text: '[called tool echo with {"a":1}]' }]);
    expect(input.messages![2]!.content).toEqual([{ text: '[tool result (error): ok]' }, { text: 'next' }]);
  });

  it('maps tool_choice to Converse: auto, required → any, a named function → tool; none offers no tools', () => {
    const tools = [{ name: 'get_weather', description: '', inputSchema: { type: 'object' } }];
    const choiceOf = (toolChoice: ModelRequest['toolChoice']) => toConverseStreamInput(base({ tools, toolChoice, promptCaching: false })).toolConfig;
    expect(choiceOf(undefined)).toEqual({ tools: [{ toolSpec: { name: 'get_weather', inputSchema: { json: { type: 'object' } } } }] });
    expect(choiceOf('auto')?.toolChoice).toEqual({ auto: {} });
    expect(choiceOf('required')?.toolChoice).toEqual({ any: {} });
    expect(choiceOf({ type: 'function', function: { name: 'get_weather' } })?.toolChoice).toEqual({ tool: { name: 'get_weather' } });
    expect(choiceOf('none')).toBeUndefined();
  });

  describe('prompt caching', () => {
    const cachingClaude = { ...claude, supports_prompt_caching: true };
    const CACHE_POINT = { cachePoint: { type: 'default' } };
    const toolLoop = (over: Partial<ModelRequest> = {}) =>
      base({
        model: cachingClaude,
        tools: [{ name: 'echo', description: 'echoes', inputSchema: { type: 'object' } }],
        messages: [
          { role: 'user', content: [{ text: 'q' }] },
          { role: 'assistant', content: [{ toolUse: { toolUseId: 't1', name: 'echo', input: {} } }] },
          { role: 'user', content: [{ toolResult: { toolUseId: 't1', content: [{ text: 'ok' }], status: 'success' } }] },
        ],
        ...over,
      });

    it('places cache points after the tool list, after the system prompt and at the end of the last message, and nowhere else', () => {
      const input = toConverseStreamInput(toolLoop());
      expect(input.toolConfig?.tools?.at(-1)).toEqual(CACHE_POINT);
      expect(input.toolConfig?.tools).toHaveLength(2);
      expect(input.system).toEqual([{ text: 'be brief' }, CACHE_POINT]);
      expect(input.messages!.map((message) => message.content!.filter((block) => 'cachePoint' in block).length)).toEqual([0, 0, 1]);
      expect(input.messages!.at(-1)!.content!.at(-1)).toEqual(CACHE_POINT);
    });

    it('sends none for a model without caching, when the model turns it off, or when the request does', () => {
      const none = (request: ModelRequest) => JSON.stringify(toConverseStreamInput(request)).includes('cachePoint');
      expect(none(toolLoop({ model: claude }))).toBe(false);
      expect(none(toolLoop({ model: { ...cachingClaude, prompt_caching: false } }))).toBe(false);
      expect(none(toolLoop({ promptCaching: false }))).toBe(false);
      expect(none(toolLoop({ model: { ...cachingClaude, prompt_caching: false }, promptCaching: true }))).toBe(true);
      expect(none(toolLoop({ model: claude, promptCaching: true }))).toBe(false);
    });

    it('gives Nova no point in the tool list (it caches system and messages only)', () => {
      const nova = { ...cachingClaude, model_id: 'us.amazon.nova-pro-v1:0', supports_thinking: false };
      const input = toConverseStreamInput(toolLoop({ modelId: nova.model_id, model: nova }));
      expect(input.toolConfig?.tools).toHaveLength(1);
      expect(input.system?.at(-1)).toEqual(CACHE_POINT);
      expect(input.messages!.at(-1)!.content!.at(-1)).toEqual(CACHE_POINT);
    });

    it('leaves out the tool point without tools and the system point without a system prompt', () => {
      const input = toConverseStreamInput(base({ model: cachingClaude, system: [] }));
      expect(input.system).toBeUndefined();
      expect(input.toolConfig).toBeUndefined();
      expect(input.messages![0]!.content).toEqual([{ text: 'hi' }, CACHE_POINT]);
    });
  });
});

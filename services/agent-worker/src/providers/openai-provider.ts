import { randomUUID } from 'node:crypto';
import OpenAI from 'openai';
import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import { abortable } from './abortable.js';
import { fromOpenAiError, ModelCallError, OPENAI_NOT_CONFIGURED } from './model-errors.js';
import type { ModelProvider, ModelRequest, ModelStreamEvent } from './model-provider.js';
import { toChatCompletionParams } from './openai-request.js';

export interface OpenAiProviderOptions {
  /** COMPATIBLE_API_BASE or a provider's base_url, ending in /v1 as a rule; undefined: every call fails with model_not_configured. */
  baseURL: string | undefined;
  /** COMPATIBLE_API_KEY or a provider's key (some local servers need none). */
  apiKey: string | undefined;
  /** Sent with every request (a provider's `headers`). */
  headers?: Record<string, string>;
  /** Milliseconds per request (the loop also aborts it on its own deadline). */
  timeoutMs: number;
  createClient?: (options: ConstructorParameters<typeof OpenAI>[0]) => OpenAI;
}

/** Content block indexes the streamed parts are assembled into: reasoning, then text, then tool calls. */
const REASONING_INDEX = 0;
const TEXT_INDEX = 1;
const FIRST_TOOL_INDEX = 2;

const FINISH_REASONS: Readonly<Record<string, string>> = {
  stop: 'end_turn',
  tool_calls: 'tool_use',
  function_call: 'tool_use',
  length: 'max_tokens',
  content_filter: 'content_filtered',
};

/**
 * An OpenAI-compatible chat completions API (COMPATIBLE_API_BASE), streamed: tool_call deltas
 * are assembled by their index, DeepSeek's `reasoning_content` becomes reasoning, and
 * finish_reason is mapped to Bedrock's stop reasons, so the loop sees what Bedrock would send.
 */
export class OpenAiProvider implements ModelProvider {
  readonly name = 'openai';
  private readonly client: OpenAI | undefined;

  constructor(options: OpenAiProviderOptions) {
    const create = options.createClient ?? ((clientOptions) => new OpenAI(clientOptions));
    this.client = options.baseURL
      ? create({ baseURL: options.baseURL, apiKey: options.apiKey ?? 'not-needed', timeout: options.timeoutMs, maxRetries: 0, defaultHeaders: options.headers ?? {} })
      : undefined;
  }

  async *converseStream(request: ModelRequest, signal: AbortSignal): AsyncGenerator<ModelStreamEvent> {
    if (!this.client) throw new ModelCallError('not_configured', OPENAI_NOT_CONFIGURED);
    const toolIndexes = new Map<number, { index: number; toolUseId: string; name: string }>();
    try {
      const stream = await this.client.chat.completions.create(toChatCompletionParams(request), { signal });
      for await (const chunk of abortable(stream, signal)) yield* toStreamEvents(chunk, toolIndexes);
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      throw fromOpenAiError(error);
    }
  }
}

function* toStreamEvents(chunk: ChatCompletionChunk, tools: Map<number, { index: number; toolUseId: string; name: string }>): Generator<ModelStreamEvent> {
  const choice = chunk.choices[0];
  const delta = choice?.delta as (ChatCompletionChunk.Choice.Delta & { reasoning_content?: string | null }) | undefined;
  if (delta?.reasoning_content) yield { type: 'reasoning', index: REASONING_INDEX, text: delta.reasoning_content };
  if (delta?.content) yield { type: 'text', index: TEXT_INDEX, text: delta.content };
  for (const call of delta?.tool_calls ?? []) {
    let tool = tools.get(call.index);
    if (!tool) {
      tool = { index: FIRST_TOOL_INDEX + call.index, toolUseId: call.id || `call_${randomUUID()}`, name: call.function?.name ?? '' };
      tools.set(call.index, tool);
      yield { type: 'tool_use_start', index: tool.index, toolUseId: tool.toolUseId, name: tool.name };
    }
    if (call.function?.arguments) yield { type: 'tool_input', index: tool.index, partialJson: call.function.arguments };
  }
  if (choice?.finish_reason) {
    for (const tool of tools.values()) yield { type: 'block_stop', index: tool.index };
    yield { type: 'stop', stopReason: FINISH_REASONS[choice.finish_reason] ?? choice.finish_reason };
  }
  if (chunk.usage) {
    // OpenAI counts cached tokens in prompt_tokens; Usage, as Bedrock, counts them apart.
    const cached = chunk.usage.prompt_tokens_details?.cached_tokens ?? 0;
    yield {
      type: 'usage',
      usage: {
        inputTokens: Math.max(0, chunk.usage.prompt_tokens - cached),
        outputTokens: chunk.usage.completion_tokens,
        totalTokens: chunk.usage.total_tokens,
        ...(cached ? { cacheReadInputTokens: cached } : {}),
      },
    };
  }
}

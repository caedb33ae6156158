import type { PlannedReasoning, ReplyPlan } from './reply-plan.js';
import type { StopReason } from './types.js';

const FINISH_REASON_OF: Record<StopReason, string> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  tool_use: 'tool_calls',
  max_tokens: 'length',
  content_filtered: 'content_filter',
};

/** Fields shared by every chunk of one completion. */
export interface CompletionIdentity {
  id: string;
  created: number;
  model: string;
}

export function chatCompletionChunks(plan: ReplyPlan, identity: CompletionIdentity, includeUsage: boolean): object[] {
  const chunk = (delta: object, finishReason: string | null = null): object => ({
    ...envelope(identity, 'chat.completion.chunk'),
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    ...(includeUsage ? { usage: null } : {}),
  });
  const chunks = [
    chunk({ role: 'assistant', content: '' }),
    ...reasoningTextChunks(plan.reasoning).map((text) => chunk({ reasoning_content: text })),
    ...plan.textChunks.map((content) => chunk({ content })),
    ...plan.toolUses.flatMap((toolUse, index) => [
      chunk({ tool_calls: [{ index, id: toolUse.id, type: 'function', function: { name: toolUse.name, arguments: '' } }] }),
      ...toolUse.inputChunks.map((fragment) => chunk({ tool_calls: [{ index, function: { arguments: fragment } }] })),
    ]),
    chunk({}, FINISH_REASON_OF[plan.stopReason]),
  ];
  if (includeUsage) chunks.push({ ...envelope(identity, 'chat.completion.chunk'), choices: [], usage: usageOf(plan) });
  return chunks;
}

export function chatCompletionBody(plan: ReplyPlan, identity: CompletionIdentity): object {
  const reasoningText = reasoningTextChunks(plan.reasoning).join('');
  const message = {
    role: 'assistant',
    content: plan.textChunks.length > 0 ? plan.textChunks.join('') : null,
    refusal: null,
    ...(reasoningText === '' ? {} : { reasoning_content: reasoningText }),
    ...(plan.toolUses.length === 0
      ? {}
      : {
          tool_calls: plan.toolUses.map((toolUse) => ({
            id: toolUse.id,
            type: 'function',
            function: { name: toolUse.name, arguments: JSON.stringify(toolUse.input) },
          })),
        }),
  };
  return {
    ...envelope(identity, 'chat.completion'),
    choices: [{ index: 0, message, logprobs: null, finish_reason: FINISH_REASON_OF[plan.stopReason] }],
    usage: usageOf(plan),
  };
}

function envelope(identity: CompletionIdentity, object: string): object {
  return { id: identity.id, object, created: identity.created, model: identity.model };
}

/** OpenAI-compatible providers (DeepSeek style) only carry reasoning text; signatures and redactions have no equivalent. */
function reasoningTextChunks(reasoning: PlannedReasoning | undefined): string[] {
  return reasoning !== undefined && 'textChunks' in reasoning ? reasoning.textChunks : [];
}

/** OpenAI counts cached tokens in prompt_tokens and names them in prompt_tokens_details (a reply's cacheReadInputTokens). */
function usageOf(plan: ReplyPlan): object {
  const cached = plan.usage.cacheReadInputTokens;
  if (cached === undefined) {
    return { prompt_tokens: plan.usage.inputTokens, completion_tokens: plan.usage.outputTokens, total_tokens: plan.usage.totalTokens };
  }
  const promptTokens = plan.usage.inputTokens + cached;
  return {
    prompt_tokens: promptTokens,
    completion_tokens: plan.usage.outputTokens,
    total_tokens: promptTokens + plan.usage.outputTokens,
    prompt_tokens_details: { cached_tokens: cached },
  };
}

export function modelListBody(modelIds: readonly string[]): object {
  return {
    object: 'list',
    data: modelIds.map((id) => ({ id, object: 'model', created: 0, owned_by: 'model-emulator' })),
  };
}

// ---------------------------------------------------------------- errors

export interface OpenAIErrorObject {
  message: string;
  type: string;
  param: null;
  code: string | null;
}

/** Error `type` / `code` as OpenAI returns them for the status; `code` may be overridden. */
export function openaiErrorObject(status: number, message: string, code?: string): OpenAIErrorObject {
  const [type, defaultCode] = errorClassOf(status);
  return { message, type, param: null, code: code ?? defaultCode };
}

function errorClassOf(status: number): [type: string, code: string | null] {
  if (status === 401) return ['invalid_request_error', 'invalid_api_key'];
  if (status === 404) return ['invalid_request_error', 'model_not_found'];
  if (status === 429) return ['requests', 'rate_limit_exceeded'];
  if (status >= 500) return ['server_error', null];
  return ['invalid_request_error', null];
}

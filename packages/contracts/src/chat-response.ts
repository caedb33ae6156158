import { z } from 'zod';
import type { FinishReason, Usage } from './stream-events.js';
import { OpenAiApprovalRequestSchema } from './turn-asks.js';

export const OpenAiFinishReasonSchema = z.enum(['stop', 'length', 'tool_calls', 'content_filter']);
export type OpenAiFinishReason = z.infer<typeof OpenAiFinishReasonSchema>;

/** The finish reasons the seed's clients read: Bedrock's own plus `stop_requested` and `error`. */
export const SeedFinishReasonSchema = z.string();

export const CompletionUsageSchema = z.object({
  /** Every input token, cached ones included (as OpenAI counts). */
  prompt_tokens: z.number().int().min(0),
  completion_tokens: z.number().int().min(0),
  total_tokens: z.number().int().min(0),
  /** The input tokens read from the provider's prompt cache. */
  prompt_tokens_details: z.object({ cached_tokens: z.number().int().min(0) }).optional(),
  /** Extension (as LiteLLM names it): the input tokens written to Bedrock's prompt cache. */
  cache_creation_input_tokens: z.number().int().min(0).optional(),
});
export type CompletionUsage = z.infer<typeof CompletionUsageSchema>;

/** The seed's extension: a finished tool round as a JSON string (stream) or a list (non-stream). */
export const SeedToolUseCallSchema = z.object({ toolUseId: z.string(), name: z.string(), input: z.unknown() });
export const SeedToolUseResultSchema = z.object({
  toolUseId: z.string(),
  content: z.array(
    z.union([
      z.object({ text: z.string() }),
      z.object({ image: z.object({ format: z.string(), source: z.object({ base64: z.string() }) }) }),
    ]),
  ),
  status: z.literal('error').optional(),
});

const APPROVAL_REQUESTS_DOC =
  'Extension: the asks the turn paused at (tool calls to approve, MCP elicitations), with finish_reason "approval_required"; ' +
  'the response ends there. Answer them with POST /v1/turns/{turn_id}/approvals, which returns the rest of the response.';

export const ChunkToolCallDeltaSchema = z.object({
  index: z.number().int().min(0),
  id: z.string().optional(),
  type: z.literal('function').optional(),
  function: z.object({ name: z.string().optional(), arguments: z.string().optional() }),
});

export const ChatCompletionChunkSchema = z.object({
  id: z.string(),
  object: z.literal('chat.completion.chunk'),
  created: z.number().int(),
  model: z.string(),
  system_fingerprint: z.string().nullable().optional(),
  choices: z.array(
    z.object({
      index: z.number().int().min(0),
      delta: z.object({
        role: z.literal('assistant').optional(),
        content: z.string().nullable().optional(),
        reasoning_content: z.string().optional(),
        tool_calls: z.array(ChunkToolCallDeltaSchema).optional(),
      }),
      finish_reason: z.string().nullable(),
      logprobs: z.null().optional(),
      /** `tool_use`: JSON string of [call, result, call, result, …] as the seed sent it. */
      message_extras: z.object({ tool_use: z.string() }).optional(),
      /**
       * Extension: the turn paused for a person (tool approvals, MCP elicitations); comes with
       * `finish_reason: "approval_required"` and the stream ends. Answer with `POST /v1/turns/{id}/approvals`.
       */
      approval_requests: z.array(OpenAiApprovalRequestSchema).optional().describe(APPROVAL_REQUESTS_DOC),
    }),
  ),
  usage: CompletionUsageSchema.nullable().optional(),
});
export type ChatCompletionChunk = z.infer<typeof ChatCompletionChunkSchema>;

export const NonStreamToolUseSchema = z.object({ name: z.string(), arguments: z.unknown(), result: z.unknown() });

export const MessageToolCallSchema = z.object({
  id: z.string(),
  type: z.literal('function'),
  function: z.object({ name: z.string(), arguments: z.string() }),
});
export type MessageToolCall = z.infer<typeof MessageToolCallSchema>;

export const ChatCompletionSchema = z.object({
  id: z.string(),
  object: z.literal('chat.completion'),
  created: z.number().int(),
  model: z.string(),
  system_fingerprint: z.string().nullable().optional(),
  choices: z.array(
    z.object({
      index: z.number().int().min(0),
      message: z.object({
        role: z.literal('assistant'),
        content: z.string().nullable(),
        reasoning_content: z.string().optional(),
        refusal: z.null().optional(),
        /** The calls of the request's own tools (`tools`) the client is to run; `finish_reason` is then `tool_calls`. */
        tool_calls: z.array(MessageToolCallSchema).optional(),
        /** Extension: the asks the response stopped at (`finish_reason: "approval_required"`); answer with `POST /v1/turns/{id}/approvals`. */
        approval_requests: z.array(OpenAiApprovalRequestSchema).optional().describe(APPROVAL_REQUESTS_DOC),
      }),
      finish_reason: z.string(),
      logprobs: z.null().optional(),
      message_extras: z.object({ tool_use: z.array(NonStreamToolUseSchema) }).optional(),
    }),
  ),
  usage: CompletionUsageSchema,
});
export type ChatCompletion = z.infer<typeof ChatCompletionSchema>;

/** OpenAI's stream and completion finish reasons for a turn's finish reason. */
export function toOpenAiFinishReason(reason: FinishReason): OpenAiFinishReason {
  switch (reason) {
    case 'max_tokens':
      return 'length';
    case 'tool_use':
      return 'tool_calls';
    case 'guardrail_intervened':
    case 'content_filtered':
      return 'content_filter';
    default:
      return 'stop';
  }
}

/**
 * OpenAI's usage object for a turn's usage. Bedrock counts cache reads and writes apart from
 * inputTokens; OpenAI's prompt_tokens includes them, with the reads as `cached_tokens`.
 */
export function toCompletionUsage(usage: Usage): CompletionUsage {
  const cacheRead = usage.cacheReadInputTokens ?? 0;
  const cacheWrite = usage.cacheWriteInputTokens ?? 0;
  if (cacheRead === 0 && cacheWrite === 0) return { prompt_tokens: usage.inputTokens, completion_tokens: usage.outputTokens, total_tokens: usage.totalTokens };
  const promptTokens = usage.inputTokens + cacheRead + cacheWrite;
  return {
    prompt_tokens: promptTokens,
    completion_tokens: usage.outputTokens,
    total_tokens: promptTokens + usage.outputTokens,
    prompt_tokens_details: { cached_tokens: cacheRead },
    ...(cacheWrite > 0 ? { cache_creation_input_tokens: cacheWrite } : {}),
  };
}

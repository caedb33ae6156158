import { DEFAULT_MAX_TOKENS, DEFAULT_TEMPERATURE, type ChatCompletionRequest, type ChatJob, type ModelConfig } from '@bedrock-mcp/contracts';

export interface ChatJobInput {
  turnId: string;
  userId: string;
  body: ChatCompletionRequest;
  model: ModelConfig;
  /** Checked, deduplicated server ids. */
  mcpServerIds: string[];
  /** epoch ms */
  createdAt: number;
}

/** The BullMQ job payload of a turn (ChatJobSchema), with the seed's defaults applied. */
export function buildChatJob({ turnId, userId, body, model, mcpServerIds, createdAt }: ChatJobInput): ChatJob {
  const stop = body.stop === null || body.stop === undefined ? undefined : Array.isArray(body.stop) ? body.stop : [body.stop];
  return {
    turnId,
    userId,
    model: model.model_id,
    messages: body.messages,
    mcpServerIds,
    keepSession: body.keep_session,
    maxTokens: body.max_completion_tokens ?? body.max_tokens ?? DEFAULT_MAX_TOKENS,
    temperature: body.temperature ?? DEFAULT_TEMPERATURE,
    ...(body.top_p !== undefined ? { topP: body.top_p } : {}),
    ...(body.top_k !== undefined ? { topK: body.top_k } : {}),
    ...(stop && stop.length > 0 ? { stopSequences: stop } : {}),
    // Thinking only where the model supports it (the seed's UI sends the switch for every model).
    thinking: { enabled: body.extra_params.enable_thinking && model.supports_thinking, budgetTokens: body.extra_params.budget_tokens },
    onlyNMostRecentImages: body.extra_params.only_n_most_recent_images,
    ...(body.require_approval !== undefined ? { requireApproval: body.require_approval } : {}),
    ...(body.conversation_id !== undefined ? { conversationId: body.conversation_id } : {}),
    createdAt,
  };
}

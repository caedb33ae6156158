import { DEFAULT_MAX_TOKENS, DEFAULT_TEMPERATURE, functionToolsOf, requestServerOf, toClientTool, type ChatCompletionRequest, type ChatJob, type ModelConfig, type RequestServer } from '@bedrock-mcp/contracts';

export interface ChatJobInput {
  turnId: string;
  userId: string;
  body: ChatCompletionRequest;
  model: ModelConfig;
  /** Checked, deduplicated server ids. */
  mcpServerIds: string[];
  /** epoch ms */
  createdAt: number;
  /** Seals a request server's token and header values (RequestServerSecrets): the job never holds them in plain text. */
  sealSecrets: (server: RequestServer) => RequestServer;
}

/** Whether the turn continues a server-side history (the job's `keepSession`): a `conversation_id` keeps the session too. */
export function keepsServerHistory(request: Pick<ChatCompletionRequest, 'keep_session' | 'conversation_id'>): boolean {
  return request.keep_session || request.conversation_id !== undefined;
}

/**
 * The BullMQ job payload of a turn (ChatJobSchema), with the seed's defaults applied. A turn with
 * server-side history (`conversation_id`, or `keep_session`: the default conversation) carries only
 * the system messages and the latest user message (or the tool messages that answer the client tool
 * calls the conversation ended with): the worker prepends the conversation's history.
 */
export function buildChatJob({ turnId, userId, body, model, mcpServerIds, createdAt, sealSecrets }: ChatJobInput): ChatJob {
  const serverSide = keepsServerHistory(body);
  const requestServers = (body.tools ?? []).flatMap((tool) => (tool.type === 'mcp' ? [sealSecrets(requestServerOf(tool, turnId))] : []));
  const clientTools = functionToolsOf(body.tools);
  const stop = body.stop === null || body.stop === undefined ? undefined : Array.isArray(body.stop) ? body.stop : [body.stop];
  return {
    turnId,
    userId,
    model: model.model_id,
    messages: serverSide ? latestExchangeOf(body.messages) : body.messages,
    mcpServerIds,
    ...(requestServers.length > 0 ? { requestServers } : {}),
    ...(clientTools.length > 0 ? { clientTools: clientTools.map(toClientTool) } : {}),
    ...(body.tool_choice !== undefined ? { toolChoice: body.tool_choice } : {}),
    ...(body.response_format && body.response_format.type !== 'text' ? { responseFormat: body.response_format } : {}),
    keepSession: serverSide,
    maxTokens: body.max_completion_tokens ?? body.max_tokens ?? DEFAULT_MAX_TOKENS,
    temperature: body.temperature ?? DEFAULT_TEMPERATURE,
    ...(body.top_p !== undefined ? { topP: body.top_p } : {}),
    ...(body.top_k !== undefined ? { topK: body.top_k } : {}),
    ...(stop && stop.length > 0 ? { stopSequences: stop } : {}),
    // Thinking only where the model supports it (the seed's UI sends the switch for every model).
    thinking: { enabled: body.extra_params.enable_thinking && model.supports_thinking, budgetTokens: body.extra_params.budget_tokens },
    onlyNMostRecentImages: body.extra_params.only_n_most_recent_images,
    ...(body.extra_params.prompt_caching !== undefined ? { promptCaching: body.extra_params.prompt_caching } : {}),
    ...(body.require_approval !== undefined ? { requireApproval: body.require_approval } : {}),
    ...(body.conversation_id !== undefined ? { conversationId: body.conversation_id } : {}),
    ...(body.replace_last ? { replaceLast: true } : {}),
    createdAt,
  };
}

/**
 * The system (and developer) messages and the last one (the user's, as the request schema checked),
 * or the trailing tool messages: the results of the client tool calls the stored history ends with.
 */
function latestExchangeOf(messages: ChatCompletionRequest['messages']): ChatCompletionRequest['messages'] {
  let start = messages.length - 1;
  if (messages.at(-1)?.role === 'tool') while (start > 0 && messages[start - 1]?.role === 'tool') start -= 1;
  const system = messages.slice(0, start).filter((message) => message.role === 'system' || message.role === 'developer');
  return [...system, ...messages.slice(start)];
}

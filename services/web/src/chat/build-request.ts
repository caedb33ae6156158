import type { ChatCompletionRequestInput, ChatMessage, UserContentPart } from '@bedrock-mcp/contracts';
import { attachmentToContentPart } from '../attachments/attachment.js';
import type { ChatOptions } from '../settings/chat-options.js';
import type { ConversationMessage, UserChatMessage } from './conversation.js';
import { turnText, type ToolBlock, type TurnBlock } from './turn-reducer.js';

export interface BuildRequestInput {
  /** Earlier messages of the conversation (without the new one). */
  history: readonly ConversationMessage[];
  message: UserChatMessage;
  /** The conversation's id: "always for this conversation" approvals are remembered under it. */
  conversationId: string;
  options: ChatOptions;
  mcpServerIds: readonly string[];
  supportsThinking: boolean;
}

/**
 * The chat request for the gateway. With keep_session the server holds the history, so only
 * the system prompt and the new message are sent; otherwise the conversation's text is replayed.
 */
export function buildChatRequest(input: BuildRequestInput): ChatCompletionRequestInput {
  const { options } = input;
  const messages: ChatMessage[] = [];
  if (options.systemPrompt.trim()) messages.push({ role: 'system', content: options.systemPrompt });
  if (!options.keepSession) messages.push(...historyMessages(input.history));
  messages.push(userMessage(input.message));
  const thinking = input.supportsThinking && options.enableThinking;
  return {
    model: options.model,
    messages,
    stream: true,
    max_tokens: options.maxTokens,
    temperature: options.temperature,
    keep_session: options.keepSession,
    conversation_id: input.conversationId,
    mcp_server_ids: [...input.mcpServerIds],
    extra_params: { enable_thinking: thinking, budget_tokens: options.budgetTokens },
  };
}

function userMessage(message: UserChatMessage): ChatMessage {
  const sendable = message.attachments.filter((attachment) => attachment.data);
  if (sendable.length === 0) return { role: 'user', content: message.text };
  const parts: UserContentPart[] = sendable.map(attachmentToContentPart);
  if (message.text.trim()) parts.push({ type: 'text', text: message.text });
  return { role: 'user', content: parts };
}

/** Answers that failed before saying anything are left out, and so is the question they answered. */
function historyMessages(history: readonly ConversationMessage[]): ChatMessage[] {
  const messages: ChatMessage[] = [];
  for (let index = 0; index < history.length; index += 1) {
    const message = history[index];
    const answer = history[index + 1];
    if (message?.role !== 'user' || answer?.role !== 'assistant') continue;
    const text = turnText(answer.turn).trim() || toolSummary(answer.turn.blocks);
    if (!text) continue;
    messages.push(userMessage(message), { role: 'assistant', content: text });
    index += 1;
  }
  return messages;
}

function toolSummary(blocks: readonly TurnBlock[]): string {
  const tools = blocks.filter((block): block is ToolBlock => block.kind === 'tool');
  return tools.length ? `(used tools: ${tools.map((tool) => tool.toolName ?? tool.name).join(', ')})` : '';
}

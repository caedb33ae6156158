import type { ChatCompletionRequestInput, ChatMessage, UserContentPart } from '@bedrock-mcp/contracts';
import { attachmentToContentPart } from '../attachments/attachment.js';
import type { ChatOptions } from '../settings/chat-options.js';
import type { UserChatMessage } from './conversation.js';

export interface BuildRequestInput {
  message: UserChatMessage;
  /** The server-side conversation the message continues (created by its first turn). */
  conversationId: string;
  options: ChatOptions;
  mcpServerIds: readonly string[];
  supportsThinking: boolean;
  /** The message replaces the conversation's last one, whose answer is dropped (edit and resend, regenerate). */
  replaceLast?: boolean;
}

/**
 * The chat request for the gateway. The conversation is kept server-side (`conversation_id`), so
 * only the system prompt and the new message are sent.
 */
export function buildChatRequest(input: BuildRequestInput): ChatCompletionRequestInput {
  const { options } = input;
  const messages: ChatMessage[] = [];
  if (options.systemPrompt.trim()) messages.push({ role: 'system', content: options.systemPrompt });
  messages.push(userMessage(input.message));
  const thinking = input.supportsThinking && options.enableThinking;
  return {
    model: options.model,
    messages,
    stream: true,
    max_tokens: options.maxTokens,
    temperature: options.temperature,
    conversation_id: input.conversationId,
    ...(input.replaceLast ? { replace_last: true } : {}),
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

import { EMPTY_CONVERSATION, joinTexts, type ConversationView } from './conversation-view.js';
import type { ToolResultView } from './types.js';

// The Chat Completions request body. Loose on purpose: the emulator reads what it needs and records the rest.

export interface OpenAIContentPart {
  type: string;
  text?: string;
  image_url?: { url: string; detail?: string };
}

export interface OpenAIToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export interface OpenAIChatMessage {
  role: 'system' | 'developer' | 'user' | 'assistant' | 'tool';
  content?: string | OpenAIContentPart[] | null;
  tool_calls?: OpenAIToolCall[];
  tool_call_id?: string;
  reasoning_content?: string;
  name?: string;
}

export interface OpenAIChatRequest {
  model?: string;
  messages?: OpenAIChatMessage[];
  tools?: { type: 'function'; function: { name: string; description?: string; parameters?: unknown } }[];
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
  max_tokens?: number;
  max_completion_tokens?: number;
  temperature?: number;
  [field: string]: unknown;
}

export function openaiConversationView(request: OpenAIChatRequest): ConversationView {
  const messages = request.messages ?? [];
  const last = messages.at(-1);
  if (last?.role === 'user') return { lastUserText: joinTexts(textsOf(last.content)), toolResults: [] };
  if (last?.role === 'tool') return { lastUserText: undefined, toolResults: trailingToolResults(messages) };
  return EMPTY_CONVERSATION;
}

/** Parallel tool calls are answered by consecutive `tool` messages; all of them form the "last turn". */
function trailingToolResults(messages: readonly OpenAIChatMessage[]): ToolResultView[] {
  let start = messages.length;
  while (start > 0 && messages[start - 1]?.role === 'tool') start -= 1;
  const toolNamesById = toolNamesOf(messages[start - 1]);
  return messages.slice(start).map((message) => {
    const toolUseId = message.tool_call_id ?? '';
    return {
      name: toolNamesById.get(toolUseId),
      toolUseId,
      text: textsOf(message.content).join('\n'),
      images: 0,
      isError: false,
    };
  });
}

function toolNamesOf(message: OpenAIChatMessage | undefined): Map<string, string> {
  const calls = message?.role === 'assistant' ? (message.tool_calls ?? []) : [];
  return new Map(calls.map((call) => [call.id, call.function.name]));
}

function textsOf(content: OpenAIChatMessage['content']): string[] {
  if (typeof content === 'string') return [content];
  return (content ?? []).flatMap((part) => (part.type === 'text' && part.text !== undefined ? [part.text] : []));
}

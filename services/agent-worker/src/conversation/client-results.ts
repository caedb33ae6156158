import type { ChatMessage, ConversationMessage, ConversationPart } from '@bedrock-mcp/contracts';
import { textOf } from './from-chat-messages.js';

type ToolCallPart = Extract<ConversationPart, { type: 'tool_call' }>;

/**
 * What a turn that continues after client tool calls records before its answer: the calls the
 * conversation's last answer made, now with the client's results (the request's trailing `tool`
 * messages). Undefined when the request is no such continuation of `last`, so nothing is recorded
 * for it (a turn's answer is recorded after its own question otherwise).
 */
export function clientResultParts(messages: readonly ChatMessage[], last: ConversationMessage | undefined): ToolCallPart[] | undefined {
  if (last?.role !== 'assistant') return undefined;
  const results = new Map<string, string>();
  for (let index = messages.length - 1; index >= 0; index--) {
    const message = messages[index]!;
    if (message.role !== 'tool') break;
    results.set(message.tool_call_id, textOf(message.content));
  }
  const answered = last.parts.flatMap((part): ToolCallPart[] => {
    if (part.type !== 'tool_call') return [];
    const result = results.get(part.tool_use_id);
    if (result === undefined) return [];
    return [{ ...part, status: 'done', result: { content: [{ type: 'text', text: result }], is_error: false } }];
  });
  return answered.length > 0 ? answered : undefined;
}

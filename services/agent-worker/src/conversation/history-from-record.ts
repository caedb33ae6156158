import type { ConversationMessage, ConversationPart, ConverseMessage } from '@bedrock-mcp/contracts';
import { boundHistory, isExchangeStart, mergeConsecutiveRoles } from '@bedrock-mcp/turns';

/** Characters of a tool call's input and of its result kept in a rebuilt history. */
const MAX_INPUT_CHARS = 500;
const MAX_RESULT_CHARS = 2000;

/**
 * A model history rebuilt from a conversation's record, for a conversation whose history expired
 * (HISTORY_CONVERSATION_TTL_S) or was lost: text only, so nothing needs signatures or tool-use ids
 * the model would check. Tool calls and their text results are folded into the answer's text (the
 * model keeps the facts it found), images and documents become a short note, thinking is left out.
 * At most `maxMessages`, cut at an exchange start like a saved history.
 */
export function historyFromRecord(messages: readonly ConversationMessage[], maxMessages: number): ConverseMessage[] {
  const converse = messages.flatMap((message): ConverseMessage[] => {
    const text = message.parts
      .map((part) => partText(part))
      .filter((line) => line !== '')
      .join('\n\n');
    return text.trim() === '' ? [] : [{ role: message.role, content: [{ text }] }];
  });
  return boundHistory(mergeConsecutiveRoles(converse), maxMessages);
}

function partText(part: ConversationPart): string {
  switch (part.type) {
    case 'text':
      return part.text;
    case 'image':
      return `[an image${part.name ? ` (${part.name})` : ''} was attached here; it is no longer available]`;
    case 'document':
      return `[the document ${part.name} was attached here; it is no longer available]`;
    case 'tool_call': {
      const input = cap(JSON.stringify(part.input ?? {}), MAX_INPUT_CHARS);
      // The client's result, when it sent one, is in the next message (the turn that continued with it).
      if (part.status === 'client') return `[asked the client to run the tool ${part.name} with ${input}]`;
      if (part.status === 'cancelled' || !part.result) return `[called the tool ${part.name} with ${input}: it did not run]`;
      const text = part.result.content
        .map((result) => (result.type === 'text' ? result.text : result.type === 'image' ? '[image]' : (result.text ?? `[resource ${result.uri}]`)))
        .join('\n');
      return `[called the tool ${part.name} with ${input}; ${part.result.is_error ? 'it failed' : 'it returned'}: ${cap(text, MAX_RESULT_CHARS)}]`;
    }
    case 'thinking':
    case 'ask':
      return '';
  }
}

function cap(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}

/** The history without its last exchange (the last user message that is not a tool result, and everything after it): replace_last. */
export function withoutLastExchange(messages: readonly ConverseMessage[]): ConverseMessage[] {
  for (let index = messages.length - 1; index >= 0; index--) {
    if (isExchangeStart(messages[index]!)) return messages.slice(0, index);
  }
  return [...messages];
}

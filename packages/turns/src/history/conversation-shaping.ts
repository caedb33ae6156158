import { isReasoning, isToolResult, isToolUse, type ConverseMessage } from '@bedrock-mcp/contracts';

/**
 * Bedrock wants user and assistant messages to alternate and none to be empty: consecutive
 * messages of one role become one (e.g. the tool results of an ended turn followed by the next
 * user text), empty ones are dropped.
 */
export function mergeConsecutiveRoles(messages: readonly ConverseMessage[]): ConverseMessage[] {
  const merged: ConverseMessage[] = [];
  for (const message of messages) {
    if (message.content.length === 0) continue;
    const last = merged.at(-1);
    if (last?.role === message.role) merged[merged.length - 1] = { role: last.role, content: [...last.content, ...message.content] };
    else merged.push({ role: message.role, content: [...message.content] });
  }
  return merged;
}

/**
 * Makes a conversation safe to send again: every toolUse is answered by a toolResult in the next
 * message and every toolResult answers a toolUse of the message before (unanswered ones, e.g.
 * from a turn stopped or cut at max_tokens, are dropped), and reasoning without a signature (a
 * block cut off mid-stream) is dropped, since Bedrock refuses both. `keepPendingToolUses` keeps
 * the tool uses of a last assistant message (a stored history waiting for a client's tool results);
 * sealing the history with the next request's messages drops them if those do not answer them.
 */
export function sealConversation(messages: readonly ConverseMessage[], options: { keepPendingToolUses?: boolean } = {}): ConverseMessage[] {
  const sealed: ConverseMessage[] = messages.map((message, index) => {
    if (message.role === 'assistant') {
      // A stored history may end with the calls of a client's tools, answered by its next request.
      const pending = options.keepPendingToolUses && index === messages.length - 1;
      const answered = new Set(pending ? useIdsOf(message) : resultIdsOf(messages[index + 1]));
      return {
        role: message.role,
        content: message.content.filter(
          (block) =>
            !(isToolUse(block) && !answered.has(block.toolUse.toolUseId)) &&
            !(isReasoning(block) && 'reasoningText' in block.reasoningContent && !block.reasoningContent.reasoningText.signature),
        ),
      };
    }
    const asked = new Set(useIdsOf(index > 0 ? messages[index - 1] : undefined));
    return { role: message.role, content: message.content.filter((block) => !(isToolResult(block) && !asked.has(block.toolResult.toolUseId))) };
  });
  return mergeConsecutiveRoles(dropReasoningOnlyMessages(sealed));
}

/** An assistant message left with only reasoning (its text and tool uses dropped) cannot be sent back. */
function dropReasoningOnlyMessages(messages: ConverseMessage[]): ConverseMessage[] {
  return messages.filter((message) => !(message.role === 'assistant' && message.content.every(isReasoning)));
}

function resultIdsOf(message: ConverseMessage | undefined): string[] {
  if (message?.role !== 'user') return [];
  return message.content.filter(isToolResult).map((block) => block.toolResult.toolUseId);
}

function useIdsOf(message: ConverseMessage | undefined): string[] {
  if (message?.role !== 'assistant') return [];
  return message.content.filter(isToolUse).map((block) => block.toolUse.toolUseId);
}

/** A user message that starts an exchange: it has no tool results (a history may be cut in front of it). */
export function isExchangeStart(message: ConverseMessage): boolean {
  return message.role === 'user' && !message.content.some(isToolResult);
}

/**
 * At most `maxMessages` messages, cut from the front at the start of an exchange so a toolUse is
 * never separated from its toolResult. When even the latest exchange is longer than the bound it
 * is kept whole (MAX_TURNS bounds it).
 */
export function boundHistory(messages: readonly ConverseMessage[], maxMessages: number): ConverseMessage[] {
  if (messages.length <= maxMessages) return [...messages];
  const earliestStart = messages.length - maxMessages;
  for (let index = earliestStart; index < messages.length; index++) {
    if (isExchangeStart(messages[index]!)) return messages.slice(index);
  }
  for (let index = earliestStart - 1; index >= 0; index--) {
    if (isExchangeStart(messages[index]!)) return messages.slice(index);
  }
  return [...messages];
}

import { isToolResult, type ContentBlock, type ConverseMessage } from '@bedrock-mcp/contracts';

/** What replaces a tool-result image dropped by keepRecentToolImages. */
export const OMITTED_IMAGE_TEXT = '[older image omitted]';

/**
 * Keeps only the `keep` most recent images inside tool results (computer-use screenshots add up
 * fast); older ones become a short text so the result is never empty. `keep` 0 drops them all.
 */
export function keepRecentToolImages(messages: readonly ConverseMessage[], keep: number): ConverseMessage[] {
  let seen = 0;
  const out: ConverseMessage[] = [];
  for (let index = messages.length - 1; index >= 0; index--) {
    const message = messages[index]!;
    if (!message.content.some(isToolResult)) {
      out.push(message);
      continue;
    }
    const content = [...message.content]
      .reverse()
      .map((block): ContentBlock => {
        if (!isToolResult(block)) return block;
        const parts = [...block.toolResult.content].reverse().map((part) => {
          if (!('image' in part)) return part;
          seen++;
          return seen > keep ? { text: OMITTED_IMAGE_TEXT } : part;
        });
        return { toolResult: { ...block.toolResult, content: parts.reverse() } };
      })
      .reverse();
    out.push({ role: message.role, content });
  }
  return out.reverse();
}

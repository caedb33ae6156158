import type { ToolResult, ToolResultBlock, ToolResultContent } from '@bedrock-mcp/contracts';
import { imageFormatFor } from './image-source.js';

/**
 * An MCP tool result (as the pool returns it) → the Converse toolResult the model sees: text as
 * text, images as image blocks (png/jpeg/gif/webp; others described in text), text resources as
 * text, binary resources described, structuredContent as json when there is nothing else; an
 * error result has status `error`.
 */
export function toToolResultBlock(toolUseId: string, result: ToolResult): ToolResultBlock {
  const content: ToolResultContent[] = [];
  for (const part of result.content) {
    if (part.type === 'text') {
      if (part.text) content.push({ text: part.text });
    } else if (part.type === 'image') {
      const bytes = Buffer.from(part.data, 'base64');
      const format = imageFormatFor(part.mimeType, bytes);
      content.push(format ? { image: { format, bytes: part.data } } : { text: `[image of unsupported type ${part.mimeType} omitted]` });
    } else if (part.text !== undefined) {
      content.push({ text: `[resource ${part.uri}]\n${part.text}` });
    } else {
      const size = part.blob ? Buffer.byteLength(part.blob, 'base64') : 0;
      content.push({ text: `[binary resource ${part.uri} (${part.mimeType ?? 'unknown type'}, ${size} bytes) not shown]` });
    }
  }
  if (content.length === 0 && result.structuredContent) content.push({ json: result.structuredContent });
  if (result.truncatedBytes > 0) content.push({ text: `[result truncated: ${result.truncatedBytes} bytes cut]` });
  if (content.length === 0) content.push({ text: '(empty result)' });
  return { toolResult: { toolUseId, content, status: result.isError ? 'error' : 'success' } };
}

/** A failure the model should see as the tool's (error) result rather than a failed turn. */
export function errorToolResult(message: string): ToolResult {
  return { content: [{ type: 'text', text: message }], isError: true, truncatedBytes: 0 };
}

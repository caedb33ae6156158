import type { ToolResult, ToolResultPart } from '@bedrock-mcp/contracts';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';

/** Room kept for the marker text when a result is cut (bytes). */
const MARKER_RESERVE = 64;

/**
 * An MCP CallToolResult as the contract's ToolResult: text, images (base64 + MIME type),
 * embedded resources and resource links kept, audio noted (models take no audio), `isError`
 * kept. A result over `maxBytes` (UTF-8 bytes of text plus base64 characters plus the JSON of
 * structuredContent) is cut in order: the part that crosses the limit is shortened when it is
 * text and dropped when it is binary, later parts are dropped, and a marker names the bytes lost.
 */
export function mapToolResult(result: CallToolResult, maxBytes: number): ToolResult {
  const parts = (result.content ?? []).map(toPart);
  const structured = isRecord(result.structuredContent) ? result.structuredContent : undefined;
  const structuredSize = structured ? Buffer.byteLength(JSON.stringify(structured)) : 0;
  const total = parts.reduce((sum, part) => sum + partSize(part), 0) + structuredSize;
  const isError = result.isError === true;
  if (total <= maxBytes) return { content: parts, isError, truncatedBytes: 0, ...(structured ? { structuredContent: structured } : {}) };

  let remaining = Math.max(0, maxBytes - MARKER_RESERVE);
  let dropped = 0;
  const kept: ToolResultPart[] = [];
  for (const part of parts) {
    const size = partSize(part);
    if (size <= remaining) {
      kept.push(part);
      remaining -= size;
      continue;
    }
    const cuttable = part.type === 'text' || (part.type === 'resource' && part.blob === undefined && part.text !== undefined);
    if (cuttable && remaining > 0) {
      const cut = cutUtf8(part.text ?? '', remaining);
      kept.push({ ...part, text: cut });
      dropped += size - Buffer.byteLength(cut);
    } else {
      dropped += size;
    }
    remaining = 0;
  }
  const keepStructured = structured !== undefined && structuredSize <= remaining;
  if (structured && !keepStructured) dropped += structuredSize;
  kept.push({ type: 'text', text: `[… truncated ${dropped.toLocaleString('en-US')} bytes]` });
  return { content: kept, isError, truncatedBytes: dropped, ...(keepStructured ? { structuredContent: structured } : {}) };
}

function toPart(block: CallToolResult['content'][number]): ToolResultPart {
  switch (block.type) {
    case 'text':
      return { type: 'text', text: block.text };
    case 'image':
      return { type: 'image', mimeType: block.mimeType, data: block.data };
    case 'resource': {
      const resource = block.resource;
      return {
        type: 'resource',
        uri: resource.uri,
        ...(resource.mimeType ? { mimeType: resource.mimeType } : {}),
        ...('text' in resource && typeof resource.text === 'string' ? { text: resource.text } : {}),
        ...('blob' in resource && typeof resource.blob === 'string' ? { blob: resource.blob } : {}),
      };
    }
    case 'resource_link':
      return { type: 'resource', uri: block.uri, ...(block.mimeType ? { mimeType: block.mimeType } : {}) };
    case 'audio':
      return { type: 'text', text: `[audio result omitted: ${block.mimeType}, ${block.data.length.toLocaleString('en-US')} base64 characters]` };
    default:
      return { type: 'text', text: `[unsupported content type: ${String((block as { type?: unknown }).type)}]` };
  }
}

function partSize(part: ToolResultPart): number {
  switch (part.type) {
    case 'text':
      return Buffer.byteLength(part.text);
    case 'image':
      return part.data.length;
    case 'resource':
      return (part.text ? Buffer.byteLength(part.text) : 0) + (part.blob?.length ?? 0);
  }
}

/** The longest prefix of `text` whose UTF-8 encoding fits in `maxBytes`, never splitting a character. */
function cutUtf8(text: string, maxBytes: number): string {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return text;
  let end = maxBytes;
  // Step back over continuation bytes (10xxxxxx) to a character boundary.
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString('utf8');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

import { parseDataUrl, type ChatMessage } from '@bedrock-mcp/contracts';
import { GatewayError } from './gateway-error.js';

/** Decoded size of a base64 payload, in bytes (without decoding it). */
function base64DecodedBytes(base64: string): number {
  const padding = base64.endsWith('==') ? 2 : base64.endsWith('=') ? 1 : 0;
  return Math.max(0, Math.floor((base64.length * 3) / 4) - padding);
}

/** Throws 413 naming the first image or file part larger than `maxBytes` (decoded). */
export function assertAttachmentSizes(messages: readonly ChatMessage[], maxBytes: number): void {
  messages.forEach((message, messageIndex) => {
    if (message.role !== 'user' || typeof message.content === 'string') return;
    message.content.forEach((part, partIndex) => {
      let base64: string | undefined;
      let field = '';
      if (part.type === 'image_url') {
        base64 = parseDataUrl(part.image_url.url)?.base64;
        field = 'image_url.url';
      } else if (part.type === 'file') {
        base64 = parseDataUrl(part.file.file_data)?.base64 ?? part.file.file_data;
        field = 'file.file_data';
      }
      if (base64 === undefined) return;
      const bytes = base64DecodedBytes(base64);
      if (bytes > maxBytes) {
        const param = `messages[${messageIndex}].content[${partIndex}].${field}`;
        throw new GatewayError('payload_too_large', `${param}: attachment of ${bytes} bytes exceeds the limit of ${maxBytes} bytes`, param);
      }
    });
  });
}

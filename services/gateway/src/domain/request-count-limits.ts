import type { ChatMessage } from '@bedrock-mcp/contracts';
import { GatewayError } from './gateway-error.js';

export interface RequestCountLimits {
  /** Messages per request. */
  maxMessages: number;
  /** Image parts per request, over all messages. */
  maxImages: number;
  /** File (document) parts per request, over all messages. */
  maxDocuments: number;
}

/**
 * Throws 400 when a chat request carries more messages, image parts or file parts than allowed,
 * naming the message count or the first part past the limit. Bedrock itself refuses more than 20
 * images or 5 documents in one request, so without this the turn would queue and only fail there.
 */
export function assertRequestCounts(messages: readonly ChatMessage[], limits: RequestCountLimits): void {
  if (messages.length > limits.maxMessages) {
    throw new GatewayError('invalid_request', `messages: ${messages.length} messages exceed the limit of ${limits.maxMessages} per request`, 'messages');
  }
  let images = 0;
  let documents = 0;
  messages.forEach((message, messageIndex) => {
    if (message.role !== 'user' || typeof message.content === 'string') return;
    message.content.forEach((part, partIndex) => {
      if (part.type === 'image_url' && ++images > limits.maxImages) {
        const param = `messages[${messageIndex}].content[${partIndex}]`;
        throw new GatewayError('invalid_request', `${param}: more than ${limits.maxImages} images in one request`, param);
      }
      if (part.type === 'file' && ++documents > limits.maxDocuments) {
        const param = `messages[${messageIndex}].content[${partIndex}]`;
        throw new GatewayError('invalid_request', `${param}: more than ${limits.maxDocuments} documents (file parts) in one request`, param);
      }
    });
  });
}

/**
 * The message count of a body not parsed yet: refusing a huge array before the schema walks it
 * keeps one request from costing the gateway seconds of CPU (a body at MAX_BODY_BYTES holds
 * hundreds of thousands of tiny messages).
 */
export function assertRawMessageCount(body: unknown, maxMessages: number): void {
  const messages = (body as { messages?: unknown } | null | undefined)?.messages;
  if (Array.isArray(messages) && messages.length > maxMessages) {
    throw new GatewayError('invalid_request', `messages: ${messages.length} messages exceed the limit of ${maxMessages} per request`, 'messages');
  }
}

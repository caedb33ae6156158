import { DOCUMENT_MEDIA_TYPES, type ChatMessage, type ConversationPart, type ConverseMessage } from '@bedrock-mcp/contracts';
import type { ConversationBlobs } from './conversation-blobs.js';

/**
 * The parts of the turn's user message as the conversation keeps it, from the message the model
 * is given (`latest`: the last user message converted, images fetched and decoded) and the chat
 * message it came from (the documents' own file names). Bytes go to `blobs`.
 */
export function recordedUserParts(latest: ConverseMessage, chatMessage: ChatMessage | undefined, blobs: ConversationBlobs): ConversationPart[] {
  const chatParts = chatMessage?.role === 'user' && typeof chatMessage.content !== 'string' ? chatMessage.content : [];
  const fileNames = chatParts.flatMap((part) => (part.type === 'file' ? [part.file.filename] : []));
  const documents = latest.content.filter((block) => 'document' in block).length;
  const typedText = typeof chatMessage?.content === 'string' || chatParts.some((part) => part.type === 'text');
  let documentIndex = 0;
  const parts: ConversationPart[] = [];
  for (const block of latest.content) {
    if ('text' in block && typeof block.text === 'string') {
      // The converter adds a text to a message of documents only (Bedrock wants one); the user did not write it.
      if (typedText || documents === 0) parts.push({ type: 'text', text: block.text });
    } else if ('image' in block) {
      parts.push({ type: 'image', blob: blobs.add(Buffer.from(block.image.bytes, 'base64'), `image/${block.image.format}`) });
    } else if ('document' in block) {
      // The chat message's files are the last `documents` of the merged user message.
      const name = fileNames[fileNames.length - documents + documentIndex] ?? block.document.name;
      documentIndex += 1;
      const blob = blobs.add(Buffer.from(block.document.bytes, 'base64'), DOCUMENT_MEDIA_TYPES[block.document.format]);
      parts.push({ type: 'document', blob, name: name.slice(0, 255), format: block.document.format });
    }
  }
  return parts;
}

import type {
  ConversationMessage as StoredMessage,
  ConversationPart,
  ConversationToolResultPart,
} from '@bedrock-mcp/contracts';
import type { Attachment } from '../attachments/attachment.js';
import type { ConversationMessage, UserChatMessage } from './conversation.js';
import { createTurn, type ShownResultPart, type TurnBlock, type TurnState } from './turn-reducer.js';

/** Where a blob of the open conversation is read (`GatewayClient.conversationBlobUrl` bound to it). */
export type BlobUrl = (blobId: string) => string;

/**
 * Pure: a stored conversation's messages as the live view's render model, so one rendering path
 * serves both. Files and images point to their blob URLs; a finished answer's asks keep their
 * outcome and cannot be answered. `activeTurnId`: a turn still running, whose answer is not
 * stored yet: it gets an empty streaming answer to be filled by resuming the turn's stream.
 */
export function storedToChatMessages(stored: readonly StoredMessage[], blobUrl: BlobUrl, activeTurnId?: string | null): ConversationMessage[] {
  const messages: ConversationMessage[] = [];
  for (const message of stored) {
    if (activeTurnId && message.role === 'assistant' && message.turn_id === activeTurnId) continue;
    messages.push(message.role === 'user' ? storedUserMessage(message, blobUrl) : { id: message.id, role: 'assistant', turn: storedTurn(message, blobUrl) });
  }
  if (activeTurnId) messages.push({ id: `a-${activeTurnId}`, role: 'assistant', turn: resumingTurn(activeTurnId) });
  return messages;
}

const RESUMING_PREFIX = 'resume-';

/** An answer being streamed elsewhere, followed from its first event. */
function resumingTurn(turnId: string): TurnState {
  return { ...createTurn(`${RESUMING_PREFIX}${turnId}`), turnId, status: 'streaming' };
}

/** Whether this page follows the turn without having sent it (opened while it ran, or started on another device). */
export function isFollowedTurn(turn: TurnState): boolean {
  return turn.requestId.startsWith(RESUMING_PREFIX);
}

export function storedUserMessage(message: StoredMessage, blobUrl: BlobUrl): UserChatMessage {
  const texts: string[] = [];
  const attachments: Attachment[] = [];
  message.parts.forEach((part, index) => {
    if (part.type === 'text') texts.push(part.text);
    else if (part.type === 'image' || part.type === 'document') {
      attachments.push({
        id: `${message.id}-${index}`,
        kind: part.type,
        name: part.name ?? `image ${attachments.length + 1}`,
        mimeType: part.blob.media_type,
        size: part.blob.bytes,
        data: '',
        url: blobUrl(part.blob.blob_id),
      });
    }
  });
  return { id: message.id, role: 'user', text: texts.join('\n'), attachments };
}

function storedTurn(message: StoredMessage, blobUrl: BlobUrl): TurnState {
  const failed = message.error !== undefined || message.finish_reason === 'error';
  return {
    ...createTurn(message.id),
    turnId: message.turn_id,
    status: message.finish_reason === 'stop_requested' ? 'stopped' : failed ? 'error' : 'done',
    blocks: message.parts.flatMap((part, index) => storedBlock(part, index, blobUrl)),
    model: message.model,
    usage: message.usage,
    finishReason: message.finish_reason,
    error: message.error,
  };
}

function storedBlock(part: ConversationPart, index: number, blobUrl: BlobUrl): TurnBlock[] {
  const base = { id: `${part.type}-${index}`, round: 0 };
  switch (part.type) {
    case 'text':
      return [{ ...base, kind: 'text', text: part.text }];
    case 'thinking':
      return [{ ...base, kind: 'thinking', text: part.text, redacted: part.redacted, closed: true }];
    case 'tool_call':
      return [
        {
          ...base,
          id: part.tool_use_id,
          kind: 'tool',
          toolUseId: part.tool_use_id,
          name: part.name,
          serverId: part.server_id,
          toolName: part.tool_name,
          input: part.input,
          inputText: part.input === undefined ? '' : JSON.stringify(part.input),
          status: part.status,
          result: part.result?.content.map((result) => storedResultPart(result, blobUrl)),
          durationMs: part.result?.duration_ms,
        },
      ];
    case 'ask':
      return [{ ...base, id: `ask-${part.ask.id}`, kind: 'ask', ask: part.ask, expiresAt: 0, outcome: part.outcome, ...(part.edited ? { edited: true } : {}) }];
    case 'image':
    case 'document':
      // The user's files; an answer has none.
      return [];
  }
}

function storedResultPart(part: ConversationToolResultPart, blobUrl: BlobUrl): ShownResultPart {
  if (part.type === 'text') return part;
  if (part.type === 'image') return { type: 'image', mimeType: part.blob.media_type, data: '', url: blobUrl(part.blob.blob_id) };
  return {
    type: 'resource',
    uri: part.uri,
    mimeType: part.mime_type ?? part.blob?.media_type,
    text: part.text,
    ...(part.blob ? { url: blobUrl(part.blob.blob_id) } : {}),
  };
}

import type { Conversation, ConversationMessage } from './conversation.js';

const STORAGE_KEY = 'bmcp.conversation.v1';

/**
 * The conversation of this tab, in sessionStorage: it survives a refresh (and carries the
 * in-flight turn's id and last applied seq, from which the answer resumes) but is not shared
 * with other tabs.
 */
export class ConversationStorage {
  constructor(private readonly storage: Storage = sessionStorage) {}

  load(): Conversation | undefined {
    try {
      const raw = this.storage.getItem(STORAGE_KEY);
      if (!raw) return undefined;
      const parsed = JSON.parse(raw) as Conversation;
      return Array.isArray(parsed.messages) ? parsed : undefined;
    } catch {
      return undefined;
    }
  }

  /** Saves; when the browser's quota is reached, saves again without attachment and image data. */
  save(conversation: Conversation): void {
    try {
      this.storage.setItem(STORAGE_KEY, JSON.stringify(conversation));
    } catch {
      try {
        this.storage.setItem(STORAGE_KEY, JSON.stringify({ messages: conversation.messages.map(withoutBinaryData) }));
      } catch {
        this.storage.removeItem(STORAGE_KEY);
      }
    }
  }

  clear(): void {
    this.storage.removeItem(STORAGE_KEY);
  }
}

function withoutBinaryData(message: ConversationMessage): ConversationMessage {
  if (message.role === 'user') return { ...message, attachments: message.attachments.map((attachment) => ({ ...attachment, data: '' })) };
  const blocks = message.turn.blocks.map((block) =>
    block.kind === 'tool' && block.result
      ? { ...block, result: block.result.map((part) => (part.type === 'image' ? { ...part, data: '' } : part)) }
      : block,
  );
  return { ...message, turn: { ...message.turn, blocks } };
}

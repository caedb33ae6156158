import { newConversationId, type Conversation, type ConversationMessage } from './conversation.js';

const STORAGE_KEY_PREFIX = 'bmcp.conversation.v1:';

/**
 * The conversation of this tab, in sessionStorage: it survives a refresh (and carries the
 * in-flight turn's id and last applied seq, from which the answer resumes) but is not shared
 * with other tabs. Kept per signed-in user, so someone who signs in after another in the same
 * tab never sees the other's conversation.
 */
export class ConversationStorage {
  private readonly key: string;

  constructor(
    userId: string,
    private readonly storage: Storage = sessionStorage,
  ) {
    this.key = `${STORAGE_KEY_PREFIX}${userId}`;
  }

  load(): Conversation | undefined {
    try {
      const raw = this.storage.getItem(this.key);
      if (!raw) return undefined;
      const parsed = JSON.parse(raw) as Partial<Conversation>;
      if (!Array.isArray(parsed.messages)) return undefined;
      // Saved before conversations had ids: from now on, one.
      return { id: typeof parsed.id === 'string' && parsed.id ? parsed.id : newConversationId(), messages: parsed.messages };
    } catch {
      return undefined;
    }
  }

  /** Saves; when the browser's quota is reached, saves again without attachment and image data. */
  save(conversation: Conversation): void {
    try {
      this.storage.setItem(this.key, JSON.stringify(conversation));
    } catch {
      try {
        this.storage.setItem(this.key, JSON.stringify({ id: conversation.id, messages: conversation.messages.map(withoutBinaryData) }));
      } catch {
        this.storage.removeItem(this.key);
      }
    }
  }

  clear(): void {
    this.storage.removeItem(this.key);
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

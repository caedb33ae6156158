import { randomIdPart, type Logger } from '@bedrock-mcp/common';
import type { ConversationStore } from '@bedrock-mcp/config-store';
import { DEFAULT_CONVERSATION_ID, type ConversationMessage } from '@bedrock-mcp/contracts';
import type { VoiceTurn } from '@bedrock-mcp/voice';
import type { ConversationChangePublisher } from './conversation-changes.js';
import { newTurnId } from './turn-submitter.js';

export interface VoiceConversationRecordOptions {
  store: Pick<ConversationStore, 'startTurn' | 'finishTurn'>;
  changes: Pick<ConversationChangePublisher, 'publish'>;
  userId: string;
  /** VOICE_MODEL_ID: the model the exchanges are recorded with. */
  model: string;
  /** The session's MCP servers. */
  mcpServerIds: readonly string[];
  logger: Logger;
}

/**
 * Records a voice session's final transcripts in the user's default conversation, the one they
 * join in the model history (VoiceHistory), so the chat list shows what was said: each user
 * transcript starts an exchange of its own (with a turn id like a text turn's), each assistant
 * transcript is an answer in it. One at a time, in order. The record is a side record: a failure is
 * logged and the session goes on.
 */
export class VoiceConversationRecord {
  #turnId: string | undefined;
  #tail: Promise<void> = Promise.resolve();

  constructor(private readonly options: VoiceConversationRecordOptions) {}

  /** Settles once this transcript (and every one before it) is recorded or could not be; never rejects. */
  record(turn: VoiceTurn): Promise<void> {
    if (turn.text.trim() === '') return this.#tail;
    this.#tail = this.#tail.then(() =>
      this.#write(turn).catch((error: unknown) => this.options.logger.warn({ err: error, role: turn.role }, 'could not record a voice transcript in the conversation')),
    );
    return this.#tail;
  }

  async #write(turn: VoiceTurn): Promise<void> {
    const { store, changes, userId, model } = this.options;
    // An answer with no question before it (the assistant spoke first) is an exchange of its own.
    if (turn.role === 'user' || this.#turnId === undefined) this.#turnId = newTurnId();
    const turnId = this.#turnId;
    const now = Date.now();
    const message: ConversationMessage = {
      id: `msg_${randomIdPart(12)}`,
      role: turn.role,
      created_at: now,
      turn_id: turnId,
      parts: [{ type: 'text', text: turn.text }],
      ...(turn.role === 'assistant' ? { model, finish_reason: 'end_turn' as const } : {}),
    };
    if (turn.role === 'user') {
      await store.startTurn(userId, DEFAULT_CONVERSATION_ID, { turnId, message, blobs: [], model, mcpServerIds: this.options.mcpServerIds, replaceLast: false, now });
    } else if (!(await store.finishTurn(userId, DEFAULT_CONVERSATION_ID, { message, blobs: [], now }))) {
      return; // the conversation was deleted meanwhile
    }
    await changes.publish({ user_id: userId, conversation_id: DEFAULT_CONVERSATION_ID, change: 'messages_added', turn_id: turnId });
  }
}

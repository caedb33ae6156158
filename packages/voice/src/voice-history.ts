import type { ConverseMessage } from '@bedrock-mcp/contracts';
import type { AppendOutcome, HistoryScope, HistoryStore } from '@bedrock-mcp/turns';
import type { VoiceTurn } from './voice-turn.js';

/**
 * Voice transcripts in the user's default chat history (the one a keep_session text turn without a
 * `conversation_id` continues),
 * so text chat and voice share one conversation: each final transcript becomes a text-only
 * Converse message, appended only while no text turn holds the history (see HistoryStore.append);
 * a voice session starts from the history's text. Removing the history needs nothing from here:
 * later transcripts start the new history.
 */
export class VoiceHistory {
  constructor(private readonly store: Pick<HistoryStore, 'append' | 'loadText'>) {}

  /** Appends the non-blank turns; 'lock_timeout' when a text turn held the history too long (logged by the store). */
  append(userId: string, turns: readonly VoiceTurn[], signal?: AbortSignal): Promise<AppendOutcome> {
    const messages = turns.filter((turn) => turn.text.trim() !== '').map((turn): ConverseMessage => ({ role: turn.role, content: [{ text: turn.text }] }));
    return this.store.append(defaultConversation(userId), messages, signal);
  }

  /** The text of the user's chat history as voice turns, oldest first, for `SonicSessionStart.history`. */
  load(userId: string): Promise<VoiceTurn[]> {
    return this.store.loadText(defaultConversation(userId));
  }

  /** An `onTranscript` for SonicSession that appends each transcript for `userId`. */
  transcriptSink(userId: string): (turn: VoiceTurn) => Promise<void> {
    return async (turn) => {
      await this.append(userId, [turn]);
    };
  }
}

/** Voice keeps to the user's default conversation (the one keep_session turns without a `conversation_id` continue). */
function defaultConversation(userId: string): HistoryScope {
  return { userId, conversationId: null };
}

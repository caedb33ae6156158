import type { Logger } from '@bedrock-mcp/common';
import { newMessageId, type ConversationStore } from '@bedrock-mcp/config-store';
import { DEFAULT_CONVERSATION_ID, type CatalogTool, type ConversationMessage, type ConversationPart } from '@bedrock-mcp/contracts';
import type { VoiceToolExecutor, VoiceTurn } from '@bedrock-mcp/voice';
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

type ToolCallPart = Extract<ConversationPart, { type: 'tool_call' }>;

/**
 * Records a voice session's final transcripts in the user's default conversation, the one they
 * join in the model history (VoiceHistory), so the chat list shows what was said: each user
 * transcript starts an exchange of its own (with a turn id like a text turn's), each assistant
 * transcript is an answer in it, led by the tool calls made since the last one. One at a time, in
 * order. The record is a side record: a failure is logged and the session goes on.
 */
export class VoiceConversationRecord {
  #turnId: string | undefined;
  #tail: Promise<void> = Promise.resolve();
  /** Tool calls that ran since the last assistant transcript: they lead the next one's message. */
  #calls: ToolCallPart[] = [];

  constructor(private readonly options: VoiceConversationRecordOptions) {}

  /** Settles once this transcript (and every one before it) is recorded or could not be; never rejects. */
  record(turn: VoiceTurn): Promise<void> {
    if (turn.text.trim() === '') return this.#tail;
    const calls = turn.role === 'assistant' ? this.#calls.splice(0) : [];
    this.#tail = this.#tail.then(() =>
      this.#write(turn, calls).catch((error: unknown) => this.options.logger.warn({ err: error, role: turn.role }, 'could not record a voice transcript in the conversation')),
    );
    return this.#tail;
  }

  /** `execute`, keeping each call and its outcome for the next answer's message. */
  recordingTools(execute: VoiceToolExecutor, tools: readonly CatalogTool[]): VoiceToolExecutor {
    const byName = new Map(tools.map((tool) => [tool.name, tool]));
    return async (call) => {
      const started = performance.now();
      const outcome = await execute(call);
      const tool = byName.get(call.name);
      this.#calls.push({
        type: 'tool_call',
        tool_use_id: call.toolUseId,
        name: call.name,
        ...(tool ? { server_id: tool.serverId, tool_name: tool.toolName } : {}),
        input: call.input,
        status: outcome.isError ? 'error' : 'done',
        result: { content: [{ type: 'text', text: outcome.text }], is_error: outcome.isError, duration_ms: Math.round(performance.now() - started) },
      });
      return outcome;
    };
  }

  async #write(turn: VoiceTurn, calls: readonly ToolCallPart[]): Promise<void> {
    const { store, changes, userId, model } = this.options;
    // An answer with no question before it (the assistant spoke first) is an exchange of its own.
    if (turn.role === 'user' || this.#turnId === undefined) this.#turnId = newTurnId();
    const turnId = this.#turnId;
    const now = Date.now();
    const message: ConversationMessage = {
      id: newMessageId(),
      role: turn.role,
      created_at: now,
      turn_id: turnId,
      parts: [...calls, { type: 'text', text: turn.text }],
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

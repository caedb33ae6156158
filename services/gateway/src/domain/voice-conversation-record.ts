import type { Logger } from '@bedrock-mcp/common';
import { newMessageId, type ConversationStore } from '@bedrock-mcp/config-store';
import { DEFAULT_CONVERSATION_ID, type CatalogTool, type ConversationMessage, type ConversationPart, type FinishReason } from '@bedrock-mcp/contracts';
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
 * order. Calls no answer followed when the session ends are recorded as an answer of their own
 * (`finish`). The record is a side record: a failure is logged and the session goes on.
 */
export class VoiceConversationRecord {
  #turnId: string | undefined;
  #tail: Promise<void> = Promise.resolve();
  /** Tool calls made since the last assistant transcript (a running one has no result yet): they lead the next one's message. */
  #calls: ToolCallPart[] = [];

  constructor(private readonly options: VoiceConversationRecordOptions) {}

  /** Settles once this transcript (and every one before it) is recorded or could not be; never rejects. */
  record(turn: VoiceTurn): Promise<void> {
    if (turn.text.trim() === '') return this.#tail;
    // A call still running stays for a later answer (or the session's end).
    const calls = turn.role === 'assistant' ? this.#take((call) => call.result !== undefined) : [];
    return this.#enqueue(turn.role, [...calls, { type: 'text', text: turn.text }], 'end_turn');
  }

  /**
   * The session ended (`stop_requested`: the user or the client ended it; `error`: the voice model
   * failed): the tool calls made since the last answer, which no answer will lead now, are recorded
   * as an answer of their own; one the session abandoned while it ran is `cancelled`. Settles like
   * record().
   */
  finish(finishReason: Extract<FinishReason, 'stop_requested' | 'error'>): Promise<void> {
    const calls = this.#take(() => true);
    return calls.length === 0 ? this.#tail : this.#enqueue('assistant', calls, finishReason);
  }

  /** `execute`, keeping each call (from its start) and its outcome for the next answer's message. */
  recordingTools(execute: VoiceToolExecutor, tools: readonly CatalogTool[]): VoiceToolExecutor {
    const byName = new Map(tools.map((tool) => [tool.name, tool]));
    return async (call) => {
      const started = performance.now();
      const tool = byName.get(call.name);
      const part: ToolCallPart = {
        type: 'tool_call',
        tool_use_id: call.toolUseId,
        name: call.name,
        ...(tool ? { server_id: tool.serverId, tool_name: tool.toolName } : {}),
        input: call.input,
        status: 'cancelled',
      };
      this.#calls.push(part);
      const outcome = await execute(call);
      // The session abandoned it (it ended): the call did not run to its end.
      if (call.signal.aborted && !isTimeout(call.signal.reason)) return outcome;
      part.status = outcome.isError ? 'error' : 'done';
      part.result = { content: [{ type: 'text', text: outcome.text }], is_error: outcome.isError, duration_ms: Math.round(performance.now() - started) };
      return outcome;
    };
  }

  /** Removes the kept calls `taking` picks, in order, as copies (a running call's own part changes when it ends). */
  #take(taking: (call: ToolCallPart) => boolean): ToolCallPart[] {
    const taken = this.#calls.filter(taking);
    this.#calls = this.#calls.filter((call) => !taking(call));
    return taken.map((call) => ({ ...call }));
  }

  #enqueue(role: VoiceTurn['role'], parts: ConversationPart[], finishReason: FinishReason): Promise<void> {
    this.#tail = this.#tail.then(() =>
      this.#write(role, parts, finishReason).catch((error: unknown) => this.options.logger.warn({ err: error, role }, 'could not record a voice transcript in the conversation')),
    );
    return this.#tail;
  }

  async #write(role: VoiceTurn['role'], parts: ConversationPart[], finishReason: FinishReason): Promise<void> {
    const { store, changes, userId, model } = this.options;
    // An answer with no question before it (the assistant spoke first) is an exchange of its own.
    if (role === 'user' || this.#turnId === undefined) this.#turnId = newTurnId();
    const turnId = this.#turnId;
    const now = Date.now();
    const message: ConversationMessage = {
      id: newMessageId(),
      role,
      created_at: now,
      turn_id: turnId,
      parts,
      ...(role === 'assistant' ? { model, finish_reason: finishReason } : {}),
    };
    if (role === 'user') {
      await store.startTurn(userId, DEFAULT_CONVERSATION_ID, { turnId, message, blobs: [], model, mcpServerIds: this.options.mcpServerIds, replaceLast: false, now });
    } else if (!(await store.finishTurn(userId, DEFAULT_CONVERSATION_ID, { message, blobs: [], now }))) {
      return; // the conversation was deleted meanwhile
    }
    await changes.publish({ user_id: userId, conversation_id: DEFAULT_CONVERSATION_ID, change: 'messages_added', turn_id: turnId });
  }
}

function isTimeout(reason: unknown): boolean {
  return reason instanceof Error && reason.name === 'TimeoutError';
}

import type { Logger, Redis } from '@bedrock-mcp/common';
import { newMessageId, type ConversationStore } from '@bedrock-mcp/config-store';
import {
  answerFromEvents,
  ConversationChangeSchema,
  DEFAULT_CONVERSATION_ID,
  type ChatJob,
  type ConversationChangeKind,
  type ConversationMessage,
  type ConverseMessage,
  type FinishReason,
  type Usage,
} from '@bedrock-mcp/contracts';
import type { LoadedHistory, TurnEventLog } from '@bedrock-mcp/turns';
import type { ModelRegistry } from '../providers/model-registry.js';
import { clientResultParts } from './client-results.js';
import { ConversationBlobs } from './conversation-blobs.js';
import { titleFromModel } from './conversation-title.js';
import { historyFromRecord, withoutLastExchange } from './history-from-record.js';
import { recordedUserParts } from './recorded-user-message.js';

export interface ConversationRecorderOptions {
  store: ConversationStore;
  /** The turns' event log: a turn's answer is built from all its events, whichever jobs ran it. */
  events: Pick<TurnEventLog, 'readAfter'>;
  /** Publishes ConversationChange on `changesChannel` (packages/common redis-keys `conversationChanges`). */
  publisher: Pick<Redis, 'publish'>;
  changesChannel: string;
  models: Pick<ModelRegistry, 'resolve'>;
  /** CONVERSATION_TITLES */
  titles: 'model' | 'first_message';
  /** HISTORY_MAX_MESSAGES: the bound of a history rebuilt from the record. */
  historyMaxMessages: number;
  /** Milliseconds the title call may take. */
  titleTimeoutMs?: number;
  logger: Logger;
}

/** What a turn starts from: its model history (keep_session; rebuilt or cut for replace_last) and its user message's recording. */
export interface ConversationStart {
  history: ConverseMessage[] | undefined;
  /** Settles when the user message is recorded (or could not be); never rejects. */
  recorded: Promise<void>;
}

const DEFAULT_TITLE_TIMEOUT_MS = 10_000;

/** The conversation a turn is recorded in: its `conversation_id`, or with keep_session alone the user's default one; none without either. */
export function conversationOf(job: Pick<ChatJob, 'conversationId' | 'keepSession'>): string | undefined {
  return job.conversationId ?? (job.keepSession ? DEFAULT_CONVERSATION_ID : undefined);
}

/**
 * Records a conversation's turns: the user message when the turn starts, the answer (built from the
 * turn's events) when it ends, then a title from the model for a new conversation; publishes each
 * change. Recording is a side record: a failure is logged and never fails the turn.
 */
export class ConversationRecorder {
  private readonly titling = new Set<Promise<void>>();

  constructor(private readonly options: ConversationRecorderOptions) {}

  /**
   * Starts recording the turn (`latest`: its user message as the model gets it). Idempotent per
   * turn: a worker that takes over a turn whose user message is recorded does not record it again.
   * `loaded` (keep_session's history) comes back rebuilt from the record when it is gone but the
   * conversation is not (expired or lost: no epoch either; a history its user cleared keeps its
   * epoch and stays empty), and without its last exchange for replace_last.
   */
  async begin(job: ChatJob, conversationId: string, latest: ConverseMessage | undefined, loaded: LoadedHistory | undefined): Promise<ConversationStart> {
    const log = this.options.logger.child({ turnId: job.turnId, userId: job.userId, conversationId });
    let history = loaded?.messages;
    const gone = loaded !== undefined && loaded.messages.length === 0 && loaded.version.epoch === '0';
    const needed = gone ? this.options.historyMaxMessages : 2;
    const recent = await this.options.store.get(job.userId, conversationId, { messageLimit: needed }).then(
      (conversation) => conversation?.messages ?? [],
      (error: unknown) => {
        log.warn({ err: error }, 'could not read the conversation record');
        return [];
      },
    );
    const own = recent.findIndex((message) => message.turn_id === job.turnId);
    const started = own >= 0;
    let rebuilt = false;
    if (gone) {
      const earlier = started ? recent.slice(0, own) : recent;
      if (earlier.length > 0) {
        history = historyFromRecord(earlier, this.options.historyMaxMessages);
        rebuilt = true;
        log.info({ fromMessages: earlier.length, messages: history.length }, 'rebuilt the model history from the conversation record');
      }
    }
    // A rebuilt history of a started turn comes from the record its start already cut.
    if (history && job.replaceLast && !(rebuilt && started)) history = withoutLastExchange(history);
    const recorded = started || !latest ? Promise.resolve() : this.recordQuestion(job, conversationId, latest, log);
    return { history, recorded };
  }

  /**
   * Records the turn's answer from its events (every job's), unless it is recorded already or its
   * question is not (the conversation was deleted meanwhile, or the turn never started). A turn that
   * continues after client tool calls has no question: its answer starts with those calls and the
   * client's results. Then titles a new conversation in the background.
   */
  async finish(job: ChatJob, conversationId: string, end: { finishReason: FinishReason; usage: Usage }): Promise<void> {
    const log = this.options.logger.child({ turnId: job.turnId, userId: job.userId, conversationId });
    try {
      const { store } = this.options;
      const recent = await store.get(job.userId, conversationId, { messageLimit: 2 });
      const own = recent?.messages.filter((message) => message.turn_id === job.turnId) ?? [];
      if (own.some((message) => message.role === 'assistant')) return;
      const question = own.find((message) => message.role === 'user');
      const continued = question ? [] : clientResultParts(job.messages, recent?.messages.at(-1));
      if (!continued) return;
      const events = await this.options.events.readAfter(job.turnId, 0);
      if ((events[0]?.seq ?? 1) > 1) log.warn({ firstSeq: events[0]?.seq }, 'the turn outgrew its event log (STREAM_REPLAY_MAX_EVENTS): its answer is recorded without its start');
      const blobs = new ConversationBlobs();
      const now = Date.now();
      const answer = answerFromEvents(events, blobs.addBase64, end);
      const message: ConversationMessage = {
        id: newMessageId(),
        role: 'assistant',
        created_at: now,
        turn_id: job.turnId,
        model: job.model,
        ...answer,
        parts: [...continued, ...answer.parts],
      };
      const summary = await store.finishTurn(job.userId, conversationId, { message, blobs: blobs.blobs, now });
      if (!summary) return;
      await this.publish(job.userId, conversationId, 'messages_added', job.turnId);
      if (question && this.options.titles === 'model' && summary.title_source === 'first_message' && summary.message_count <= 2) {
        const titled = this.title(job, conversationId, { question: textOf(question), answer: textOf(message) }, log);
        this.titling.add(titled);
        void titled.finally(() => this.titling.delete(titled));
      }
    } catch (error) {
      log.warn({ err: error }, 'could not record the answer in the conversation');
    }
  }

  /** Waits for the titles being made (each bounded by its timeout). */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.titling]);
  }

  private async recordQuestion(job: ChatJob, conversationId: string, latest: ConverseMessage, log: Logger): Promise<void> {
    try {
      const blobs = new ConversationBlobs();
      const now = Date.now();
      const parts = recordedUserParts(latest, job.messages.findLast((message) => message.role === 'user'), blobs);
      await this.options.store.startTurn(job.userId, conversationId, {
        turnId: job.turnId,
        message: { id: newMessageId(), role: 'user', created_at: now, turn_id: job.turnId, parts },
        blobs: blobs.blobs,
        model: job.model,
        mcpServerIds: job.mcpServerIds,
        replaceLast: job.replaceLast ?? false,
        now,
      });
      await this.publish(job.userId, conversationId, 'messages_added', job.turnId);
    } catch (error) {
      log.warn({ err: error }, 'could not record the user message in the conversation');
    }
  }

  private async title(job: ChatJob, conversationId: string, exchange: { question: string; answer: string }, log: Logger): Promise<void> {
    const resolved = this.options.models.resolve(job.model);
    if (!resolved || exchange.question.trim() === '') return;
    try {
      const signal = AbortSignal.timeout(this.options.titleTimeoutMs ?? DEFAULT_TITLE_TIMEOUT_MS);
      const title = await titleFromModel(resolved.provider, { modelId: job.model, config: resolved.model }, exchange, signal);
      if (!title) return;
      if (await this.options.store.setTitle(job.userId, conversationId, title, 'model')) await this.publish(job.userId, conversationId, 'updated');
    } catch (error) {
      log.info({ err: error }, 'the model did not title the conversation; it keeps its first message as title');
    }
  }

  private async publish(userId: string, conversationId: string, change: ConversationChangeKind, turnId?: string): Promise<void> {
    const body = ConversationChangeSchema.parse({ user_id: userId, conversation_id: conversationId, change, ...(turnId ? { turn_id: turnId } : {}), at: Date.now() });
    await this.options.publisher.publish(this.options.changesChannel, JSON.stringify(body));
  }
}

function textOf(message: ConversationMessage): string {
  return message.parts.flatMap((part) => (part.type === 'text' ? [part.text] : [])).join('\n');
}

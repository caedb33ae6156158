import { createRedis, type Redis, type RedisKeys } from '@bedrock-mcp/common';
import { CHAT_QUEUE_NAME, ChatJobSchema, type ChatJob, type StreamEvent, type StreamEventDraft } from '@bedrock-mcp/contracts';
import { ActiveTurns, createTurnKeys, TurnEventLog } from '@bedrock-mcp/turns';
import { Worker } from 'bullmq';

type DraftWithoutTurn = StreamEventDraft extends infer E ? (E extends StreamEventDraft ? Omit<E, 'turnId'> : never) : never;
type Emit = (draft: DraftWithoutTurn) => Promise<StreamEvent>;
export type TurnScript = (job: ChatJob, emit: Emit) => Promise<void>;

/** The text of the job's last user message. */
function lastUserText(job: ChatJob): string {
  const last = job.messages.at(-1);
  if (!last || last.role !== 'user') return '';
  return typeof last.content === 'string' ? last.content : last.content.map((part) => (part.type === 'text' ? part.text : '')).join('');
}

/** Answers "You said: <text>" in three deltas. */
export const echoScript: TurnScript = async (job, emit) => {
  await emit({ type: 'start', model: job.model, userId: job.userId });
  await emit({ type: 'round_start', round: 1 });
  for (const piece of ['You said: ', lastUserText(job).slice(0, 5), lastUserText(job).slice(5)]) await emit({ type: 'text_delta', text: piece });
  await emit({ type: 'round_end', round: 1, stopReason: 'end_turn' });
  const usage = { inputTokens: 10, outputTokens: 5, totalTokens: 15 };
  await emit({ type: 'usage', usage });
  await emit({ type: 'done', finishReason: 'end_turn', usage });
};

/**
 * A stand-in for the agent worker in the gateway's own integration tests: a real BullMQ worker on
 * the chat queue that logs scripted events through the real TurnEventLog, and frees the turn's
 * concurrent-turn slot just before its `done`, as the real worker does. (The cross-service e2e
 * suite runs the real worker.)
 */
export class ScriptedTurnWorker {
  readonly jobs: ChatJob[] = [];
  script: TurnScript = echoScript;
  private readonly connection: Redis;
  private readonly worker: Worker;
  private readonly log: TurnEventLog;
  private readonly activeTurns: ActiveTurns;

  constructor(redisUrl: string, redis: Redis, keys: RedisKeys) {
    const turnKeys = createTurnKeys(keys.prefix);
    this.log = new TurnEventLog(redis, turnKeys, { maxEvents: 1000, ttlSeconds: 120 });
    this.activeTurns = new ActiveTurns(redis, turnKeys, { slotTtlMs: 120_000 });
    this.connection = createRedis(redisUrl, 'scripted-worker', { maxRetriesPerRequest: null });
    this.worker = new Worker(
      CHAT_QUEUE_NAME,
      async (job) => {
        const chatJob = ChatJobSchema.parse(job.data);
        this.jobs.push(chatJob);
        await this.script(chatJob, async (draft) => {
          if (draft.type === 'done') await this.activeTurns.release(chatJob.userId, chatJob.turnId);
          return this.log.append({ ...draft, turnId: chatJob.turnId } as StreamEventDraft);
        });
      },
      { connection: this.connection, prefix: keys.bullPrefix, concurrency: 100 },
    );
  }

  async close(): Promise<void> {
    await this.worker.close();
    await this.connection.quit();
  }
}

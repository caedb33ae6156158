import { ApprovalAskSchema, ConverseMessageSchema, FinishReasonSchema, ToolResultBlockSchema, UsageSchema } from '@bedrock-mcp/contracts';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { TurnKeys } from '../turn-keys.js';

/** A turn paused for a person's approval of some of its last round's tool calls. */
const TurnPauseSchema = z.object({
  /** The pause's number in the turn (1, 2, …): its resume job is `resumeJobIdOf(turnId, n)`. */
  n: z.number().int().positive(),
  /** epoch ms the pause began and the asks expire */
  pausedAt: z.number(),
  expiresAt: z.number(),
  /** The asks as emitted (each names its tool use). */
  asks: z.array(ApprovalAskSchema).min(1),
  /** The round's calls that needed no approval, already run: toolUseId → result. */
  known: z.record(z.string(), ToolResultBlockSchema),
});
export type TurnPause = z.infer<typeof TurnPauseSchema>;

/** The tool loop's state after a round, as stored. */
const TurnCheckpointSchema = z.object({
  version: z.literal(1),
  /**
   * running: a worker that takes the job over resumes it; awaiting_approval: paused (`pause`), no
   * worker holds it, its resume job continues it; done: the turn ended (with finishReason).
   */
  status: z.enum(['running', 'awaiting_approval', 'done']),
  /** With awaiting_approval: what the turn waits for. */
  pause: TurnPauseSchema.optional(),
  /** Pauses so far: a job of an earlier generation (see TurnContext.generation) no longer owns the turn. */
  pauses: z.number().int().min(0).optional(),
  /** Milliseconds spent waiting for people: the turn deadline does not count them. */
  waitedMs: z.number().min(0).optional(),
  /** `serverId/toolName` a person approved for the rest of this turn (a request without conversation_id). */
  approvedTools: z.array(z.string()).optional(),
  /** Model rounds completed. */
  round: z.number().int().min(0),
  /** The whole conversation so far (the kept history first, with keep_session). */
  messages: z.array(ConverseMessageSchema),
  /** Summed over the model calls so far. */
  usage: UsageSchema,
  /** With keep_session: the history version the turn loaded (see HistoryStore.save). */
  history: z.object({ epoch: z.string(), length: z.number().int().min(0) }).nullable(),
  /** The last model round's finish reason (a resumed turn knows whether tools were pending). */
  lastStop: FinishReasonSchema.optional(),
  /** toolUseId → why the last round's tool input is unusable (the tool is not run; the model is told). */
  invalidToolInputs: z.record(z.string(), z.string()).optional(),
  /** Why the turn ended (status done). */
  finishReason: FinishReasonSchema.optional(),
  /** epoch ms the turn first started: the turn deadline counts from here across workers. */
  startedAt: z.number(),
  /** epoch ms */
  updatedAt: z.number(),
});
export type TurnCheckpoint = z.infer<typeof TurnCheckpointSchema>;

export interface TurnCheckpointStoreOptions {
  /** Seconds a checkpoint lives after its last save (the replay log's lifetime). */
  ttlSeconds: number;
}

/**
 * The tool loop's state after each model round and each tool round, so a worker that takes over
 * a turn whose worker died continues from there. Kept as long as the turn's replay log.
 */
export class TurnCheckpointStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: TurnKeys,
    private readonly options: TurnCheckpointStoreOptions,
  ) {}

  async load(turnId: string): Promise<TurnCheckpoint | undefined> {
    const json = await this.redis.get(this.keys.turnCheckpoint(turnId));
    if (json === null) return undefined;
    const parsed = TurnCheckpointSchema.safeParse(JSON.parse(json));
    return parsed.success ? parsed.data : undefined;
  }

  /** `ttlSeconds`: longer than the default for a paused turn (the wait plus the replay window). */
  async save(turnId: string, checkpoint: Omit<TurnCheckpoint, 'version' | 'updatedAt'>, ttlSeconds = this.options.ttlSeconds): Promise<void> {
    const value: TurnCheckpoint = { version: 1, ...checkpoint, updatedAt: Date.now() };
    await this.redis.set(this.keys.turnCheckpoint(turnId), JSON.stringify(value), 'EX', ttlSeconds);
  }
}

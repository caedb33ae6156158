import { FinishReasonSchema, UsageSchema } from '@bedrock-mcp/contracts';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { TurnKeys } from '../turn-keys.js';

/**
 * The checkpoint's schema around the runner's message schema (the worker's Converse messages): the
 * loop's conversation is the runner's business, the rest of the record is the turn's.
 */
function turnCheckpointSchema<M extends z.ZodType>(messageSchema: M) {
  return z.object({
    version: z.literal(1),
    /** running: a worker that takes the job over resumes it; done: the turn ended (with finishReason). */
    status: z.enum(['running', 'done']),
    /** Model rounds completed. */
    round: z.number().int().min(0),
    /** The whole conversation so far (the kept history first, with keep_session). */
    messages: z.array(messageSchema),
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
}
/** A checkpoint whose messages are of type `M`. */
export type TurnCheckpoint<M> = Omit<z.infer<ReturnType<typeof turnCheckpointSchema>>, 'messages'> & { messages: M[] };

export interface TurnCheckpointStoreOptions<M> {
  /** Seconds a checkpoint lives after its last save (the replay log's lifetime). */
  ttlSeconds: number;
  /** Parses one message of the loop's conversation; a checkpoint with an unreadable one is ignored. */
  messageSchema: z.ZodType<M>;
}

/**
 * The tool loop's state after each model round and each tool round, so a worker that takes over
 * a turn whose worker died continues from there. Kept as long as the turn's replay log.
 */
export class TurnCheckpointStore<M> {
  private readonly schema: z.ZodType<TurnCheckpoint<M>>;

  constructor(
    private readonly redis: Redis,
    private readonly keys: TurnKeys,
    private readonly options: TurnCheckpointStoreOptions<M>,
  ) {
    this.schema = turnCheckpointSchema(options.messageSchema) as unknown as z.ZodType<TurnCheckpoint<M>>;
  }

  async load(turnId: string): Promise<TurnCheckpoint<M> | undefined> {
    const json = await this.redis.get(this.keys.turnCheckpoint(turnId));
    if (json === null) return undefined;
    const parsed = this.schema.safeParse(JSON.parse(json));
    return parsed.success ? parsed.data : undefined;
  }

  async save(turnId: string, checkpoint: Omit<TurnCheckpoint<M>, 'version' | 'updatedAt'>): Promise<void> {
    const value: TurnCheckpoint<M> = { version: 1, ...checkpoint, updatedAt: Date.now() };
    await this.redis.set(this.keys.turnCheckpoint(turnId), JSON.stringify(value), 'EX', this.options.ttlSeconds);
  }
}

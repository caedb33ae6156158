import { createRedisKeys, type Logger } from '@bedrock-mcp/common';
import { CHAT_QUEUE_NAME, ChatJobSchema, formatIssuePath, TurnIdSchema, type ChatJob, type FinishReason, type TurnErrorCode } from '@bedrock-mcp/contracts';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import { TurnEventLog } from '../events/turn-event-log.js';
import { ActiveTurns } from '../producer/active-turns.js';
import { createTurnKeys } from '../turn-keys.js';
import { AnswerWaiter } from '../asks/answer-waiter.js';
import { TurnAsks } from '../asks/turn-asks.js';
import { CancelWatcher } from './cancel-watcher.js';
import { ToolLedger } from './tool-ledger.js';
import { TurnCheckpointStore } from './turn-checkpoint.js';
import { ConversationApprovals } from './conversation-approvals.js';
import { generationOf, TurnPauses } from './turn-pauses.js';
import type { TurnConsumerOptions } from './turn-consumer-options.js';

export interface TurnContext {
  /** Aborts when this worker lost the job's lock (another worker will resume the turn). */
  lost?: AbortSignal;
  /** No worker started this job before, so it has nothing to resume (never so for a resume job). */
  firstAttempt: boolean;
  /** 0 for the turn's own job; n for the job that resumes it after its nth pause for approval. */
  generation: number;
}

/**
 * Runs (or resumes) one turn to its `done` and says how it ended, or `paused` when the turn now
 * waits for a person (its resume job continues it): the worker's model/tool loop.
 */
export type RunTurn = (job: ChatJob, context: TurnContext) => Promise<FinishReason | 'paused'>;

const STALLED_TOO_OFTEN = 'job stalled more than allowable limit';
/** Default lifetime of a conversation's remembered approvals: 30 days after the last one. */
const CONVERSATION_APPROVAL_TTL_S = 30 * 24 * 3600;

/**
 * The worker side of a turn: the BullMQ worker of the chat queue (a job's id is its turn id), and
 * what a runner writes and reads while it runs a turn: its events, stop requests, checkpoint, tool
 * ledger and the user's concurrent-turn slot. A worker that dies leaves its job stalled; after the
 * lock expires another worker takes it and the runner resumes from the checkpoint. A payload that
 * does not match ChatJobSchema fails at once (UnrecoverableError), after an error + done event when
 * a turn id can be read from it; so does a turn lost too often.
 */
export class TurnConsumer {
  /** Logs and publishes the turns' events (seq, replay log, channel). */
  readonly events: TurnEventLog;
  /** Stop requests for the turns this process runs. */
  readonly cancels: CancelWatcher;
  readonly checkpoints: TurnCheckpointStore;
  /** The turns' approvals and elicitations (opened and settled here, answered by the producer). */
  readonly asks: TurnAsks;
  /** Waits for the answers to asks (elicitations) of the turns this process runs; on the stop requests' subscriber. */
  readonly answers: AnswerWaiter;
  /** Each tool use of a turn runs at most once, across workers. */
  readonly ledger: ToolLedger;
  /** Resume jobs and the keys a paused turn keeps alive. */
  readonly pauses: TurnPauses;
  /** The tools each user approved for a conversation. */
  readonly conversationApprovals: ConversationApprovals;
  /**
   * The users' concurrent-turn slots and conversation claims (taken by the producer); on the
   * connection `events` writes on, so a release lands before the `done` after it. Only releases here.
   */
  readonly slots: Pick<ActiveTurns, 'release'>;
  private readonly logger: Logger;
  private worker: Worker | undefined;
  private closing: Promise<void> | undefined;

  constructor(private readonly options: TurnConsumerOptions) {
    const { redis, logger, ttlSeconds } = options;
    const keys = createTurnKeys(options.prefix);
    this.logger = logger;
    // BullMQ's connection is not auto-pipelined: a quiet worker's first output of a round goes out on it at once.
    this.events = new TurnEventLog(redis, keys, { maxEvents: options.maxEvents, ttlSeconds }, options.connection);
    this.cancels = new CancelWatcher(options.subscriber, redis, keys, logger);
    this.checkpoints = new TurnCheckpointStore(redis, keys, { ttlSeconds });
    this.asks = new TurnAsks(redis, keys, { ttlSeconds });
    this.answers = new AnswerWaiter(options.subscriber, this.asks, keys, logger);
    this.ledger = new ToolLedger(redis, keys, { ttlSeconds, workerId: options.workerId });
    this.pauses = new TurnPauses(redis, options.connection, keys, options.prefix);
    this.conversationApprovals = new ConversationApprovals(redis, keys, { ttlSeconds: options.conversationApprovalTtlSeconds ?? CONVERSATION_APPROVAL_TTL_S });
    // The slot's lifetime is set where it is taken (TurnProducer); releasing needs none.
    this.slots = new ActiveTurns(redis, keys, { slotTtlMs: 0 });
  }

  /** The BullMQ worker, once started. */
  get bullWorker(): Worker | undefined {
    return this.worker;
  }

  /** Listens for stops, then starts taking turns, each run by `runTurn`; resolves once the worker is ready. */
  async start(runTurn: RunTurn): Promise<void> {
    if (this.worker || this.closing) throw new Error('the turn consumer was already started or closed');
    await this.cancels.start();
    await this.answers.start();
    const worker = this.createWorker(runTurn);
    this.worker = worker;
    void worker.run().catch((error: unknown) => this.logger.error({ err: error }, 'chat worker stopped'));
    await worker.waitUntilReady();
  }

  /** Stops taking turns, lets running ones finish, then stops listening for stops. Idempotent; carries on past a failed step. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      const steps: Array<[string, () => Promise<unknown> | undefined]> = [
        ['chat worker', () => this.worker?.close()],
        ['answer waiter', async () => this.answers.close()],
        ['cancel watcher', () => this.cancels.close()],
        ['resume queue', () => this.pauses.close()],
      ];
      for (const [name, step] of steps) {
        try {
          await step();
        } catch (error) {
          this.logger.error({ err: error, step: name }, 'close step failed');
        }
      }
    })();
    return this.closing;
  }

  private createWorker(runTurn: RunTurn): Worker {
    const { logger, events, options } = this;
    const releaseSlotOf = async (job: Job, turnId: string) => {
      const data = job.data as { userId?: unknown; conversationId?: unknown; keepSession?: unknown } | null;
      if (typeof data?.userId !== 'string') return;
      const turn = {
        userId: data.userId,
        turnId,
        keepSession: data.keepSession === true,
        ...(typeof data.conversationId === 'string' ? { conversationId: data.conversationId } : {}),
      };
      await this.slots.release(turn).catch((error: unknown) => logger.warn({ err: error, turnId }, 'could not release the turn slot; it expires on its own'));
    };
    const worker = new Worker(
      CHAT_QUEUE_NAME,
      async (job: Job, _token?: string, signal?: AbortSignal) => {
        const parsed = ChatJobSchema.safeParse(job.data);
        if (!parsed.success) {
          const issue = parsed.error.issues[0];
          const message = `invalid chat job: ${issue ? `${formatIssuePath(issue.path) || '(root)'}: ${issue.message}` : 'unreadable'}`;
          const turnId = TurnIdSchema.safeParse((job.data as { turnId?: unknown } | null)?.turnId);
          logger.warn({ jobId: job.id, reason: message }, 'refused a chat job');
          if (turnId.success) {
            await releaseSlotOf(job, turnId.data);
            await endTurnIfOpen(events, turnId.data, 'invalid_request', message);
          }
          throw new UnrecoverableError(message);
        }
        const generation = generationOf(job.id, parsed.data.turnId);
        // BullMQ counts every start (a stalled job taken over starts again); a resume job always has a checkpoint.
        const firstAttempt = generation === 0 && job.attemptsStarted <= 1;
        const context: TurnContext = signal ? { lost: signal, firstAttempt, generation } : { firstAttempt, generation };
        return { finishReason: await runTurn(parsed.data, context) };
      },
      {
        connection: options.connection,
        prefix: createRedisKeys(options.prefix).bullPrefix,
        concurrency: options.concurrency,
        lockDuration: options.lockDurationMs,
        stalledInterval: options.stalledIntervalMs,
        maxStalledCount: options.maxStalledCount,
        autorun: false,
      },
    );
    worker.on('failed', (job, error) => {
      if (!job) return;
      // BullMQ fails a job that stalled too often with an UnrecoverableError of its own; ours (bad payload) already ended the turn.
      const lost = error.message === STALLED_TOO_OFTEN;
      if (error instanceof UnrecoverableError && !lost) return;
      const turnId = TurnIdSchema.safeParse((job.data as { turnId?: unknown } | null)?.turnId);
      logger.error({ jobId: job.id, err: error }, lost ? 'a turn was lost too many times' : 'a turn failed');
      if (!turnId.success) return;
      const message = lost ? 'the workers running this turn stopped too many times; it was given up' : 'internal error while running the turn';
      void releaseSlotOf(job, turnId.data);
      void endTurnIfOpen(events, turnId.data, lost ? 'worker_lost' : 'internal_error', message).catch((endError: unknown) =>
        logger.error({ err: endError, turnId: turnId.data }, 'could not end the turn'),
      );
    });
    // A worker whose lock renewal failed (event loop or Redis stalled past the lock) may see its turn
    // taken over: it stops the turn rather than run it alongside the new owner.
    worker.on('lockRenewalFailed', (jobIds) => {
      logger.warn({ jobIds }, 'lost job locks; stopping those turns');
      for (const jobId of jobIds) worker.cancelJob(jobId, 'lock lost');
    });
    worker.on('stalled', (jobId) => logger.warn({ jobId }, 'a turn stalled (its worker stopped); it will be resumed'));
    worker.on('error', (error) => logger.error({ err: error }, 'chat worker error'));
    return worker;
  }
}

/** error + done(error), unless the turn's log already ends with done. */
async function endTurnIfOpen(events: TurnEventLog, turnId: string, code: TurnErrorCode, message: string): Promise<void> {
  const last = (await events.readAfter(turnId, (await events.lastSeq(turnId)) - 1)).at(-1);
  if (last?.type === 'done') return;
  await events.append({ turnId, type: 'error', code, message });
  await events.append({ turnId, type: 'done', finishReason: 'error' });
}

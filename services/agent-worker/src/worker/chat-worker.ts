import type { ActiveTurns, Logger, Redis, TurnEventLog } from '@bedrock-mcp/common';
import { CHAT_QUEUE_NAME, ChatJobSchema, formatIssuePath, TurnIdSchema, type ChatJob, type FinishReason, type TurnErrorCode } from '@bedrock-mcp/contracts';
import { UnrecoverableError, Worker, type Job } from 'bullmq';

export interface ChatWorkerOptions {
  /** A connection with `maxRetriesPerRequest: null`; BullMQ duplicates it for blocking reads. The caller closes it. */
  connection: Redis;
  /** BullMQ key prefix (`keys.bullPrefix`). */
  prefix: string;
  /** Turns run at once by this process. */
  concurrency: number;
  /** Milliseconds a job lock lasts (renewed at half); after it expires the turn counts as stalled. */
  lockDurationMs: number;
  /** Milliseconds between stalled-job checks. */
  stalledIntervalMs: number;
  /** Stalls (worker deaths) a turn survives before it fails. */
  maxStalledCount: number;
  /**
   * `lost` aborts when this worker lost the job's lock (another worker will resume the turn);
   * `firstAttempt`: no worker started this job before, so it has nothing to resume.
   */
  runTurn: (job: ChatJob, context: TurnContext) => Promise<FinishReason>;
  /** Ends turns the runner could not (bad payload, lost too often) with error + done. */
  events: TurnEventLog;
  /** Frees the concurrent-turn slot of a turn ended here. */
  activeTurns: Pick<ActiveTurns, 'release'>;
  logger: Logger;
}

export interface TurnContext {
  lost?: AbortSignal;
  firstAttempt: boolean;
}

const STALLED_TOO_OFTEN = 'job stalled more than allowable limit';

/**
 * The BullMQ worker of the chat queue. A job's id is its turn id. A worker that dies leaves its
 * job stalled; after the lock expires another worker takes it and the turn runner resumes from the
 * checkpoint. A payload that does not match ChatJobSchema fails at once (UnrecoverableError),
 * after an error + done event when a turn id can be read from it.
 */
export function createChatWorker(options: ChatWorkerOptions): Worker {
  const { logger, events } = options;
  const releaseSlotOf = async (job: Job, turnId: string) => {
    const userId = (job.data as { userId?: unknown } | null)?.userId;
    if (typeof userId !== 'string') return;
    await options.activeTurns.release(userId, turnId).catch((error: unknown) => logger.warn({ err: error, turnId }, 'could not release the turn slot; it expires on its own'));
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
      // BullMQ counts every start (a stalled job taken over starts again).
      const firstAttempt = job.attemptsStarted <= 1;
      return { finishReason: await options.runTurn(parsed.data, signal ? { lost: signal, firstAttempt } : { firstAttempt }) };
    },
    {
      connection: options.connection,
      prefix: options.prefix,
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

/** error + done(error), unless the turn's log already ends with done. */
export async function endTurnIfOpen(events: TurnEventLog, turnId: string, code: TurnErrorCode, message: string): Promise<void> {
  const last = (await events.readAfter(turnId, (await events.lastSeq(turnId)) - 1)).at(-1);
  if (last?.type === 'done') return;
  await events.append({ turnId, type: 'error', code, message });
  await events.append({ turnId, type: 'done', finishReason: 'error' });
}

import { createRedis, type Redis, type RedisKeys } from '@bedrock-mcp/common';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CHAT_QUEUE_NAME,
  ChatJobSchema,
  type AskOutcome,
  type ChatJob,
  type StreamEvent,
  type StreamEventDraft,
  type TurnAsk,
} from '@bedrock-mcp/contracts';
import { ActiveTurns, createTurnKeys, TurnAsks, TurnEventLog, type AskSettlement } from '@bedrock-mcp/turns';
import { Worker } from 'bullmq';

type DraftWithoutTurn = StreamEventDraft extends infer E ? (E extends StreamEventDraft ? Omit<E, 'turnId'> : never) : never;
type Emit = (draft: DraftWithoutTurn) => Promise<StreamEvent>;
/**
 * Opens asks (TurnAsks), emits their approval_request, waits until none is pending or they
 * expire (`ttlMs` from now), settles them and emits one approval_answer per ask; returns how each ended.
 */
type Ask = (asks: TurnAsk[], ttlMs: number) => Promise<Map<string, AskSettlement>>;
export type TurnScript = (job: ChatJob, emit: Emit, ask: Ask) => Promise<void>;

/** The approval_answer outcome of a settled ask. */
function outcomeOf(settlement: AskSettlement | undefined): AskOutcome {
  if (settlement?.state !== 'answered') return 'expired';
  const answer = settlement.answer;
  if ('decision' in answer) return answer.decision === 'approve' ? 'approved' : 'denied';
  return answer.action === 'accept' ? 'accepted' : answer.action === 'decline' ? 'declined' : 'cancelled';
}

/** The text of the job's last user message. */
function lastUserText(job: ChatJob): string {
  const last = job.messages.at(-1);
  if (!last || last.role !== 'user') return '';
  return typeof last.content === 'string' ? last.content : last.content.map((part) => (part.type === 'text' ? part.text : '')).join('');
}

/** Answers "You said: <text>" in three deltas. */
export const echoScript = async (job: ChatJob, emit: Emit): Promise<void> => {
  await emit({ type: 'start', model: job.model, userId: job.userId });
  await emit({ type: 'round_start', round: 1 });
  for (const piece of ['You said: ', lastUserText(job).slice(0, 5), lastUserText(job).slice(5)]) await emit({ type: 'text_delta', text: piece });
  await emit({ type: 'round_end', round: 1, stopReason: 'end_turn' });
  const usage = { inputTokens: 10, outputTokens: 5, totalTokens: 15 };
  await emit({ type: 'usage', usage });
  await emit({ type: 'done', finishReason: 'end_turn', usage });
};

/** The approval ask of `approvalScript` (ids are unique per turn; this script asks once). */
export const ECHO_ASK_ID = 'ask_echo00000001';

/**
 * Calls everything__echo after asking for approval (the ask lives `askTtlMs`): text, the tool call,
 * the approval_request; after the answer, the tool's result (or the denial) and a second round
 * that says how it went.
 */
export function approvalScriptWith(askTtlMs: number): TurnScript {
  return async (job, emit, ask) => {
    await emit({ type: 'start', model: job.model, userId: job.userId });
    await emit({ type: 'round_start', round: 1 });
    await emit({ type: 'text_delta', text: 'Let me echo. ' });
    const input = { message: lastUserText(job) };
    await emit({ type: 'tool_call', toolUseId: 'tooluse_echo', name: 'everything__echo', serverId: 'everything', toolName: 'echo', input });
    await emit({ type: 'round_end', round: 1, stopReason: 'tool_use' });
    const settled = await ask(
      [{ kind: 'approval', id: ECHO_ASK_ID, toolUseId: 'tooluse_echo', name: 'everything__echo', serverId: 'everything', toolName: 'echo', input, reason: 'the server asks' }],
      askTtlMs,
    );
    const outcome = outcomeOf(settled.get(ECHO_ASK_ID));
    const approved = outcome === 'approved';
    const text = approved ? `Echo: ${input.message}` : `The call was ${outcome}.`;
    await emit({ type: 'tool_result', toolUseId: 'tooluse_echo', name: 'everything__echo', content: [{ type: 'text', text }], isError: !approved, durationMs: 1 });
    await emit({ type: 'round_start', round: 2 });
    await emit({ type: 'text_delta', text: `Outcome: ${outcome}.` });
    await emit({ type: 'round_end', round: 2, stopReason: 'end_turn' });
    const usage = { inputTokens: 20, outputTokens: 8, totalTokens: 28 };
    await emit({ type: 'usage', usage });
    await emit({ type: 'done', finishReason: 'end_turn', usage });
  };
}

export const approvalScript = approvalScriptWith(60_000);

/**
 * A stand-in for the agent worker in the gateway's own integration tests: a real BullMQ worker on
 * the chat queue that logs scripted events through the real TurnEventLog, and frees the turn's
 * concurrent-turn slot just before its `done`, as the real worker does. (The cross-service e2e
 * suite runs the real worker.)
 */
export class ScriptedTurnWorker {
  readonly jobs: ChatJob[] = [];
  script: TurnScript = echoScript;
  private closing = false;
  private readonly connection: Redis;
  private readonly worker: Worker;
  private readonly log: TurnEventLog;
  private readonly activeTurns: ActiveTurns;
  private readonly asks: TurnAsks;

  constructor(redisUrl: string, redis: Redis, keys: RedisKeys) {
    const turnKeys = createTurnKeys(keys.prefix);
    this.log = new TurnEventLog(redis, turnKeys, { maxEvents: 1000, ttlSeconds: 120 });
    this.activeTurns = new ActiveTurns(redis, turnKeys, { slotTtlMs: 120_000 });
    this.asks = new TurnAsks(redis, turnKeys, { ttlSeconds: 120 });
    this.connection = createRedis(redisUrl, 'scripted-worker', { maxRetriesPerRequest: null });
    this.worker = new Worker(
      CHAT_QUEUE_NAME,
      async (job) => {
        const chatJob = ChatJobSchema.parse(job.data);
        this.jobs.push(chatJob);
        const emit: Emit = async (draft) => {
          if (draft.type === 'done') await this.activeTurns.release(chatJob);
          return this.log.append({ ...draft, turnId: chatJob.turnId } as StreamEventDraft);
        };
        await this.script(chatJob, emit, (asks, ttlMs) => this.ask(chatJob.turnId, emit, asks, ttlMs));
      },
      { connection: this.connection, prefix: keys.bullPrefix, concurrency: 100 },
    );
  }

  /** Waits in the job (the real worker pauses the turn instead; the gateway cannot tell the difference). */
  private async ask(turnId: string, emit: Emit, asks: TurnAsk[], ttlMs: number): Promise<Map<string, AskSettlement>> {
    const expiresAt = Date.now() + ttlMs;
    await this.asks.open(turnId, asks, expiresAt);
    await emit({ type: 'approval_request', asks, expiresAt });
    const ids = asks.map((ask) => ask.id);
    while (Date.now() < expiresAt && !this.closing) {
      const pending = new Set((await this.asks.pending(turnId)).map((ask) => ask.id));
      if (!ids.some((id) => pending.has(id))) break;
      await sleep(25);
    }
    const settled = await this.asks.settle(turnId, ids);
    for (const id of ids) await emit({ type: 'approval_answer', askId: id, outcome: outcomeOf(settled.get(id)) });
    return settled;
  }

  async close(): Promise<void> {
    this.closing = true;
    await this.worker.close();
    await this.connection.quit();
  }
}

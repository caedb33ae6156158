import { ApprovalAnswerSchema, ElicitationAnswerSchema, type ApprovalAnswer, type ElicitationAnswer, type TurnAnswers, type TurnAsk } from '@bedrock-mcp/contracts';
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { turnScript } from '../lua-scripts.js';
import type { TurnKeys } from '../turn-keys.js';

const ANSWER_ASKS = turnScript('answer-asks', 1);
const SETTLE_ASKS = turnScript('settle-asks', 1);

/** A new ask's id (AskIdSchema): unguessable, so an ask cannot be named before it is asked. */
export function newAskId(): string {
  return `ask_${randomBytes(16).toString('base64url')}`;
}

/** Why answers were refused; `id` names the first ask at fault. */
export type AnswerRefusal =
  /** No such ask in this turn. */
  | { kind: 'unknown_ask'; id: string }
  /** An approval answer for an elicitation, or the other way round. */
  | { kind: 'wrong_kind'; id: string }
  /** The ask was answered already (by this or another call). */
  | { kind: 'answered'; id: string }
  /** The ask expired before the answer came. */
  | { kind: 'expired'; id: string };

export type AnswerOutcome =
  /** Recorded. `pendingApprovals`: the ids of the turn's approvals still unanswered; `resumeJobId`: the job that resumes the paused turn. */
  | { kind: 'accepted'; pendingApprovals: string[]; resumeJobId: string | undefined }
  | AnswerRefusal;

/** How one ask ended, as read by the worker. */
export type AskSettlement =
  | { state: 'answered'; answer: ApprovalAnswer | ElicitationAnswer }
  | { state: 'expired' }
  /** The asks record is gone (it outlived its TTL) or never had this id. */
  | { state: 'unknown' };

export interface TurnAsksOptions {
  /** Seconds the asks record outlives the last ask's expiry (the replay log's lifetime). */
  ttlSeconds: number;
}

/**
 * A turn's asks (approvals and elicitations) in Redis: opened by the worker, answered by the
 * gateway for the turn's owner (all or none, once, before expiry; atomic in answer-asks.lua), and
 * settled by the worker, which turns every ask still pending into an expired one. An answer is
 * published on the answers channel (the turn id), so a worker waiting for an elicitation wakes.
 */
export class TurnAsks {
  constructor(
    private readonly redis: Redis,
    private readonly keys: TurnKeys,
    private readonly options: TurnAsksOptions,
  ) {}

  /**
   * Records asks as pending until `expiresAt` (epoch ms). `resumeJobId`: the job that resumes the
   * turn once its approvals are answered (a paused turn); the record lives `ttlSeconds` past expiry.
   */
  async open(turnId: string, asks: readonly TurnAsk[], expiresAt: number, resumeJobId?: string): Promise<void> {
    const key = this.keys.turnAsks(turnId);
    const fields: Record<string, string> = {};
    for (const ask of asks) {
      fields[ask.id] = JSON.stringify(ask);
      fields[`${ask.id}:kind`] = ask.kind;
      fields[`${ask.id}:expires`] = String(expiresAt);
    }
    if (resumeJobId !== undefined) fields.resume = resumeJobId;
    const ttlMs = Math.max(0, expiresAt - Date.now()) + this.options.ttlSeconds * 1000;
    const multi = this.redis.multi().hset(key, fields);
    // HSETNX: opening again (a worker redoing a pause it died in) keeps an answer already given.
    for (const ask of asks) multi.hsetnx(key, `${ask.id}:state`, 'pending');
    await multi.pexpire(key, ttlMs).exec();
  }

  /** Records the owner's answers (the caller checked the owner): all, or none with the first refusal. */
  async answer(turnId: string, answers: TurnAnswers, now = Date.now()): Promise<AnswerOutcome> {
    const args: string[] = [String(now), this.keys.answersChannel(), turnId];
    for (const answer of answers.approvals) args.push(answer.id, 'approval', JSON.stringify(answer));
    for (const answer of answers.elicitations) args.push(answer.id, 'elicitation', JSON.stringify(answer));
    const [kind, value, ...pendingApprovals] = (await ANSWER_ASKS.run(this.redis, [this.keys.turnAsks(turnId)], args)) as [string, string, ...string[]];
    if (kind === 'accepted') return { kind: 'accepted', pendingApprovals, resumeJobId: value ? value : undefined };
    return { kind: kind as AnswerRefusal['kind'], id: value };
  }

  /** Reads how each ask ended, expiring those still pending (so a late answer is refused). */
  async settle(turnId: string, askIds: readonly string[]): Promise<Map<string, AskSettlement>> {
    const settled = new Map<string, AskSettlement>();
    if (askIds.length === 0) return settled;
    const rows = (await SETTLE_ASKS.run(this.redis, [this.keys.turnAsks(turnId)], [...askIds])) as Array<[string, string]>;
    askIds.forEach((id, index) => {
      const [state, answerJson] = rows[index] ?? ['', ''];
      settled.set(id, settlementOf(state, answerJson));
    });
    return settled;
  }

  /** The asks still waiting for an answer (neither answered nor expired), as opened; for a client that reconnects. */
  async pending(turnId: string, now = Date.now()): Promise<TurnAsk[]> {
    const fields = await this.redis.hgetall(this.keys.turnAsks(turnId));
    const asks: TurnAsk[] = [];
    for (const [name, value] of Object.entries(fields)) {
      if (!name.endsWith(':state') || value !== 'pending') continue;
      const id = name.slice(0, -':state'.length);
      const json = fields[id];
      if (json && Number(fields[`${id}:expires`]) > now) asks.push(JSON.parse(json) as TurnAsk);
    }
    return asks;
  }
}

function settlementOf(state: string, answerJson: string): AskSettlement {
  if (state === 'expired') return { state: 'expired' };
  if (state !== 'answered' || !answerJson) return { state: 'unknown' };
  const raw: unknown = JSON.parse(answerJson);
  const approval = ApprovalAnswerSchema.safeParse(raw);
  if (approval.success) return { state: 'answered', answer: approval.data };
  const elicitation = ElicitationAnswerSchema.safeParse(raw);
  return elicitation.success ? { state: 'answered', answer: elicitation.data } : { state: 'unknown' };
}

import type { Logger } from '@bedrock-mcp/common';
import type { ApprovalAsk, CatalogTool, ChatJob, ToolResult, ToolResultBlock } from '@bedrock-mcp/contracts';
import { approvedToolKey, newAskId, type TurnCheckpoint, type TurnConsumer, type TurnEmitter, type TurnPause } from '@bedrock-mcp/turns';
import { errorToolResult } from '../conversation/tool-result-blocks.js';
import { approvalReason } from './approval-gate.js';
import type { ToolUse } from './tool-executor.js';

/** A person's decision on a call that needed approval (or a standing approval for the conversation). */
export type ApprovalDecision =
  /** Run it; `arguments`: the person's edit of the model's input; `message`: for the model. */
  | { kind: 'approved'; arguments?: Record<string, unknown>; message?: string }
  | { kind: 'denied'; message?: string }
  /** No one answered within `afterS` seconds. */
  | { kind: 'expired'; afterS: number };

/** A pause for approval: the run ends, the job completes, the resume job continues the turn. */
export type Paused = 'paused';

/** What approval reads and writes of a running turn. */
export interface ApprovalTurn {
  job: ChatJob;
  log: Logger;
  emitter: TurnEmitter;
  /** The loop's state, checkpointed after every model round and every tool round. */
  state: Omit<TurnCheckpoint, 'version' | 'updatedAt' | 'status' | 'finishReason'>;
  /** 0 for the turn's own job, n for the job resuming its nth pause (TurnContext.generation). */
  generation: number;
  /** Ask ids whose approval_request / approval_answer is already in the log. */
  requested: ReadonlySet<string>;
  answered: ReadonlySet<string>;
}

/** A round's calls as approval leaves them: decided, already run before the pause, or still to ask a person. */
interface RoundApprovals {
  /** toolUseId → the decision on a call that needs approval. */
  decisions: Map<string, ApprovalDecision>;
  /** toolUseId → the result of a call run before the turn paused. */
  known: Map<string, ToolResultBlock>;
  /** The calls that need a person's answer before they can run. */
  asks: ApprovalAsk[];
}

export interface ApprovalRoundOptions {
  turns: Pick<TurnConsumer, 'checkpoints' | 'pauses' | 'asks' | 'conversationApprovals'>;
  /** The TurnRunner's (see TurnLimits). */
  limits: { approvalTimeoutS: number; replayTtlS: number; turnTimeoutMs: number };
}

/**
 * The approval side of a turn's tool rounds: which calls need a person, pausing the turn for
 * them, turning the people's answers into decisions when the turn resumes, and remembering what
 * they approved for the conversation.
 */
export class ApprovalRound {
  constructor(private readonly options: ApprovalRoundOptions) {}

  /** Whether this job's pause ended before its job did (the job died): the pause must be redone. */
  unfinishedPause(turn: ApprovalTurn): TurnPause | undefined {
    const { pause } = turn.state;
    return pause && turn.generation < pause.n ? pause : undefined;
  }

  /**
   * Decides a round's calls: the answers to the pause being resumed, standing approvals, and asks
   * for the calls that still need a person (not those already decided, already run, or that
   * cannot run: an unknown tool, an unusable input).
   */
  async decide(turn: ApprovalTurn, toolUses: readonly ToolUse[], tools: ReadonlyMap<string, CatalogTool>, invalidInputs: ReadonlyMap<string, string>): Promise<RoundApprovals> {
    const { job, state } = turn;
    const decisions = state.pause ? await this.settle(turn, state.pause) : new Map<string, ApprovalDecision>();
    const known = new Map(Object.entries(state.pause?.known ?? {}));
    const asks: ApprovalAsk[] = [];
    let approved: ReadonlySet<string> | undefined;
    for (const toolUse of toolUses) {
      const tool = tools.get(toolUse.name);
      if (!tool || invalidInputs.has(toolUse.toolUseId) || decisions.has(toolUse.toolUseId) || known.has(toolUse.toolUseId)) continue;
      const reason = approvalReason(tool, job.requireApproval);
      if (!reason) continue;
      approved ??= await this.approvedTools(turn);
      if (approved.has(approvedToolKey(tool.serverId, tool.toolName))) {
        decisions.set(toolUse.toolUseId, { kind: 'approved' });
        continue;
      }
      asks.push({ kind: 'approval', id: newAskId(), toolUseId: toolUse.toolUseId, name: toolUse.name, serverId: tool.serverId, toolName: tool.toolName, input: toolUse.input, reason });
    }
    return { decisions, known, asks };
  }

  /** Pauses the turn for `asks`; `known`: the round's results so far, which the resumed round reuses. */
  pauseFor(turn: ApprovalTurn, asks: ApprovalAsk[], known: ReadonlyMap<string, ToolResultBlock>): Promise<Paused> {
    const now = Date.now();
    const n = (turn.state.pauses ?? 0) + 1;
    return this.pause(turn, { n, pausedAt: now, expiresAt: now + this.options.limits.approvalTimeoutS * 1000, asks, known: Object.fromEntries(known) });
  }

  /**
   * Pauses the turn: checkpoint (awaiting_approval), the delayed resume job, the asks, then the
   * approval_request event, in that order, so an answer always finds the job to promote and the
   * event is never visible before its asks; each step may be redone by a worker taking over.
   */
  async pause(turn: ApprovalTurn, pause: TurnPause): Promise<Paused> {
    const { job, state, emitter, log } = turn;
    const { checkpoints, pauses, asks } = this.options.turns;
    const { replayTtlS, turnTimeoutMs } = this.options.limits;
    state.pause = pause;
    state.pauses = pause.n;
    const ttlSeconds = Math.ceil(Math.max(0, pause.expiresAt - Date.now()) / 1000) + replayTtlS;
    await checkpoints.save(job.turnId, { ...state, status: 'awaiting_approval' }, ttlSeconds);
    const resumeJobId = await pauses.scheduleResume(job, pause.n, pause.expiresAt - Date.now());
    await asks.open(job.turnId, pause.asks, pause.expiresAt, resumeJobId);
    if (!pause.asks.every((ask) => turn.requested.has(ask.id))) void emitter.emit({ type: 'approval_request', asks: pause.asks, expiresAt: pause.expiresAt });
    await emitter.flush();
    // After the event: every append sets the log's TTL back to the replay window.
    await pauses.holdFor(job, ttlSeconds, pause.expiresAt + turnTimeoutMs);
    log.info({ asks: pause.asks.length, n: pause.n, expiresAt: pause.expiresAt }, 'turn paused for approval');
    return 'paused';
  }

  /** A turn ended while paused (a stop): its asks expire, so a late answer is refused. */
  async closeAsks(turn: ApprovalTurn): Promise<void> {
    const { job, state, log } = turn;
    if (!state.pause) return;
    await this.options.turns.asks.settle(job.turnId, state.pause.asks.map((ask) => ask.id)).catch((settleError: unknown) => log.warn({ err: settleError }, 'could not close the asks'));
  }

  /** Reads the people's answers to a pause (expiring what is unanswered) as decisions, and tells the client. */
  private async settle(turn: ApprovalTurn, pause: TurnPause): Promise<Map<string, ApprovalDecision>> {
    const { job, state, emitter } = turn;
    const settled = await this.options.turns.asks.settle(job.turnId, pause.asks.map((ask) => ask.id));
    const decisions = new Map<string, ApprovalDecision>();
    const remember: string[] = [];
    const afterS = Math.round((pause.expiresAt - pause.pausedAt) / 1000);
    for (const ask of pause.asks) {
      const settlement = settled.get(ask.id);
      const answer = settlement?.state === 'answered' && 'decision' in settlement.answer ? settlement.answer : undefined;
      let decision: ApprovalDecision;
      if (answer?.decision === 'approve') {
        decision = { kind: 'approved', ...(answer.arguments ? { arguments: answer.arguments } : {}), ...(answer.message ? { message: answer.message } : {}) };
        if (answer.remember === 'conversation') remember.push(approvedToolKey(ask.serverId, ask.toolName));
      } else if (answer?.decision === 'deny') {
        decision = { kind: 'denied', ...(answer.message ? { message: answer.message } : {}) };
      } else {
        decision = { kind: 'expired', afterS };
      }
      decisions.set(ask.toolUseId, decision);
      if (!turn.answered.has(ask.id)) {
        const outcome = decision.kind === 'approved' ? 'approved' : decision.kind;
        void emitter.emit({ type: 'approval_answer', askId: ask.id, outcome, ...(decision.kind === 'approved' && decision.arguments ? { edited: true } : {}) });
      }
    }
    if (remember.length > 0) {
      if (job.conversationId) await this.options.turns.conversationApprovals.remember(job.userId, job.conversationId, remember);
      else state.approvedTools = [...new Set([...(state.approvedTools ?? []), ...remember])];
    }
    return decisions;
  }

  /** `serverId/toolName` approved for the rest of the conversation (or, without one, of this turn). */
  private async approvedTools(turn: ApprovalTurn): Promise<ReadonlySet<string>> {
    const { job, state } = turn;
    const approved = job.conversationId ? await this.options.turns.conversationApprovals.approved(job.userId, job.conversationId) : new Set<string>();
    for (const tool of state.approvedTools ?? []) approved.add(tool);
    return approved;
  }
}

/**
 * Whether a job of `generation` comes from before the turn's latest pause (its worker died after
 * the turn paused and was resumed), so a later job owns the turn.
 */
export function supersededByLaterJob(generation: number, checkpoint: Pick<TurnCheckpoint, 'pauses' | 'status'> | undefined): boolean {
  const pauses = checkpoint?.pauses ?? 0;
  return generation < pauses - (checkpoint?.status === 'awaiting_approval' ? 1 : 0);
}

/** The time a person took to answer does not count against the turn's deadline: adds it once, in the job resuming the pause. */
export function addTimeWaitedForPeople(turn: Pick<ApprovalTurn, 'state' | 'generation'>): void {
  const { state, generation } = turn;
  const { pause } = state;
  if (pause && generation === pause.n) state.waitedMs = (state.waitedMs ?? 0) + Math.max(0, Date.now() - pause.pausedAt);
}

/**
 * Why a call that needed approval is not run, as the model reads it: no decision, denied or
 * expired; undefined when it may run.
 */
export function refusalOf(name: string, needsApproval: string | undefined, decision: ApprovalDecision | undefined): ToolResult | undefined {
  // Never run unapproved: the runner pauses for every call that needs a decision, so this is a safety net.
  if (needsApproval && !decision) return errorToolResult(`Tool ${name} was not run: it requires a person's approval (${needsApproval}), which it did not get.`);
  if (decision?.kind === 'denied') {
    const message = decision.message ? ` Their message: ${decision.message}` : '';
    return errorToolResult(`The user denied the call of ${name}; it was not run.${message}`);
  }
  if (decision?.kind === 'expired') return errorToolResult(`Tool ${name} was not run: no one approved it within ${decision.afterS} s.`);
  return undefined;
}

/** Tells the model what the approving person did: edited the arguments, left a message. */
export function withApprovalNotes(outcome: { result: ToolResult; durationMs: number }, decision: ApprovalDecision | undefined): { result: ToolResult; durationMs: number } {
  if (decision?.kind !== 'approved') return outcome;
  const notes: string[] = [];
  if (decision.arguments !== undefined) notes.push(`A person changed the arguments before approving this call; it ran with ${JSON.stringify(decision.arguments)}.`);
  if (decision.message) notes.push(`Message from the person who approved it: ${decision.message}`);
  if (notes.length === 0) return outcome;
  const { result } = outcome;
  return { ...outcome, result: { ...result, content: [...result.content, { type: 'text', text: notes.join('\n') }] } };
}

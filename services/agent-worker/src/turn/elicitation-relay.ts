import type { Logger } from '@bedrock-mcp/common';
import type { AskOutcome, ElicitationAsk } from '@bedrock-mcp/contracts';
import type { ElicitationCallback, ElicitationReply } from '@bedrock-mcp/pool-client';
import { newAskId, type AnswerWaiter, type AskSettlement, type TurnAsks, type TurnEmitter } from '@bedrock-mcp/turns';

export interface ElicitationRelayOptions {
  asks: Pick<TurnAsks, 'open' | 'settle'>;
  answers: Pick<AnswerWaiter, 'wait'>;
  /** Seconds a person has to answer (APPROVAL_TIMEOUT_S). */
  timeoutSeconds: number;
  logger: Logger;
}

/** The tool call an elicitation comes from. */
export interface ElicitingCall {
  turnId: string;
  toolUseId: string;
  serverId: string;
  emitter: Pick<TurnEmitter, 'emit'>;
}

/** Slack (ms) the pool waits beyond the ask's expiry: the ask expiring here decides, the pool's wait only backs it up. */
const POOL_WAIT_SLACK_MS = 30_000;

/**
 * Puts an MCP server's elicitation (during a tool call) to the person behind the turn: records it
 * as an ask of the turn (TurnAsks, expiring after APPROVAL_TIMEOUT_S), tells the stream
 * (`approval_request`), waits for the answer (AnswerWaiter) while the tool call waits in the pool,
 * tells the stream how it ended (`approval_answer`) and gives the server the answer. No answer in
 * time is `cancel`, as MCP says a dismissed request is; so is a call that ended first.
 */
export class ElicitationRelay {
  constructor(private readonly options: ElicitationRelayOptions) {}

  /** Milliseconds the pool should wait for each answer (the call's `elicitationTimeoutMs`). */
  get poolWaitMs(): number {
    return this.options.timeoutSeconds * 1000 + POOL_WAIT_SLACK_MS;
  }

  /** The onElicitation of one tool call. */
  forCall(call: ElicitingCall): ElicitationCallback {
    return async ({ message, requestedSchema }, signal) => {
      const { asks, timeoutSeconds } = this.options;
      const ask: ElicitationAsk = { kind: 'elicitation', id: newAskId(), toolUseId: call.toolUseId, serverId: call.serverId, message, requestedSchema };
      const expiresAt = Date.now() + timeoutSeconds * 1000;
      const log = this.options.logger.child({ turnId: call.turnId, toolUseId: call.toolUseId, serverId: call.serverId, askId: ask.id });
      await asks.open(call.turnId, [ask], expiresAt);
      await call.emitter.emit({ type: 'approval_request', asks: [ask], expiresAt });
      log.info({ expiresAt }, 'elicitation asked');
      const settlement = await this.settlement(call.turnId, ask.id, expiresAt, signal);
      const { reply, outcome } = replyOf(settlement);
      void call.emitter.emit({ type: 'approval_answer', askId: ask.id, outcome });
      log.info({ outcome }, 'elicitation ended');
      return reply;
    };
  }

  /** How the ask ended; a call that ended first expires it (a later answer is then refused). */
  private async settlement(turnId: string, askId: string, expiresAt: number, signal: AbortSignal): Promise<AskSettlement> {
    try {
      return await this.options.answers.wait(turnId, askId, expiresAt, signal);
    } catch (error) {
      if (!signal.aborted) throw error;
      return (await this.options.asks.settle(turnId, [askId])).get(askId) ?? { state: 'unknown' };
    }
  }
}

const CANCEL: ElicitationReply = { action: 'cancel' };
const OUTCOMES = { accept: 'accepted', decline: 'declined', cancel: 'cancelled' } as const satisfies Record<ElicitationReply['action'], AskOutcome>;

function replyOf(settlement: AskSettlement): { reply: ElicitationReply; outcome: AskOutcome } {
  if (settlement.state !== 'answered' || !('action' in settlement.answer)) return { reply: CANCEL, outcome: 'expired' };
  const { action, content } = settlement.answer;
  return { reply: action === 'accept' ? { action, content: content ?? {} } : { action }, outcome: OUTCOMES[action] };
}

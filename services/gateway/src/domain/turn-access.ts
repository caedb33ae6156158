import { TurnIdSchema, type TurnAnswers } from '@bedrock-mcp/contracts';
import type { AnswerRefusal, TurnMeta, TurnProducer } from '@bedrock-mcp/turns';
import { GatewayError } from './gateway-error.js';

export interface TurnAccessOptions {
  /** Reads turns' owners, sends stops and records answers. */
  producer: Pick<TurnProducer, 'meta' | 'stop' | 'answer'>;
}

/** Who may resume, stop or answer a turn: its owner, checked against the turn's meta (TurnProducer). */
export class TurnAccess {
  constructor(private readonly options: TurnAccessOptions) {}

  /** The turn's meta when `userId` owns it; 404 for an unknown (or expired) turn, 403 for another user's. */
  async requireOwned(userId: string, turnId: string): Promise<TurnMeta> {
    if (!TurnIdSchema.safeParse(turnId).success) throw new GatewayError('not_found', `Unknown stream id '${turnId.slice(0, 80)}'`);
    const meta = await this.options.producer.meta(turnId);
    if (!meta) throw new GatewayError('not_found', `Unknown stream id '${turnId}'`);
    if (meta.userId !== userId) throw new GatewayError('forbidden', 'This stream belongs to another user.');
    return meta;
  }

  /** Asks the worker running the turn to stop (TurnProducer.stop); the caller checked the owner. */
  async requestStop(turnId: string): Promise<void> {
    await this.options.producer.stop(turnId);
  }

  /**
   * Records the answers to the turn's asks (TurnProducer.answer; all or none); the caller checked
   * the owner. A refusal is the client's error: 404 unknown ask, 409 answered or expired, 400 wrong kind.
   * Resolves with the ids of the turn's approvals still unanswered (the turn waits for them).
   */
  async answer(turnId: string, answers: TurnAnswers): Promise<string[]> {
    assertOneAnswerPerAsk(answers);
    const outcome = await this.options.producer.answer(turnId, answers);
    if (outcome.kind !== 'accepted') throw refusalError(outcome, answers);
    return outcome.pendingApprovals;
  }
}

/** Two answers to one ask in a call would leave the last one standing: refused instead. */
function assertOneAnswerPerAsk(answers: TurnAnswers): void {
  const seen = new Set<string>();
  const all = [...answers.approvals.map((answer, index) => ({ id: answer.id, param: `approvals[${index}].id` })), ...answers.elicitations.map((answer, index) => ({ id: answer.id, param: `elicitations[${index}].id` }))];
  for (const { id, param } of all) {
    if (seen.has(id)) throw new GatewayError('invalid_request', `The ask '${id}' is answered twice in this call.`, param);
    seen.add(id);
  }
}

function refusalError(refusal: AnswerRefusal, answers: TurnAnswers): GatewayError {
  const approval = answers.approvals.findIndex((answer) => answer.id === refusal.id);
  const elicitation = answers.elicitations.findIndex((answer) => answer.id === refusal.id);
  const param = approval >= 0 ? `approvals[${approval}].id` : elicitation >= 0 ? `elicitations[${elicitation}].id` : null;
  switch (refusal.kind) {
    case 'unknown_ask':
      return new GatewayError('not_found', `The turn has no ask '${refusal.id}'.`, param);
    case 'answered':
      return new GatewayError('conflict', `The ask '${refusal.id}' was answered already.`, param);
    case 'expired':
      return new GatewayError('conflict', `The ask '${refusal.id}' expired before the answer came.`, param);
    case 'wrong_kind':
      return new GatewayError('invalid_request', `The ask '${refusal.id}' is not of that kind: approvals answer approval requests, elicitations elicitation requests.`, param);
  }
}

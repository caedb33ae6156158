import { POOL_ROUTES, type CallToolRequest, type CallToolStreamLine } from '@bedrock-mcp/contracts';
import { PoolFailure, toPoolFailure } from '../errors/pool-failure.js';
import { parseInput } from '../errors/parse-input.js';
import type { ElicitationHandler } from '../pool/elicitation-handler.js';
import type { ServerPool } from '../pool/server-pool.js';
import type { UserOwnership } from '../replicas/user-ownership.js';
import type { PendingElicitations } from './pending-elicitations.js';

export type CallProgressLine = Extract<CallToolStreamLine, { type: 'progress' }>;
type CallElicitationLine = Extract<CallToolStreamLine, { type: 'elicitation' }>;

/** How a dispatched call ended: the contract's closing line, or `cancelled` (nothing is sent for it). */
export type DispatchOutcome = Extract<CallToolStreamLine, { type: 'result' | 'error' }> | { type: 'cancelled' };

export interface DispatchOptions {
  /** Aborting cancels the call at its MCP server; the outcome is then `cancelled`. */
  signal: AbortSignal;
  /** Progress the server reports, as the contract's line; none after the signal aborted. */
  onProgress: (line: CallProgressLine) => void;
  /** Sends the caller an elicitation of its server, when the request opted in (`elicitationTimeoutMs`); none after the signal aborted. */
  onElicitation?: (line: CallElicitationLine) => void;
}

export interface ToolCallDispatcherOptions {
  pool: Pick<ServerPool, 'callTool'>;
  ownership: Pick<UserOwnership, 'owns' | 'hold'>;
  /** Where elicitations wait for their caller's answer. */
  elicitations: PendingElicitations;
}

/**
 * Where every tool call enters the pool's domain, whichever way it came (the call socket, the
 * call route's fast path, the express route): validates it, says whether this replica serves the
 * user, runs it through the server pool under a hold on the user's ownership, and maps its ending
 * to the contract's result or error line. Adapters only move frames or lines; the rest is here.
 */
export class ToolCallDispatcher {
  constructor(private readonly options: ToolCallDispatcherOptions) {}

  /** A call's body as the contract's request; throws an `invalid_request` PoolFailure. */
  parseRequest(body: unknown): CallToolRequest {
    return parseInput(POOL_ROUTES.call.request, body);
  }

  /**
   * Whether this replica runs the user's calls now, decided from memory. When it does not, the
   * call socket answers `reroute` and HTTP routes the request to the owner (user-routing.ts).
   */
  servesHere(userId: string): boolean {
    return this.options.ownership.owns(userId);
  }

  /** Marks a request in flight for the user; ownership is not released under it. */
  hold(userId: string): () => void {
    return this.options.ownership.hold(userId);
  }

  /** Runs a validated call for a user this replica serves; never rejects. */
  async dispatch(userId: string, request: CallToolRequest, { signal, onProgress, onElicitation }: DispatchOptions): Promise<DispatchOutcome> {
    const release = this.options.ownership.hold(userId);
    const { elicitationTimeoutMs } = request;
    const elicit: ElicitationHandler | undefined =
      elicitationTimeoutMs === undefined || !onElicitation
        ? undefined
        : (question, elicitationSignal) =>
            this.options.elicitations.ask(userId, elicitationTimeoutMs, elicitationSignal, (elicitationId) => {
              if (!signal.aborted) onElicitation({ type: 'elicitation', elicitationId, message: question.message, requestedSchema: question.requestedSchema });
            });
    try {
      const { result, durationMs } = await this.options.pool.callTool(userId, request, {
        signal,
        ...(elicit ? { onElicitation: elicit } : {}),
        onProgress: ({ progress, total, message }) => {
          if (!signal.aborted) onProgress({ type: 'progress', progress, ...(total === undefined ? {} : { total }), ...(message === undefined ? {} : { message }) });
        },
      });
      return signal.aborted ? CANCELLED : { type: 'result', result, durationMs };
    } catch (error) {
      return signal.aborted ? CANCELLED : { type: 'error', error: toPoolFailure(error).toWire() };
    } finally {
      release();
    }
  }

  /** The user's answer to an elicitation of one of their calls here; `tool_not_found` (404) when none waits under that id for them. */
  answerElicitation(userId: string, elicitationId: string, body: unknown): void {
    const answer = parseInput(POOL_ROUTES.answerElicitation.request, body);
    if (!this.options.elicitations.answer(userId, elicitationId, answer)) {
      throw new PoolFailure('tool_not_found', 'no elicitation of a call of this user waits under this id (unknown, answered or expired)');
    }
  }
}

const CANCELLED: DispatchOutcome = { type: 'cancelled' };

/** Why a call's signal aborts when its caller goes away. */
export function callerGone(what: 'disconnected' | 'cancelled'): PoolFailure {
  return new PoolFailure('cancelled', what === 'disconnected' ? 'the caller disconnected' : 'the caller cancelled the call');
}

import { randomBytes } from 'node:crypto';
import type { ElicitationResponse } from '@bedrock-mcp/contracts';

const CANCEL: ElicitationResponse = { action: 'cancel' };

interface Waiting {
  userId: string;
  settle: (answer: ElicitationResponse) => void;
}

/**
 * The elicitations of this replica's calls that wait for their caller's answer, by the id the
 * caller was given. Only the user whose call it is can answer, and only once; an answer that does
 * not come in time, or a call that ends first, is `cancel` (what MCP says a dismissed request is).
 */
export class PendingElicitations {
  private readonly waiting = new Map<string, Waiting>();

  /**
   * Gives the question an id, lets `announce` send it to the caller, and resolves with the answer,
   * or `cancel` after `timeoutMs` or once `signal` aborts. Never rejects.
   */
  ask(userId: string, timeoutMs: number, signal: AbortSignal, announce: (elicitationId: string) => void): Promise<ElicitationResponse> {
    if (signal.aborted) return Promise.resolve(CANCEL);
    const elicitationId = `eli_${randomBytes(18).toString('base64url')}`;
    return new Promise((resolve) => {
      const settle = (answer: ElicitationResponse) => {
        if (!this.waiting.delete(elicitationId)) return;
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        resolve(answer);
      };
      const onAbort = () => settle(CANCEL);
      const timer = setTimeout(onAbort, timeoutMs);
      this.waiting.set(elicitationId, { userId, settle });
      signal.addEventListener('abort', onAbort, { once: true });
      announce(elicitationId);
    });
  }

  /** Hands the user's answer to the waiting call; false when no elicitation of this user waits under that id. */
  answer(userId: string, elicitationId: string, answer: ElicitationResponse): boolean {
    const waiting = this.waiting.get(elicitationId);
    if (waiting?.userId !== userId) return false;
    waiting.settle(answer);
    return true;
  }

  /** Elicitations waiting now (metrics, tests). */
  get size(): number {
    return this.waiting.size;
  }
}

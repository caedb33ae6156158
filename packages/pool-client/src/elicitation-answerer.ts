import { ElicitationResponseSchema, POOL_ROUTES, routePath, type CallElicitation, type ElicitationResponse } from '@bedrock-mcp/contracts';
import type { PoolHttp } from './pool-http.js';
import { readText } from './pool-http.js';
import type { ElicitationCallback } from './tool-call-transport.js';

const CANCEL: ElicitationResponse = { action: 'cancel' };

/**
 * The caller's side of an elicitation, whichever transport brought it: asks the call's
 * ElicitationCallback and posts its answer to the pool (POOL_ROUTES.answerElicitation). An answer
 * the pool no longer waits for (the call ended, the wait expired: 404) is dropped; nothing here
 * fails the call.
 */
export class ElicitationAnswerer {
  constructor(private readonly http: PoolHttp) {}

  /** Starts answering; returns at once. `callEnded` aborts when the call is over. */
  answer(userId: string, elicitation: CallElicitation, callback: ElicitationCallback, callEnded: AbortSignal): void {
    void this.reply(userId, elicitation, callback, callEnded);
  }

  private async reply(userId: string, { elicitationId, message, requestedSchema }: CallElicitation, callback: ElicitationCallback, callEnded: AbortSignal): Promise<void> {
    let answer: ElicitationResponse;
    try {
      const parsed = ElicitationResponseSchema.safeParse(await callback({ message, requestedSchema }, callEnded));
      answer = parsed.success ? parsed.data : CANCEL;
    } catch {
      answer = CANCEL;
    }
    if (callEnded.aborted) return;
    const route = POOL_ROUTES.answerElicitation;
    try {
      const response = await this.http.open(route.method, routePath(route, { userId, elicitationId }), JSON.stringify(answer), callEnded, 'application/json');
      await readText(response);
    } catch {
      // The call ended meanwhile, or the pool is gone: the pool answers the server `cancel` itself.
    }
  }
}

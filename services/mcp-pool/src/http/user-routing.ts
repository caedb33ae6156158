import { UserIdSchema } from '@bedrock-mcp/contracts';
import type { Logger } from '@bedrock-mcp/common';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { PoolFailure } from '../errors/pool-failure.js';
import type { UserOwnership } from '../replicas/user-ownership.js';
import { sendPoolError } from './pool-error-response.js';
import { FORWARDED_HEADER, type RequestForwarder } from './request-forwarder.js';

export interface UserRoutingOptions {
  ownership: UserOwnership;
  forwarder: RequestForwarder;
  /** Milliseconds a forwarded request may stay silent (a tool call's timeout plus a start). */
  forwardTimeoutMs: (req: Request) => number;
  logger: Logger;
}

/**
 * In front of every `/v1/users/:userId/…` route: validates the user id, then serves the request
 * here when this replica owns the user, or forwards it to the owner. An owner that cannot be
 * reached is waited out (its heartbeat expires) and the user taken over.
 */
export function createUserRouting(options: UserRoutingOptions): RequestHandler<{ userId: string }> {
  const { ownership, forwarder, logger } = options;
  const serveHere = (userId: string, res: Response, next: NextFunction) => {
    const release = ownership.hold(userId);
    res.on('close', release);
    next();
  };
  return (req: Request<{ userId: string }>, res: Response, next: NextFunction) => {
    const parsed = UserIdSchema.safeParse(req.params.userId);
    if (!parsed.success) return sendPoolError(res, new PoolFailure('invalid_request', `userId: ${parsed.error.issues[0]?.message ?? 'invalid'}`));
    // The common case, a user this replica owns, is decided without Redis or a promise.
    if (ownership.owns(parsed.data)) return serveHere(parsed.data, res, next);
    return route(parsed.data, req, res, next);
  };

  async function route(userId: string, req: Request<{ userId: string }>, res: Response, next: NextFunction): Promise<void> {
    const forwarded = req.headers[FORWARDED_HEADER] !== undefined;
    for (let attempt = 0; attempt < 3; attempt++) {
      const owner = await ownership.route(userId, { forwarded });
      if (owner.kind === 'local') return serveHere(userId, res, next);
      if (owner.kind === 'not_owner') return sendPoolError(res, new PoolFailure('not_owner', `pool replica ${owner.replicaId} serves this user`));
      const outcome = await forwarder.forward(req, res, owner.url, options.forwardTimeoutMs(req));
      switch (outcome.kind) {
        case 'done':
          return;
        case 'failed':
          return sendPoolError(res, new PoolFailure('internal', outcome.message));
        case 'refused':
          logger.error({ userId, replicaId: owner.replicaId }, 'the pool replica owning this user refused our INTERNAL_API_KEY: every replica must have the same one');
          return sendPoolError(res, new PoolFailure('internal', `pool replica ${owner.replicaId} serves this user but refused this replica's internal credential (INTERNAL_API_KEY differs between replicas)`));
        case 'not_owner':
        case 'retry':
          ownership.forgetRemote(userId);
          continue;
        case 'unreachable':
          logger.warn({ userId, replicaId: owner.replicaId }, 'owner pool replica unreachable; taking the user over once its heartbeat expires');
          await ownership.takeOverUnreachable(userId, owner.replicaId);
          continue;
      }
    }
    return sendPoolError(res, new PoolFailure('internal', 'could not reach the pool replica serving this user'));
  }
}

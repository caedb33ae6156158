import { Agent, request, type IncomingHttpHeaders } from 'node:http';
import type { Request, Response } from 'express';

/** Set on a request one replica forwards to another; a forwarded request is never forwarded again. */
export const FORWARDED_HEADER = 'x-mcp-pool-forwarded-by';

/**
 * done: the owner answered (its answer, streamed, is the response);
 * unreachable: nothing reached the owner (connection refused) — safe to serve elsewhere;
 * retry: a kept-alive connection had gone stale before the request was read — safe to resend;
 * not_owner: the owner no longer owns the user (HTTP 421) — route again;
 * refused: the owner refused this replica's internal credential (HTTP 401): the replicas' INTERNAL_API_KEY differ;
 * failed: the request may have reached the owner but no answer came.
 */
export type ForwardOutcome = { kind: 'done' } | { kind: 'unreachable' } | { kind: 'retry' } | { kind: 'not_owner' } | { kind: 'refused' } | { kind: 'failed'; message: string };

const PASSED_HEADERS = ['content-type', 'content-length', 'cache-control'] as const;

/** Proxies a request to the replica that owns its user, streaming the answer (NDJSON included) back. */
export class RequestForwarder {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 256 });

  /** @param authorization the `Authorization` header the owner requires (the internal credential) */
  constructor(
    private readonly replicaId: string,
    private readonly authorization: string,
  ) {}

  /** @param timeoutMs milliseconds of socket inactivity before giving up */
  forward(req: Request, res: Response, baseUrl: string, timeoutMs: number): Promise<ForwardOutcome> {
    const body = req.body === undefined ? undefined : Buffer.from(JSON.stringify(req.body));
    return new Promise((resolve) => {
      let answered = false;
      const upstream = request(new URL(req.originalUrl, baseUrl), {
        method: req.method,
        agent: this.agent,
        timeout: timeoutMs,
        headers: {
          [FORWARDED_HEADER]: this.replicaId,
          authorization: this.authorization,
          ...(req.headers.accept ? { accept: req.headers.accept } : {}),
          ...(body ? { 'content-type': 'application/json', 'content-length': String(body.length) } : {}),
        },
      });
      upstream.on('response', (answer) => {
        if (answer.statusCode === 421 || answer.statusCode === 401) {
          answer.resume();
          resolve({ kind: answer.statusCode === 421 ? 'not_owner' : 'refused' });
          return;
        }
        answered = true;
        res.writeHead(answer.statusCode ?? 502, pick(answer.headers));
        answer.pipe(res);
        answer.on('end', () => resolve({ kind: 'done' }));
        answer.on('error', () => {
          res.destroy();
          resolve({ kind: 'done' });
        });
      });
      upstream.on('timeout', () => upstream.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      upstream.on('error', (error: NodeJS.ErrnoException) => {
        if (answered) {
          res.destroy();
          resolve({ kind: 'done' });
        } else if (error.code === 'ECONNREFUSED' || error.code === 'EHOSTUNREACH') {
          resolve({ kind: 'unreachable' });
        } else if (upstream.reusedSocket && error.code === 'ECONNRESET') {
          resolve({ kind: 'retry' });
        } else {
          resolve({ kind: 'failed', message: `the pool replica serving this user failed to answer: ${error.message}` });
        }
      });
      // The caller went away: so does the forwarded request, which cancels the call at the owner.
      res.on('close', () => {
        if (!res.writableFinished) upstream.destroy();
      });
      upstream.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

function pick(headers: IncomingHttpHeaders): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const name of PASSED_HEADERS) {
    const value = headers[name];
    if (typeof value === 'string') picked[name] = value;
  }
  return picked;
}

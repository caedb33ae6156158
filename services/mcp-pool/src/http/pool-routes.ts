import { POOL_ROUTES, type CallToolStreamLine, type RouteDefinition } from '@bedrock-mcp/contracts';
import { Router, type Request, type Response } from 'express';
import { callerGone, type ToolCallDispatcher } from '../calls/tool-call-dispatcher.js';
import { parseInput } from '../errors/parse-input.js';
import type { ServerPool } from '../pool/server-pool.js';
import { sendPoolError } from './pool-error-response.js';

export type PoolApi = Pick<ServerPool, 'ensure' | 'list' | 'stop' | 'catalog' | 'checkRequestServerUrls' | 'closeTurnServers'>;

export interface PoolRoutesOptions {
  pool: PoolApi;
  /** Tool calls (the `call` route). */
  dispatcher: ToolCallDispatcher;
}

type Handler = (req: Request<Record<string, string>>, res: Response) => Promise<void>;

/** The routes of contracts' POOL_ROUTES, each parsing its input with the route's schemas. */
export function createPoolRoutes({ pool, dispatcher }: PoolRoutesOptions): Router {
  const router = Router();
  const serve = (route: RouteDefinition, handler: Handler) => {
    const method = route.method.toLowerCase() as 'get' | 'post' | 'delete';
    router[method](route.path, handler);
  };

  serve(POOL_ROUTES.ensure, async (req, res) => {
    const { userId, serverId } = parseInput(POOL_ROUTES.ensure.params, req.params);
    res.json(await pool.ensure(userId, serverId));
  });

  serve(POOL_ROUTES.list, async (req, res) => {
    const { userId } = parseInput(POOL_ROUTES.list.params, req.params);
    res.json({ servers: await pool.list(userId) });
  });

  serve(POOL_ROUTES.stop, async (req, res) => {
    const { userId, serverId } = parseInput(POOL_ROUTES.stop.params, req.params);
    res.json(await pool.stop(userId, serverId));
  });

  serve(POOL_ROUTES.catalog, async (req, res) => {
    const { userId } = parseInput(POOL_ROUTES.catalog.params, req.params);
    const body = parseInput(POOL_ROUTES.catalog.request, req.body);
    res.json(await pool.catalog(userId, body.serverIds, body.requestServers));
  });

  serve(POOL_ROUTES.checkRequestServers, async (req, res) => {
    parseInput(POOL_ROUTES.checkRequestServers.params, req.params);
    const body = parseInput(POOL_ROUTES.checkRequestServers.request, req.body);
    await pool.checkRequestServerUrls(body.urls);
    res.status(POOL_ROUTES.checkRequestServers.status).end();
  });

  serve(POOL_ROUTES.closeTurnServers, async (req, res) => {
    const { userId, turnId } = parseInput(POOL_ROUTES.closeTurnServers.params, req.params);
    await pool.closeTurnServers(userId, turnId);
    res.status(POOL_ROUTES.closeTurnServers.status).end();
  });

  serve(POOL_ROUTES.call, async (req, res) => {
    const { userId } = parseInput(POOL_ROUTES.call.params, req.params);
    await handleCall(dispatcher, userId, req.body, res);
  });

  serve(POOL_ROUTES.answerElicitation, async (req, res) => {
    const { userId, elicitationId } = parseInput(POOL_ROUTES.answerElicitation.params, req.params);
    dispatcher.answerElicitation(userId, elicitationId, req.body);
    res.status(POOL_ROUTES.answerElicitation.status).end();
  });

  return router;
}

/**
 * The call route after its user id was validated: parses the JSON body with the contract, runs the
 * call and answers in NDJSON: progress and elicitation lines as they come, then one result or error line. Nothing
 * is written before the first line, so a failure before any progress still gets its proper HTTP
 * status. A caller that disconnects cancels the call.
 */
export async function handleCall(dispatcher: ToolCallDispatcher, userId: string, jsonBody: unknown, res: Response): Promise<void> {
  const request = dispatcher.parseRequest(jsonBody);
  const abort = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) abort.abort(callerGone('disconnected'));
  });
  let streaming = false;
  const writeLine = (line: CallToolStreamLine, last: boolean) => {
    const text = `${JSON.stringify(line)}\n`;
    if (!streaming) {
      streaming = true;
      res.writeHead(200, { 'content-type': 'application/x-ndjson', 'cache-control': 'no-store', ...(last ? { 'content-length': String(Buffer.byteLength(text)) } : {}) });
    }
    if (last) res.end(text);
    else res.write(text);
  };
  const outcome = await dispatcher.dispatch(userId, request, {
    signal: abort.signal,
    onProgress: (line) => writeLine(line, false),
    onElicitation: (line) => writeLine(line, false),
  });
  if (outcome.type === 'cancelled') return;
  if (outcome.type === 'error' && !streaming) return sendPoolError(res, outcome.error);
  writeLine(outcome, true);
}

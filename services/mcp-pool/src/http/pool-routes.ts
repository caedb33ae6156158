import { CallToolRequestSchema, CatalogRequestSchema, ServerIdSchema, UserIdSchema, type CallToolStreamLine } from '@bedrock-mcp/contracts';
import { Router, type Request, type Response } from 'express';
import type { z } from 'zod';
import { PoolFailure, toPoolFailure } from '../errors/pool-failure.js';
import type { ServerPool } from '../pool/server-pool.js';
import { sendPoolError } from './pool-error-response.js';

export type PoolApi = Pick<ServerPool, 'ensure' | 'list' | 'stop' | 'catalog' | 'callTool'>;

type Params = { userId: string; serverId?: string };

/** The routes of contracts/pool-api.ts, each parsing its input with the contract schema. */
export function createPoolRoutes(pool: PoolApi): Router {
  const router = Router();

  router.post('/v1/users/:userId/servers/:serverId/ensure', async (req: Request<Params>, res) => {
    const { userId, serverId } = parseParams(req.params, true);
    res.json(await pool.ensure(userId, serverId));
  });

  router.get('/v1/users/:userId/servers', async (req: Request<Params>, res) => {
    const { userId } = parseParams(req.params, false);
    res.json({ servers: await pool.list(userId) });
  });

  router.delete('/v1/users/:userId/servers/:serverId', async (req: Request<Params>, res) => {
    const { userId, serverId } = parseParams(req.params, true);
    res.json(await pool.stop(userId, serverId));
  });

  router.post('/v1/users/:userId/catalog', async (req: Request<Params>, res) => {
    const { userId } = parseParams(req.params, false);
    const body = parseBody(CatalogRequestSchema, req.body);
    res.json(await pool.catalog(userId, body.serverIds));
  });

  router.post('/v1/users/:userId/call', async (req: Request<Params>, res) => {
    const { userId } = parseParams(req.params, false);
    await handleCall(pool, userId, req.body, res);
  });

  return router;
}

/** The call route after its user id was validated: parses the JSON body with the contract and streams the call. */
export async function handleCall(pool: Pick<PoolApi, 'callTool'>, userId: string, jsonBody: unknown, res: Response): Promise<void> {
  const body = parseBody(CallToolRequestSchema, jsonBody);
  await streamCall(res, (signal, onProgress) => pool.callTool(userId, body, { signal, onProgress }));
}

/**
 * Runs a call and answers in NDJSON: progress lines as they come, then one result or error line.
 * Nothing is written before the first line, so a failure before any progress still gets its
 * proper HTTP status. A caller that disconnects cancels the call.
 */
async function streamCall(
  res: Response,
  call: (signal: AbortSignal, onProgress: (progress: { progress: number; total?: number; message?: string }) => void) => ReturnType<PoolApi['callTool']>,
): Promise<void> {
  const abort = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) abort.abort(new PoolFailure('cancelled', 'the caller disconnected'));
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
  try {
    const { result, durationMs } = await call(abort.signal, ({ progress, total, message }) => {
      if (!abort.signal.aborted) writeLine({ type: 'progress', progress, ...(total === undefined ? {} : { total }), ...(message === undefined ? {} : { message }) }, false);
    });
    if (!abort.signal.aborted) writeLine({ type: 'result', result, durationMs }, true);
  } catch (error) {
    if (abort.signal.aborted) return;
    const failure = toPoolFailure(error);
    if (streaming) writeLine({ type: 'error', error: failure.toWire() }, true);
    else sendPoolError(res, failure);
  }
}

function parseParams(params: Params, withServer: true): { userId: string; serverId: string };
function parseParams(params: Params, withServer: false): { userId: string };
function parseParams(params: Params, withServer: boolean): { userId: string; serverId?: string } {
  const userId = UserIdSchema.safeParse(params.userId);
  if (!userId.success) throw new PoolFailure('invalid_request', `userId: ${userId.error.issues[0]?.message}`);
  if (!withServer) return { userId: userId.data };
  const serverId = ServerIdSchema.safeParse(params.serverId);
  if (!serverId.success) throw new PoolFailure('invalid_request', `serverId: ${serverId.error.issues[0]?.message}`);
  return { userId: userId.data, serverId: serverId.data };
}

function parseBody<T extends z.ZodType>(schema: T, body: unknown): z.output<T> {
  const parsed = schema.safeParse(body ?? {});
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const path = issue?.path.join('.') ?? '';
  throw new PoolFailure('invalid_request', `${path ? `${path}: ` : ''}${issue?.message ?? 'invalid request body'}`);
}

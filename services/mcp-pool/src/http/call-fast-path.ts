import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { POOL_ROUTES, UserIdSchema } from '@bedrock-mcp/contracts';
import type { Logger } from '@bedrock-mcp/common';
import express, { type Express, type Request, type Response } from 'express';
import type { ToolCallDispatcher } from '../calls/tool-call-dispatcher.js';
import { createErrorHandler } from './create-app.js';
import { handleCall } from './pool-routes.js';

/** Exactly the call route's path, its user id captured; anything else (case, trailing slash, query) takes express's way. */
const CALL_PATH = new RegExp(`^${POOL_ROUTES.call.path.replace(':userId', '([^/?#]+)')}$`);

export interface CallFastPathOptions {
  dispatcher: ToolCallDispatcher;
  /** Largest JSON body (bytes), as the app's. */
  maxBodyBytes: number;
  logger: Logger;
}

/**
 * The hot route, POOL_ROUTES.call (`POST /v1/users/:userId/call`) for a user this replica owns, served in front of
 * express: express's router and middleware chain cost ~0.14 ms per call (profiled). It runs the
 * same steps in the same order — express's request/response prototypes, the same JSON body parser,
 * the user's hold, the same handler and error handler — so answers are identical. Every other
 * request, and a call for a user this replica does not own (routing, forwarding), goes to the app.
 */
export function withCallFastPath(app: Express, options: CallFastPathOptions): RequestListener {
  const { dispatcher } = options;
  const parseJson = express.json({ limit: options.maxBodyBytes });
  const onError = createErrorHandler(options.logger);
  const ignore = () => undefined;
  return (rawReq: IncomingMessage, rawRes: ServerResponse) => {
    const match = rawReq.method === POOL_ROUTES.call.method ? CALL_PATH.exec(rawReq.url ?? '') : null;
    const userId = match ? decodeUserId(match[1]!) : undefined;
    if (userId === undefined || !dispatcher.servesHere(userId)) return void app(rawReq, rawRes);
    const req = rawReq as Request<{ userId: string }>;
    const res = rawRes as Response;
    req.res = res;
    res.req = req;
    Object.setPrototypeOf(req, app.request);
    Object.setPrototypeOf(res, app.response);
    res.locals ??= Object.create(null) as Record<string, unknown>;
    req.originalUrl ??= req.url;
    req.baseUrl = '';
    req.params = { userId };
    const serve = (body: unknown) => {
      res.on('close', dispatcher.hold(userId));
      handleCall(dispatcher, userId, body, res).catch((failure: unknown) => onError(failure, req, res, ignore));
    };
    // The body parser itself decides every case but the common one (see readPlainJson), errors included.
    const viaBodyParser = (target: Request) =>
      parseJson(target, res, (error?: unknown) => (error ? onError(error, req, res, ignore) : serve(target.body)));
    if (!isPlainJsonRequest(req, options.maxBodyBytes)) return viaBodyParser(req);
    readPlainJson(req, (body, parsed) => {
      if (parsed !== NOT_PLAIN) return serve(parsed);
      viaBodyParser(Object.assign(Readable.from([body], { objectMode: false }), { headers: req.headers }) as unknown as Request);
    });
  };
}

const NOT_PLAIN = Symbol('not plain JSON');

/**
 * `content-type: application/json` exactly (what PoolClient sends), no content or transfer encoding,
 * and a content-length within the limit: a body the JSON body parser would read as plain UTF-8.
 */
function isPlainJsonRequest(req: IncomingMessage, maxBodyBytes: number): boolean {
  const { headers } = req;
  const length = headers['content-length'];
  return (
    headers['content-type'] === 'application/json' &&
    headers['content-encoding'] === undefined &&
    headers['transfer-encoding'] === undefined &&
    length !== undefined &&
    /^\d{1,9}$/.test(length) &&
    Number(length) <= maxBodyBytes
  );
}

/**
 * Reads the body (~0.07 ms per call less than the body parser, profiled) and parses it when it is a
 * JSON object as is: text starting with `{` that JSON.parse accepts, the only case the body parser
 * and this agree on trivially. Anything else (BOM, whitespace, other values, invalid JSON, empty)
 * is handed back with NOT_PLAIN so the body parser answers it. A request cut off is dropped.
 */
function readPlainJson(req: IncomingMessage, done: (body: Buffer, parsed: unknown) => void): void {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('error', () => undefined);
  req.once('end', () => {
    const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
    const text = body.toString('utf8');
    if (text.charCodeAt(0) !== 0x7b /* { */) return done(body, NOT_PLAIN);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return done(body, NOT_PLAIN);
    }
    done(body, parsed);
  });
}

/** The decoded, valid user id of the path segment, or undefined (the app then answers as usual). */
function decodeUserId(segment: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(segment);
  } catch {
    return undefined;
  }
  const parsed = UserIdSchema.safeParse(decoded);
  return parsed.success ? parsed.data : undefined;
}

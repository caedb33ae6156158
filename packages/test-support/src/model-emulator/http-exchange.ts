import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { constants as http2Constants, Http2ServerResponse, type Http2ServerRequest } from 'node:http2';
import { setTimeout as delay } from 'node:timers/promises';

// One handler serves both listeners: the HTTP/1.1 and HTTP/2-compat request/response objects are
// used only through the members they share.
export type ExchangeRequest = IncomingMessage | Http2ServerRequest;
export type ExchangeResponse = ServerResponse | Http2ServerResponse;
export type ExchangeHandler = (request: ExchangeRequest, response: ExchangeResponse) => void;

/** The members of both response kinds the emulator uses (their overloads make the union uncallable). */
interface ResponseSink {
  writeHead(statusCode: number, headers: OutgoingHttpHeaders): unknown;
  write(chunk: string | Uint8Array): boolean;
  end(chunk?: string | Uint8Array): unknown;
  once(event: 'close', listener: () => void): unknown;
  readonly headersSent: boolean;
}

function sinkOf(response: ExchangeResponse): ResponseSink {
  return response;
}

export async function readBody(request: ExchangeRequest): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString('utf8');
}

export type JsonObjectParse = { ok: true; value: Record<string, unknown> } | { ok: false; error: string };

export function parseJsonObject(text: string): JsonObjectParse {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      return { ok: true, value: value as Record<string, unknown> };
    }
    return { ok: false, error: 'request body must be a JSON object' };
  } catch (error) {
    return { ok: false, error: `request body is not JSON: ${(error as Error).message}` };
  }
}

export function sendJson(
  response: ExchangeResponse,
  status: number,
  body: unknown,
  headers: Readonly<Record<string, string>> = {},
): void {
  const sink = sinkOf(response);
  if (sink.headersSent) {
    sink.end();
    return;
  }
  const payload = Buffer.from(JSON.stringify(body));
  sink.writeHead(status, { 'content-type': 'application/json', 'content-length': payload.length, ...headers });
  sink.end(payload);
}

/**
 * Breaks the exchange the way a network failure would, after what was already written reaches the client:
 * RST_STREAM on HTTP/2, a connection closed in the middle of the (chunked) body on HTTP/1.1.
 */
export function abortExchange(response: ExchangeResponse): void {
  if (response instanceof Http2ServerResponse) {
    response.stream.close(http2Constants.NGHTTP2_INTERNAL_ERROR);
  } else {
    response.socket?.end(); // destroy() would discard the frames still queued on the socket
  }
}

const DISCONNECT_GRACE_MS = 50;

export type StreamInterruption = { afterFrames: number } & ({ finalFrame: string | Uint8Array } | { disconnect: true });

export interface FrameStream {
  contentType: string;
  frames: readonly (string | Uint8Array)[];
  /** Pause before every frame but the first. */
  delayMs: number;
  /** Replaces the rest of the stream once `afterFrames` frames are written. */
  interruption?: StreamInterruption | undefined;
}

/** Writes the frames as one 200 response; gives up quietly when the client leaves or `signal` aborts. */
export async function streamFrames(response: ExchangeResponse, stream: FrameStream, signal: AbortSignal): Promise<void> {
  const sink = sinkOf(response);
  let clientGone = false;
  sink.once('close', () => {
    clientGone = true;
  });
  sink.writeHead(200, { 'content-type': stream.contentType, 'cache-control': 'no-cache' });
  const stopAt = Math.min(stream.interruption?.afterFrames ?? Infinity, stream.frames.length);
  for (let index = 0; index < stopAt; index += 1) {
    if (index > 0 && stream.delayMs > 0 && !(await pause(stream.delayMs, signal))) {
      abortExchange(response);
      return;
    }
    if (clientGone) return;
    sink.write(stream.frames[index] ?? '');
  }
  if (stream.interruption !== undefined && 'disconnect' in stream.interruption) {
    // A reset arriving together with the last frames makes clients drop those frames unread; the pause makes
    // "disconnect after N chunks" mean the client did see N chunks.
    await pause(DISCONNECT_GRACE_MS, signal);
    abortExchange(response);
    return;
  }
  sink.end(stream.interruption?.finalFrame);
}

/** Resolves false when aborted instead of throwing, so shutdown is not reported as a failure. */
async function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  try {
    await delay(ms, undefined, { signal });
    return true;
  } catch {
    return false;
  }
}

/** The transport facts recorded with every request. */
export interface ExchangeInfo {
  method: string;
  path: string;
  httpVersion: string;
  headers: Readonly<Record<string, string | string[] | undefined>>;
  receivedAt: Date;
  /** The client's TCP port: requests that came over one connection share it. */
  remotePort?: number;
}

export function exchangeInfo(request: ExchangeRequest, path: string): ExchangeInfo {
  return {
    method: request.method ?? 'GET',
    path,
    httpVersion: request.httpVersion,
    headers: { ...request.headers },
    receivedAt: new Date(),
    remotePort: request.socket.remotePort,
  };
}

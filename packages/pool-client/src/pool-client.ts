import { Agent as HttpAgent, request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { urlToHttpOptions } from 'node:url';
import {
  CallToolStreamLineSchema,
  internalAuthorization,
  PoolErrorBodySchema,
  POOL_ERROR_STATUS,
  POOL_ROUTES,
  routePath,
  type CallToolRequest,
  type RouteDefinition,
  type RouteRequest,
  type RouteResponse,
  type CatalogResponse,
  type PoolServerStatus,
  type ToolResult,
} from '@bedrock-mcp/contracts';
import type { z } from 'zod';
import { CallSocketClient, type ToolProgress } from './call-socket-client.js';
import { PoolClientError } from './pool-client-error.js';

export { PoolClientError } from './pool-client-error.js';
export type { ToolProgress } from './call-socket-client.js';

export interface CallToolOptions {
  /** Aborting cancels the call at the MCP server (a `cancel` frame on the call socket, or closing the HTTP request). */
  signal?: AbortSignal;
  onProgress?: (progress: ToolProgress) => void;
}

export interface PoolClientOptions {
  /** Any replica's base URL (MCP_POOL_URL); a replica forwards to the one that owns the user. */
  baseUrl: string;
  /** INTERNAL_API_KEY: the pool refuses every request and call socket without it. */
  internalApiKey: string;
  /** Milliseconds for requests other than tool calls (which carry their own timeout); default 60 000. */
  requestTimeoutMs?: number;
  /** Kept-alive connections to the pool at most; default 256. */
  maxSockets?: number;
  /** Tool calls over the pool's call socket when it has one (default), else always over HTTP. */
  callSocket?: boolean;
}

/**
 * The mcp-pool's API (see contracts/pool-api.ts) for workers and the gateway. Uses node:http with
 * kept-alive connections, and for tool calls the call socket: a frame each way on one WebSocket,
 * falling back to HTTP for users another replica owns (HTTP routes them) and while the socket is
 * not open. close() is optional: idle sockets do not keep a process alive.
 */
export class PoolClient {
  private readonly baseUrl: string;
  private readonly requestTimeoutMs: number;
  private readonly agent: HttpAgent;
  private readonly send: typeof httpRequest;
  /** The base URL as request options, parsed once: a URL string would be parsed again on every request. */
  private readonly target: RequestOptions;
  private readonly pathPrefix: string;
  private readonly authorization: string;
  private readonly callSocket: CallSocketClient | undefined;

  constructor(options: PoolClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.requestTimeoutMs = options.requestTimeoutMs ?? 60_000;
    const https = new URL(this.baseUrl).protocol === 'https:';
    const agentOptions = { keepAlive: true, maxSockets: options.maxSockets ?? 256 };
    this.agent = https ? new HttpsAgent(agentOptions) : new HttpAgent(agentOptions);
    this.send = https ? (httpsRequest as typeof httpRequest) : httpRequest;
    const { protocol, hostname, port, auth } = urlToHttpOptions(new URL(this.baseUrl));
    this.target = { protocol, hostname, port, ...(auth ? { auth } : {}) };
    this.pathPrefix = new URL(this.baseUrl).pathname.replace(/\/+$/, '');
    if (!options.internalApiKey) throw new TypeError('PoolClient: internalApiKey (INTERNAL_API_KEY) is required: the pool refuses callers without it');
    this.authorization = internalAuthorization(options.internalApiKey);
    this.callSocket = options.callSocket === false ? undefined : new CallSocketClient(this.baseUrl, this.authorization);
  }

  ensureServer(userId: string, serverId: string, signal?: AbortSignal): Promise<PoolServerStatus> {
    return this.json(POOL_ROUTES.ensure, { userId, serverId }, undefined, signal);
  }

  async listServers(userId: string, signal?: AbortSignal): Promise<PoolServerStatus[]> {
    return (await this.json(POOL_ROUTES.list, { userId }, undefined, signal)).servers;
  }

  stopServer(userId: string, serverId: string, signal?: AbortSignal): Promise<PoolServerStatus> {
    return this.json(POOL_ROUTES.stop, { userId, serverId }, undefined, signal);
  }

  catalog(userId: string, serverIds: string[], signal?: AbortSignal): Promise<CatalogResponse> {
    return this.json(POOL_ROUTES.catalog, { userId }, { serverIds }, signal);
  }

  /** Calls a tool; resolves with its result (isError results included), rejects on pool errors. */
  async callTool(userId: string, request: CallToolRequest, options: CallToolOptions = {}): Promise<{ result: ToolResult; durationMs: number }> {
    const viaSocket = await this.callSocket?.call(userId, request, options);
    if (viaSocket?.kind === 'result') return { result: viaSocket.result, durationMs: viaSocket.durationMs };
    if (viaSocket?.kind === 'error') throw new PoolClientError(viaSocket.code, viaSocket.message, POOL_ERROR_STATUS[viaSocket.code]);
    return this.callToolOverHttp(userId, request, options);
  }

  private async callToolOverHttp(userId: string, request: CallToolRequest, options: CallToolOptions): Promise<{ result: ToolResult; durationMs: number }> {
    const { signal } = options;
    try {
      const route = POOL_ROUTES.call;
      const response = await this.open(route.method, routePath(route, { userId }), JSON.stringify(request), signal, 'application/x-ndjson');
      if ((response.statusCode ?? 500) >= 400) throw toError(response.statusCode ?? 500, await readText(response));
      // Read to the end even after the last line: leaving early would destroy the kept-alive socket.
      let outcome: { result: ToolResult; durationMs: number } | PoolClientError | undefined;
      for await (const line of readLines(response)) {
        if (outcome) continue;
        const parsed = parseLine(line);
        if (parsed.type === 'progress') options.onProgress?.({ progress: parsed.progress, total: parsed.total, message: parsed.message });
        else if (parsed.type === 'result') outcome = { result: parsed.result, durationMs: parsed.durationMs };
        else outcome = new PoolClientError(parsed.error.code, parsed.error.message);
      }
      if (outcome instanceof PoolClientError) throw outcome;
      if (!outcome) throw new PoolClientError('internal', 'the pool closed the call without a result');
      return outcome;
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      throw error;
    }
  }

  /** Drops kept-alive connections (idempotent). */
  close(): void {
    this.agent.destroy();
    this.callSocket?.close();
  }

  /** Calls a `json` route of POOL_ROUTES and parses its answer with the route's response schema. */
  private async json<R extends JsonRoute>(route: R, params: Record<string, string>, body: RouteRequest<R>, signal?: AbortSignal): Promise<RouteResponse<R>> {
    const { method, response: schema } = route;
    const path = routePath(route, params);
    const timeout = AbortSignal.timeout(this.requestTimeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    try {
      const response = await this.open(method, path, body === undefined ? undefined : JSON.stringify(body), combined, 'application/json');
      const text = await readText(response);
      if ((response.statusCode ?? 500) >= 400) throw toError(response.statusCode ?? 500, text);
      const parsed = schema.safeParse(safeJson(text));
      if (!parsed.success) throw new PoolClientError('internal', `mcp-pool answered ${method} ${path} with an unexpected body: ${text.slice(0, 200)}`);
      return parsed.data as RouteResponse<R>;
    } catch (error) {
      if (combined.aborted) throw combined.reason;
      throw error;
    }
  }

  /**
   * Sends the request; resolves with the response once its headers arrived. Aborting destroys it.
   * A kept-alive connection the pool closed just as it was reused (ECONNRESET before any answer)
   * is retried once on a fresh connection: the pool never read that request.
   */
  private async open(method: string, path: string, body: string | undefined, signal: AbortSignal | undefined, accept: string): Promise<IncomingMessage> {
    try {
      return await this.openOnce(method, path, body, signal, accept);
    } catch (error) {
      if (!(error instanceof StaleSocketError)) throw error;
      return this.openOnce(method, path, body, signal, accept);
    }
  }

  private openOnce(method: string, path: string, body: string | undefined, signal: AbortSignal | undefined, accept: string): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const headers: RequestOptions['headers'] = { accept, authorization: this.authorization };
      if (body !== undefined) {
        headers['content-type'] = 'application/json';
        headers['content-length'] = Buffer.byteLength(body);
      }
      const request = this.send({ ...this.target, path: `${this.pathPrefix}${path}`, method, agent: this.agent, headers });
      const onAbort = () => request.destroy(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
      signal?.addEventListener('abort', onAbort, { once: true });
      request.once('close', () => signal?.removeEventListener('abort', onAbort));
      request.once('response', resolve);
      request.once('error', (error: NodeJS.ErrnoException) => {
        reject(request.reusedSocket && error.code === 'ECONNRESET' && !signal?.aborted ? new StaleSocketError() : error);
      });
      request.end(body);
    });
  }
}

type JsonRoute = RouteDefinition & { answer: 'json'; response: z.ZodType };

class StaleSocketError extends Error {}

function parseLine(line: string) {
  const parsed = CallToolStreamLineSchema.safeParse(safeJson(line));
  if (!parsed.success) throw new PoolClientError('internal', `mcp-pool sent a line that is not the contract: ${line.slice(0, 200)}`);
  return parsed.data;
}

function toError(status: number, text: string): PoolClientError {
  const body = PoolErrorBodySchema.safeParse(safeJson(text));
  if (body.success) return new PoolClientError(body.data.error.code, body.data.error.message, status);
  return new PoolClientError('internal', `mcp-pool answered HTTP ${status}: ${text.slice(0, 200)}`, status);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

async function readText(response: IncomingMessage): Promise<string> {
  response.setEncoding('utf8');
  let text = '';
  for await (const chunk of response) text += chunk as string;
  return text;
}

async function* readLines(response: IncomingMessage): AsyncGenerator<string> {
  response.setEncoding('utf8');
  let buffered = '';
  for await (const chunk of response) {
    buffered += chunk as string;
    let newline: number;
    while ((newline = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, newline).trim();
      buffered = buffered.slice(newline + 1);
      if (line) yield line;
    }
  }
  if (buffered.trim()) yield buffered.trim();
}

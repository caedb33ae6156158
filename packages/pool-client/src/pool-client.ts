import {
  internalAuthorization,
  POOL_ROUTES,
  routePath,
  type CallToolRequest,
  type CatalogResponse,
  type PoolServerStatus,
  type RequestServer,
  type RouteDefinition,
  type RouteRequest,
  type RouteResponse,
} from '@bedrock-mcp/contracts';
import type { z } from 'zod';
import { CallSocketClient } from './call-socket-client.js';
import { ElicitationAnswerer } from './elicitation-answerer.js';
import { HttpToolCallTransport } from './http-tool-call-transport.js';
import { PoolClientError } from './pool-client-error.js';
import { PoolHttp, readText, safeJson, toError } from './pool-http.js';
import type { CallToolOptions, ToolCallResult, ToolCallTransport } from './tool-call-transport.js';
import { TransportSelector } from './transport-selector.js';

export { PoolClientError } from './pool-client-error.js';
export type { CallToolOptions, ElicitationCallback, ElicitationReply, ElicitationRequest, ToolCallResult, ToolProgress } from './tool-call-transport.js';

/** How long the pool waits for the answer to an elicitation of a call that gives no `elicitationTimeoutMs` of its own. */
export const DEFAULT_ELICITATION_TIMEOUT_MS = 15 * 60_000;

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
 * The mcp-pool's API (see contracts/pool-api.ts and POOL_ROUTES) for workers and the gateway. Uses
 * node:http with kept-alive connections, and for tool calls a ToolCallTransport: by default the
 * call socket (a frame each way on one WebSocket) selected while it is open, with HTTP for users
 * another replica owns (HTTP routes them) and while the socket is not open. close() is optional:
 * idle sockets do not keep a process alive.
 */
export class PoolClient {
  private readonly requestTimeoutMs: number;
  private readonly http: PoolHttp;
  private readonly calls: ToolCallTransport;

  constructor(options: PoolClientOptions) {
    const baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.requestTimeoutMs = options.requestTimeoutMs ?? 60_000;
    if (!options.internalApiKey) throw new TypeError('PoolClient: internalApiKey (INTERNAL_API_KEY) is required: the pool refuses callers without it');
    const authorization = internalAuthorization(options.internalApiKey);
    this.http = new PoolHttp({ baseUrl, authorization, maxSockets: options.maxSockets ?? 256 });
    const elicitations = new ElicitationAnswerer(this.http);
    this.calls = new TransportSelector({
      preferred: options.callSocket === false ? undefined : new CallSocketClient(baseUrl, authorization, elicitations),
      fallback: new HttpToolCallTransport(this.http, elicitations),
    });
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

  /** The tools of the user's servers `serverIds` and of the turn's own `requestServers`. */
  catalog(userId: string, serverIds: string[], signal?: AbortSignal, requestServers: readonly RequestServer[] = []): Promise<CatalogResponse> {
    return this.json(POOL_ROUTES.catalog, { userId }, { serverIds, ...(requestServers.length > 0 ? { requestServers: [...requestServers] } : {}) }, signal);
  }

  /** Rejects with a PoolClientError (`forbidden`) when the pool's address policy refuses one of the request servers' URLs. */
  async checkRequestServers(userId: string, urls: string[], signal?: AbortSignal): Promise<void> {
    await this.noContent(POOL_ROUTES.checkRequestServers, { userId }, { urls }, signal);
  }

  /** Closes the turn's request servers (the turn ended). */
  async closeTurnServers(userId: string, turnId: string, signal?: AbortSignal): Promise<void> {
    await this.noContent(POOL_ROUTES.closeTurnServers, { userId, turnId }, undefined, signal);
  }

  /**
   * Calls a tool; resolves with its result (isError results included), rejects on pool errors. With
   * `onElicitation` the request opts in to elicitations (its `elicitationTimeoutMs`, or
   * DEFAULT_ELICITATION_TIMEOUT_MS); without it, it never does.
   */
  callTool(userId: string, request: CallToolRequest, options: CallToolOptions = {}): Promise<ToolCallResult> {
    const { elicitationTimeoutMs, ...rest } = request;
    const sent: CallToolRequest = options.onElicitation ? { ...rest, elicitationTimeoutMs: elicitationTimeoutMs ?? DEFAULT_ELICITATION_TIMEOUT_MS } : rest;
    return this.calls.call(userId, sent, options);
  }

  /** Drops kept-alive connections and the call socket (idempotent). */
  close(): void {
    this.http.close();
    this.calls.close();
  }

  /** Calls a `json` route of POOL_ROUTES and parses its answer with the route's response schema. */
  private async json<R extends JsonRoute>(route: R, params: Record<string, string>, body: RouteRequest<R>, signal?: AbortSignal): Promise<RouteResponse<R>> {
    const { method, response: schema } = route;
    const path = routePath(route, params);
    const timeout = AbortSignal.timeout(this.requestTimeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    try {
      const text = await this.send(route, path, body, combined);
      const parsed = schema.safeParse(safeJson(text));
      if (!parsed.success) throw new PoolClientError('internal', `mcp-pool answered ${method} ${path} with an unexpected body: ${text.slice(0, 200)}`);
      return parsed.data as RouteResponse<R>;
    } catch (error) {
      if (combined.aborted) throw combined.reason;
      throw error;
    }
  }

  /** Calls a route of POOL_ROUTES that answers no body. */
  private async noContent<R extends NoContentRoute>(route: R, params: Record<string, string>, body: RouteRequest<R>, signal?: AbortSignal): Promise<void> {
    const timeout = AbortSignal.timeout(this.requestTimeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    try {
      await this.send(route, routePath(route, params), body, combined);
    } catch (error) {
      if (combined.aborted) throw combined.reason;
      throw error;
    }
  }

  /** Sends one request and reads its answer's text; throws the pool's error for a status of 400 or more. */
  private async send(route: RouteDefinition, path: string, body: unknown, signal: AbortSignal): Promise<string> {
    const response = await this.http.open(route.method, path, body === undefined ? undefined : JSON.stringify(body), signal, 'application/json');
    const text = await readText(response);
    if ((response.statusCode ?? 500) >= 400) throw toError(response.statusCode ?? 500, text);
    return text;
  }
}

type JsonRoute = RouteDefinition & { answer: 'json'; response: z.ZodType };
type NoContentRoute = RouteDefinition & { answer: 'none' };

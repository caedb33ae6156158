import type { CatalogTool, RequestServer, ToolResult } from '@bedrock-mcp/contracts';
import { PoolClientError } from './pool-client-error.js';
import type { PoolClient } from './pool-client.js';
import type { ElicitationCallback, ToolProgress } from './tool-call-transport.js';

export interface CatalogToolCallerOptions {
  pool: Pick<PoolClient, 'callTool'>;
  /** Milliseconds the pool gives each call (the request's `timeoutMs`); default: the pool's own default. */
  timeoutMs?: number;
  /**
   * Milliseconds on top of `timeoutMs` after which the caller gives up on a call itself (outcome
   * `timed_out`), should the pool not answer; default: no timeout of its own. Needs `timeoutMs`.
   */
  graceMs?: number;
  /** The turn's own remote servers: a call to one of their tools carries its config (the pool connects with it). */
  requestServers?: readonly RequestServer[];
}

export interface CatalogToolCall {
  userId: string;
  /** The name the model called (CatalogTool.name). */
  name: string;
  toolUseId: string;
  input: Record<string, unknown>;
  /** Aborting cancels the call at its MCP server (outcome `cancelled`). */
  signal: AbortSignal;
  onProgress?: (progress: ToolProgress) => void;
  /**
   * Answers the server's elicitations during the call (see PoolClient.callTool); the caller's own
   * timeout (graceMs) waits meanwhile. Without it the pool declines them.
   */
  onElicitation?: ElicitationCallback;
  /** Milliseconds the pool waits for each elicitation's answer; default the pool client's. */
  elicitationTimeoutMs?: number;
}

/**
 * How a call ended; never a rejection. `unknown_tool`: the name is not in the catalog (nothing was
 * called); `cancelled`: the caller's signal aborted; `timed_out`: the caller's own timeout (graceMs)
 * passed; `pool_error`: the pool answered with an error; `failed`: anything else (the network).
 */
export type CatalogToolOutcome =
  | { kind: 'result'; tool: CatalogTool; result: ToolResult; durationMs: number }
  | { kind: 'unknown_tool' }
  | { kind: 'cancelled'; tool: CatalogTool; error: unknown }
  | { kind: 'timed_out'; tool: CatalogTool; error: unknown }
  | { kind: 'pool_error'; tool: CatalogTool; error: PoolClientError }
  | { kind: 'failed'; tool: CatalogTool; error: unknown };

/**
 * Calls the tools of one catalog (the one a turn or a voice session was started with) through the
 * mcp-pool: the Bedrock-safe name the model used is mapped back to the tool's server and its own
 * name, and the call's ending to one outcome. Shared by the agent worker and voice; what the model
 * is told about each outcome stays theirs.
 */
export class CatalogToolCaller {
  private readonly byName: ReadonlyMap<string, CatalogTool>;
  private readonly requestServers: ReadonlyMap<string, RequestServer>;

  constructor(
    catalog: Iterable<CatalogTool> | ReadonlyMap<string, CatalogTool>,
    private readonly options: CatalogToolCallerOptions,
  ) {
    if (options.graceMs !== undefined && options.timeoutMs === undefined) throw new TypeError('CatalogToolCaller: graceMs needs timeoutMs');
    this.requestServers = new Map((options.requestServers ?? []).map((server) => [server.serverId, server]));
    this.byName = catalog instanceof Map ? (catalog as ReadonlyMap<string, CatalogTool>) : new Map([...(catalog as Iterable<CatalogTool>)].map((tool) => [tool.name, tool]));
  }

  /** The catalog's tool the model knows by `name`. */
  tool(name: string): CatalogTool | undefined {
    return this.byName.get(name);
  }

  async call(call: CatalogToolCall): Promise<CatalogToolOutcome> {
    const tool = this.byName.get(call.name);
    if (tool === undefined) return { kind: 'unknown_tool' };
    const { timeoutMs, graceMs } = this.options;
    const timeout = graceMs === undefined || timeoutMs === undefined ? undefined : new PausableTimeout(timeoutMs + graceMs);
    const { onElicitation } = call;
    const requestServer = this.requestServers.get(tool.serverId);
    try {
      const { result, durationMs } = await this.options.pool.callTool(
        call.userId,
        {
          serverId: tool.serverId,
          toolName: tool.toolName,
          arguments: call.input,
          ...(timeoutMs === undefined ? {} : { timeoutMs }),
          toolUseId: call.toolUseId,
          ...(onElicitation && call.elicitationTimeoutMs !== undefined ? { elicitationTimeoutMs: call.elicitationTimeoutMs } : {}),
          ...(requestServer ? { requestServer } : {}),
        },
        {
          signal: timeout ? AbortSignal.any([call.signal, timeout.signal]) : call.signal,
          ...(call.onProgress ? { onProgress: call.onProgress } : {}),
          ...(onElicitation
            ? {
                onElicitation: async (request, signal) => {
                  const resume = timeout?.pause();
                  try {
                    return await onElicitation(request, signal);
                  } finally {
                    resume?.();
                  }
                },
              }
            : {}),
        },
      );
      return { kind: 'result', tool, result, durationMs };
    } catch (error) {
      if (call.signal.aborted) return { kind: 'cancelled', tool, error };
      if (timeout?.signal.aborted) return { kind: 'timed_out', tool, error };
      if (error instanceof PoolClientError) return { kind: 'pool_error', tool, error };
      return { kind: 'failed', tool, error };
    } finally {
      timeout?.dispose();
    }
  }
}

/** The caller's own timeout of a call: aborts `signal` after `ms`, not counting the time it is paused (a person answers). */
class PausableTimeout {
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private remainingMs: number;
  private startedAt = 0;
  private pauses = 0;

  constructor(ms: number) {
    this.remainingMs = ms;
    this.arm();
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Stops the clock until the returned resume() (idempotent). */
  pause(): () => void {
    if (this.pauses++ === 0 && this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.remainingMs -= Date.now() - this.startedAt;
    }
    let resumed = false;
    return () => {
      if (resumed) return;
      resumed = true;
      if (--this.pauses === 0) this.arm();
    };
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.pauses = Number.POSITIVE_INFINITY;
  }

  private arm(): void {
    if (this.controller.signal.aborted) return;
    this.startedAt = Date.now();
    this.timer = setTimeout(() => this.controller.abort(new DOMException("no answer from the mcp-pool within the caller's timeout", 'TimeoutError')), Math.max(0, this.remainingMs));
  }
}

import type { PoolServerStatus } from '@bedrock-mcp/contracts';
import { ElicitationSchemaSchema, type ElicitationResponse } from '@bedrock-mcp/contracts';
import { CallToolResultSchema, ErrorCode, McpError, type CallToolResult, type ElicitRequest, type ElicitResult, type Tool } from '@modelcontextprotocol/sdk/types.js';
import type { ResolvedServer } from '../config/server-resolver.js';
import { ConnectFailure, type ServerConnection, type ServerConnector } from '../transport/server-connector.js';
import { PoolFailure } from '../errors/pool-failure.js';
import { CallDeadline } from './call-deadline.js';
import type { ElicitationHandler } from './elicitation-handler.js';

/** The one state of a server instance; nothing else describes its lifecycle. */
export type ServerState =
  | { kind: 'stopped' }
  | { kind: 'starting'; ready: Promise<ServerConnection>; attempt: number; since: number }
  | { kind: 'ready'; connection: ServerConnection; startedAt: number }
  | { kind: 'error'; message: string; stderrTail: string[]; failedAt: number; retryAt: number };

export interface ManagedServerHooks {
  /** Runs synchronously before a start; throws (capacity_exhausted) to refuse it. */
  beforeStart(server: ManagedServer): void;
  onSpawn(server: ManagedServer): void;
  onStartFailed(server: ManagedServer, message: string): void;
  onCrashed(server: ManagedServer, message: string): void;
  /** A lease ended: the server may have become idle. */
  onReleased(server: ManagedServer): void;
  /** An elicitation the server sent was declined without asking anyone (no single call that can answer it). */
  onElicitationDeclined(server: ManagedServer, reason: string): void;
}

export interface RestartBackoff {
  /** Delay (ms) after the second consecutive failure; doubles per further failure. */
  baseMs: number;
  maxMs: number;
}

export interface ManagedServerOptions {
  /** The user the instance belongs to (a marker for shared conf servers). */
  ownerId: string;
  resolved: ResolvedServer;
  connector: ServerConnector;
  /** Milliseconds for spawn + initialize + the first tools/list. */
  startTimeoutMs: number;
  /** Tools the server may list; more (or more pages than that) fails the listing. */
  maxTools: number;
  backoff: RestartBackoff;
  hooks: ManagedServerHooks;
  now?: () => number;
}

export interface CallOptions {
  /** Milliseconds without a progress notification before the call fails; never more than an hour in total. */
  timeoutMs: number;
  signal?: AbortSignal;
  onProgress?: (progress: { progress: number; total?: number; message?: string }) => void;
  /** The caller answers the server's elicitations during this call; without it they are declined. */
  onElicitation?: ElicitationHandler;
}

/** A tool call running on one connection: where that connection's elicitations go. */
interface RunningCall {
  connection: ServerConnection;
  deadline: CallDeadline;
  /** Aborts when the call is over, however it ended: its elicitations are then answered `cancel`. */
  ended: AbortController;
  onElicitation: ElicitationHandler | undefined;
}

const DECLINE: ElicitResult = { action: 'decline' };

/** Longest a call may run even while it keeps reporting progress (ms): the contract's maximum. */
const MAX_TOTAL_CALL_MS = 3_600_000;

/**
 * One running (or not) instance of one server config for one owner: starts on first use (a
 * shared start promise, so concurrent first uses spawn once), caches its tool list until the
 * server says it changed, turns a crash into an `error` state with the stderr tail, and backs
 * off restarts after repeated failures. Leases count uses in flight so it is never stopped by
 * eviction under a running call.
 */
export class ManagedServer {
  readonly ownerId: string;
  readonly resolved: ResolvedServer;
  state: ServerState = { kind: 'stopped' };
  inFlight = 0;
  lastUsedAt: number;
  /** Set when a newer config replaced this instance: it stops once its last lease ends. */
  retired = false;
  private consecutiveFailures = 0;
  private starts = 0;
  private tools: Promise<Tool[]> | undefined;
  private toolCount: number | undefined;
  private readonly now: () => number;
  private readonly calls = new Set<RunningCall>();

  constructor(private readonly options: ManagedServerOptions) {
    this.ownerId = options.ownerId;
    this.resolved = options.resolved;
    this.now = options.now ?? Date.now;
    this.lastUsedAt = this.now();
  }

  get serverId(): string {
    return this.resolved.serverId;
  }

  get shared(): boolean {
    return this.resolved.shared;
  }

  /** Starting or ready: holds (or is about to hold) a process or connection. */
  get running(): boolean {
    return this.state.kind === 'starting' || this.state.kind === 'ready';
  }

  /** Marks a use in flight until the returned release() (idempotent) is called. */
  lease(): () => void {
    this.inFlight += 1;
    this.lastUsedAt = this.now();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.inFlight -= 1;
      this.lastUsedAt = this.now();
      this.options.hooks.onReleased(this);
    };
  }

  /** The ready connection, starting the server when it is not running. */
  connection(): Promise<ServerConnection> {
    const state = this.state;
    switch (state.kind) {
      case 'ready':
        return Promise.resolve(state.connection);
      case 'starting':
        return state.ready;
      case 'error': {
        const wait = state.retryAt - this.now();
        if (wait > 0) return Promise.reject(new PoolFailure('server_start_failed', `${state.message} (next start attempt in ${Math.ceil(wait / 1000)} s)`));
        return this.start();
      }
      case 'stopped':
        return this.start();
    }
  }

  /** The server's tools (cached until tools/list_changed). */
  async listTools(): Promise<Tool[]> {
    const connection = await this.connection();
    if (!this.tools) {
      const listing = this.listAllTools(connection, this.options.startTimeoutMs);
      this.tools = listing;
      listing.then(
        (tools) => {
          this.toolCount = tools.length;
        },
        () => {
          if (this.tools === listing) this.tools = undefined;
        },
      );
    }
    return this.tools;
  }

  /**
   * Calls the tool. The call's timeout is the pool's own (CallDeadline: restarted by progress,
   * paused while an elicitation waits); the SDK's is only the total bound.
   */
  async callTool(toolName: string, args: Record<string, unknown>, options: CallOptions): Promise<CallToolResult> {
    const connection = await this.connection();
    if (!(await this.hasTool(toolName))) throw new PoolFailure('tool_not_found', `server '${this.serverId}' has no tool '${toolName}'`);
    const deadline = new CallDeadline(options.timeoutMs);
    const call: RunningCall = { connection, deadline, ended: new AbortController(), onElicitation: options.onElicitation };
    this.calls.add(call);
    const totalMs = Math.max(options.timeoutMs, MAX_TOTAL_CALL_MS);
    try {
      const result = (await connection.client.callTool({ name: toolName, arguments: args }, CallToolResultSchema, {
        timeout: totalMs,
        maxTotalTimeout: totalMs,
        signal: options.signal ? AbortSignal.any([options.signal, deadline.signal]) : deadline.signal,
        onprogress: (progress) => {
          deadline.restart();
          options.onProgress?.(progress);
        },
      })) as CallToolResult;
      this.consecutiveFailures = 0;
      return result;
    } catch (error) {
      const outcome = this.callFailure(error, connection, options, deadline);
      if (outcome instanceof PoolFailure) throw outcome;
      return outcome;
    } finally {
      this.calls.delete(call);
      call.ended.abort();
      deadline.dispose();
    }
  }

  /**
   * A server's elicitation/create. MCP ties it to a call only on streamable HTTP (and the SDK client
   * does not say which), so it goes to the one call running on that connection; with none or several
   * (a shared server used by many at once) nobody can be told for sure whom it asks, and it is
   * declined. So is one whose call's caller cannot answer. The call's timeout waits meanwhile.
   */
  private async elicit(connection: ServerConnection, params: ElicitRequest['params'], signal: AbortSignal): Promise<ElicitResult> {
    const running = [...this.calls].filter((call) => call.connection === connection);
    const call = running.length === 1 ? running[0] : undefined;
    const schema = params.mode === 'url' ? undefined : ElicitationSchemaSchema.safeParse(params.requestedSchema);
    const refusal =
      call === undefined
        ? `${running.length} calls in flight on the connection`
        : !call.onElicitation
          ? "the call's caller does not answer elicitations"
          : !schema?.success
            ? 'not a form elicitation with a valid schema'
            : undefined;
    if (refusal !== undefined || !call?.onElicitation || !schema?.success) {
      this.options.hooks.onElicitationDeclined(this, refusal ?? 'cannot be answered');
      return DECLINE;
    }
    const resume = call.deadline.pause();
    try {
      const answer = await call.onElicitation({ message: params.message, requestedSchema: schema.data }, AbortSignal.any([signal, call.ended.signal]));
      return toElicitResult(answer);
    } finally {
      resume();
    }
  }

  /** Stops the instance (idempotent); a start in progress is abandoned and its process stopped. */
  async stop(): Promise<void> {
    const previous = this.state;
    this.state = { kind: 'stopped' };
    this.tools = undefined;
    if (previous.kind === 'ready') await previous.connection.close();
    else if (previous.kind === 'starting') await previous.ready.then(
      () => undefined,
      () => undefined,
    );
  }

  status(): PoolServerStatus {
    const state = this.state;
    const config = this.resolved.config;
    const base: PoolServerStatus = {
      serverId: this.serverId,
      scope: this.resolved.scope,
      transport: config.transport,
      state: state.kind,
      lastUsedAt: this.lastUsedAt,
      restarts: Math.max(0, this.starts - 1),
    };
    if (state.kind === 'ready') {
      const tail = state.connection.stderrTail();
      return {
        ...base,
        startedAt: state.startedAt,
        ...(state.connection.pid === undefined ? {} : { pid: state.connection.pid }),
        ...(this.toolCount === undefined ? {} : { toolCount: this.toolCount }),
        ...(tail.length > 0 ? { stderrTail: tail } : {}),
      };
    }
    if (state.kind === 'error') return { ...base, error: state.message, ...(state.stderrTail.length > 0 ? { stderrTail: state.stderrTail } : {}) };
    return base;
  }

  private start(): Promise<ServerConnection> {
    this.options.hooks.beforeStart(this);
    this.starts += 1;
    this.tools = undefined;
    this.toolCount = undefined;
    let connection: ServerConnection | undefined;
    const events = {
      onToolsChanged: () => {
        if (connection && this.isCurrent(connection)) this.tools = undefined;
      },
      onClosed: () => {
        if (connection) this.handleClosed(connection);
      },
      onElicitation: (params: ElicitRequest['params'], signal: AbortSignal): Promise<ElicitResult> =>
        connection ? this.elicit(connection, params, signal) : Promise.resolve(DECLINE),
    };
    const attempt = this.starts;
    const ready = (async (): Promise<ServerConnection> => {
      const begin = this.now();
      this.options.hooks.onSpawn(this);
      let tools: Tool[];
      try {
        connection = await this.options.connector(this.resolved, events, { timeoutMs: this.options.startTimeoutMs });
        tools = await this.listAllTools(connection, Math.max(1, this.options.startTimeoutMs - (this.now() - begin)));
      } catch (error) {
        const tail = connection?.stderrTail() ?? (error instanceof ConnectFailure ? error.stderrTail : []);
        await connection?.close();
        const message = error instanceof PoolFailure ? error.message : `server '${this.serverId}' failed to start: ${(error as Error).message}`;
        if (this.state.kind === 'starting' && this.state.attempt === attempt) {
          this.fail(message, tail);
          // Logs get the failure without the stderr tail: a server may print what it was given.
          this.options.hooks.onStartFailed(this, error instanceof ConnectFailure ? error.summary : message);
        }
        throw error instanceof PoolFailure ? error : new PoolFailure('server_start_failed', message, { cause: error });
      }
      if (this.state.kind !== 'starting' || this.state.attempt !== attempt) {
        await connection.close();
        throw new PoolFailure('cancelled', `server '${this.serverId}' was stopped while starting`);
      }
      this.state = { kind: 'ready', connection, startedAt: this.now() };
      this.tools = Promise.resolve(tools);
      this.toolCount = tools.length;
      return connection;
    })();
    // Waiters handle the rejection; this keeps an abandoned start from being "unhandled".
    ready.catch(() => undefined);
    this.state = { kind: 'starting', ready, attempt, since: this.now() };
    return ready;
  }

  private handleClosed(connection: ServerConnection): void {
    if (!this.isCurrent(connection)) return;
    const message = `server '${this.serverId}' stopped unexpectedly: ${connection.endReason()}`;
    this.fail(message, connection.stderrTail());
    void connection.close();
    this.options.hooks.onCrashed(this, message);
  }

  /** Error state; the first failure in a row restarts on next use, later ones back off exponentially. */
  private fail(message: string, stderrTail: string[]): void {
    this.consecutiveFailures += 1;
    const { baseMs, maxMs } = this.options.backoff;
    const delay = this.consecutiveFailures <= 1 ? 0 : Math.min(maxMs, baseMs * 2 ** (this.consecutiveFailures - 2));
    const now = this.now();
    this.tools = undefined;
    this.state = { kind: 'error', message, stderrTail, failedAt: now, retryAt: now + delay };
  }

  /**
   * Every page of the server's tools/list, refusing more than maxTools tools: each tool goes into
   * every model request of a turn that enables the server. Pages are bounded too (a page may be
   * empty, but not maxTools of them), so a server cannot keep the listing going forever.
   */
  private async listAllTools(connection: ServerConnection, timeoutMs: number): Promise<Tool[]> {
    const { maxTools } = this.options;
    const tools: Tool[] = [];
    let cursor: string | undefined;
    for (let pages = 1; ; pages++) {
      const page = await connection.client.listTools(cursor ? { cursor } : undefined, { timeout: timeoutMs });
      tools.push(...page.tools);
      if (tools.length > maxTools) {
        throw new PoolFailure('server_start_failed', `server '${this.serverId}' lists more than ${maxTools} tools (MCP_MAX_TOOLS_PER_SERVER); it cannot be used`);
      }
      cursor = page.nextCursor;
      if (!cursor) return tools;
      if (pages >= maxTools) throw new PoolFailure('server_start_failed', `server '${this.serverId}' sent more than ${maxTools} pages of tools; it cannot be used`);
    }
  }

  private isCurrent(connection: ServerConnection): boolean {
    return this.state.kind === 'ready' && this.state.connection === connection;
  }

  private async hasTool(toolName: string): Promise<boolean> {
    if ((await this.listTools()).some((tool) => tool.name === toolName)) return true;
    // The cached list may predate a change the notification has not reached us for yet.
    this.tools = undefined;
    return (await this.listTools()).some((tool) => tool.name === toolName);
  }

  private callFailure(error: unknown, connection: ServerConnection, options: CallOptions, deadline: CallDeadline): PoolFailure | CallToolResult {
    if (options.signal?.aborted) return new PoolFailure('cancelled', 'the tool call was cancelled');
    if (deadline.expired) return deadline.signal.reason as PoolFailure;
    if (this.state.kind === 'stopped') return new PoolFailure('cancelled', `server '${this.serverId}' was stopped during the call`);
    if (error instanceof McpError) {
      if (error.code === ErrorCode.RequestTimeout) return new PoolFailure('timeout', `tool call timed out after ${options.timeoutMs} ms`);
      if (error.code === ErrorCode.ConnectionClosed) {
        const tail = connection.stderrTail().slice(-5);
        return new PoolFailure('internal', `server '${this.serverId}' stopped during the call: ${connection.endReason()}${tail.length ? ` — stderr: ${tail.join(' | ')}` : ''}`);
      }
      // The server refused the call (bad arguments, its own failure): the model should see why.
      return { content: [{ type: 'text', text: error.message }], isError: true };
    }
    // A transport failure (an HTTP server gone): reconnect on next use.
    if (this.isCurrent(connection) && this.resolved.config.transport !== 'stdio') {
      this.fail(`server '${this.serverId}' connection failed: ${(error as Error).message}`, []);
      void connection.close();
    }
    return new PoolFailure('internal', `tool call failed: ${(error as Error).message}`, { cause: error });
  }
}



function toElicitResult(answer: ElicitationResponse): ElicitResult {
  return answer.action === 'accept' ? { action: 'accept', content: answer.content ?? {} } : { action: answer.action };
}

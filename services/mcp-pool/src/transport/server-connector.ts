import { join } from 'node:path';
import type { UrlServerConfig } from '@bedrock-mcp/contracts';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { FetchLike, Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { ElicitRequestSchema, ToolListChangedNotificationSchema, type ElicitRequest, type ElicitResult } from '@modelcontextprotocol/sdk/types.js';
import type { ResolvedServer } from '../config/server-resolver.js';
import { PoolFailure } from '../errors/pool-failure.js';
import type { Sandbox, SandboxProfile } from '../sandbox/sandbox.js';
import type { ServerCgroup, ServerCgroups } from '../sandbox/server-cgroups.js';
import { assertUrlAllowed } from '../security/guarded-fetch.js';
import type { AddressPolicy } from '@bedrock-mcp/common';
import { buildChildEnv } from './child-env.js';
import { resolveCommand } from './command-path.js';
import { limitMessageSize } from './message-size-fetch.js';
import { deliverInOrder } from './ordered-delivery.js';
import { ProcessGroupStdioTransport } from './stdio-launcher.js';

/**
 * A failed connect: `message` for the caller (with the stderr tail), `summary` for logs (without
 * it: a server may print what it was given), and the tail itself.
 */
export class ConnectFailure extends Error {
  override readonly name = 'ConnectFailure';
  constructor(
    readonly summary: string,
    readonly stderrTail: string[],
    options?: { cause?: unknown },
  ) {
    super(`${summary}${stderrTail.length > 0 ? ` — stderr: ${stderrTail.slice(-5).join(' | ')}` : ''}`, options);
  }
}

/** A connected MCP client for one server instance; `close()` is idempotent and stops the process group. */
export interface ServerConnection {
  readonly client: Client;
  /** stdio: the pid leading the server's process group. */
  readonly pid: number | undefined;
  stderrTail(): string[];
  /** Why the connection ended (exit code or signal for stdio), once it has. */
  endReason(): string;
  close(): Promise<void>;
}

interface ConnectionEvents {
  /** The server sent notifications/tools/list_changed. */
  onToolsChanged(): void;
  /** The connection ended, whoever ended it. */
  onClosed(): void;
  /** The server asks the user for input (elicitation/create, form mode); `signal` aborts when it gives up. */
  onElicitation(params: ElicitRequest['params'], signal: AbortSignal): Promise<ElicitResult>;
}

export type ServerConnector = (server: ResolvedServer, events: ConnectionEvents, options: { timeoutMs: number }) => Promise<ServerConnection>;

export interface ServerConnectorOptions {
  projectRoot: string;
  /** The pool's environment: only its allowlisted part reaches a stdio server. */
  parentEnv: NodeJS.ProcessEnv;
  /** Milliseconds per stop step of a stdio server. */
  stopGraceMs: number;
  /** Longest message read from a server, in bytes (a stdio line, an HTTP JSON body or SSE event). */
  maxMessageBytes: number;
  /** Isolates every stdio server (see createSandbox); default none. */
  sandbox?: Sandbox;
  /** Each stdio server runs in a cgroup of its own (process and memory limits for its whole tree); default none. */
  cgroups?: ServerCgroups;
  /** For user-added (untrusted) URL servers: checks every address before connecting. */
  addressPolicy: AddressPolicy;
  guardedFetch: FetchLike;
  clientName?: string;
  clientVersion?: string;
}

/**
 * Connects to a server through the SDK client: stdio (own process group), legacy SSE or
 * streamable HTTP (token → `Authorization: Bearer`). On any failure the half-built connection
 * (and its process group) is disposed of before the error is rethrown, with the stderr tail.
 */
export function createServerConnector(options: ServerConnectorOptions): ServerConnector {
  const binDir = join(options.projectRoot, 'node_modules', '.bin');
  return async (server, events, { timeoutMs }) => {
    const { config } = server;
    const secrets = config.transport === 'stdio' ? Object.values(config.env) : [config.token ?? '', ...Object.values(config.headers)];
    let stdio: ProcessGroupStdioTransport | undefined;
    let transport: Transport;
    /** Why the pool ended an HTTP connection itself (a message over the size limit). */
    let httpFailure: string | undefined;
    if (config.transport === 'stdio') {
      const env = buildChildEnv(options.parentEnv, config.env, [binDir]);
      const cwd = config.cwd ?? options.projectRoot;
      const command = resolveCommand(config.command, env.PATH, cwd);
      const launch = options.sandbox ? options.sandbox.wrap({ command, args: config.args, env, cwd }, server.sandbox ?? NO_ACCESS) : { command, args: config.args, env, cwd };
      const cgroup = createCgroup(options.cgroups);
      stdio = new ProcessGroupStdioTransport({
        ...(cgroup ? cgroup.enter(launch) : launch),
        stopGraceMs: options.stopGraceMs,
        maxMessageBytes: options.maxMessageBytes,
        ...(cgroup ? { afterStop: () => cgroup.remove() } : {}),
      });
      transport = stdio;
    } else {
      if (!server.trusted) await assertUrlAllowed(config.url, options.addressPolicy);
      const fetchImpl = limitMessageSize(server.trusted ? fetch : options.guardedFetch, options.maxMessageBytes, (error) => {
        httpFailure ??= `${error.message}; the pool closed the connection`;
        // Runs once the connection below exists: only responses to its own requests get here.
        void connection.close();
      });
      transport = urlTransport(config, fetchImpl);
    }

    // Form-mode elicitation is wired through to the callers that opt in (ManagedServer declines the rest).
    const client = new Client({ name: options.clientName ?? 'bedrock-mcp-pool', version: options.clientVersion ?? '0.1.0' }, { capabilities: { elicitation: { form: {} } } });
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => events.onToolsChanged());
    client.setRequestHandler(ElicitRequestSchema, (request, extra) => events.onElicitation(request.params, extra.signal));
    let closing: Promise<void> | undefined;
    const connection: ServerConnection = {
      client,
      get pid() {
        return stdio?.pid;
      },
      stderrTail: () => (stdio ? scrubSecrets(stdio.stderr.tail(), secrets) : []),
      endReason: () => httpFailure ?? describeEnd(stdio),
      close: () => {
        closing ??= closeQuietly(client, transport);
        return closing;
      },
    };
    try {
      await client.connect(transport, { timeout: timeoutMs });
    } catch (error) {
      await connection.close();
      const tail = connection.stderrTail();
      const reason = httpFailure ? `; ${httpFailure}` : stdio?.exitInfo || stdio?.failure ? `; ${describeEnd(stdio)}` : '';
      if (error instanceof PoolFailure) throw error;
      throw new ConnectFailure(`${(error as Error).message}${reason}`, tail, { cause: error });
    }
    deliverInOrder(transport);
    client.onclose = () => events.onClosed();
    return connection;
  };
}

/** The server's cgroup; a server is never started outside the limits the pool announced. */
function createCgroup(cgroups: ServerCgroups | undefined): ServerCgroup | undefined {
  try {
    return cgroups?.create();
  } catch (error) {
    throw new ConnectFailure(`cannot create the server's cgroup: ${(error as Error).message}`, [], { cause: error });
  }
}

/** A server resolved without a profile sees nothing extra and has no network. */
const NO_ACCESS: SandboxProfile = { network: false, workspace: undefined, exposeArgFiles: false };

function urlTransport(config: UrlServerConfig, fetchImpl: FetchLike): Transport {
  const headers: Record<string, string> = { ...config.headers, ...(config.token ? { Authorization: `Bearer ${config.token}` } : {}) };
  const url = new URL(config.url);
  if (config.transport === 'sse') return new SSEClientTransport(url, { requestInit: { headers }, fetch: fetchImpl });
  return new StreamableHTTPClientTransport(url, { requestInit: { headers }, fetch: fetchImpl });
}

async function closeQuietly(client: Client, transport: Transport): Promise<void> {
  if (transport instanceof StreamableHTTPClientTransport && transport.sessionId) {
    // Frees the server's session; bounded, since the server may be the reason we are closing.
    await Promise.race([transport.terminateSession().catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 1000).unref())]);
  }
  await client.close().catch(() => undefined);
  await transport.close().catch(() => undefined);
}

/** The lines with every value of the server's own env (its API keys…) masked, should it print one. */
function scrubSecrets(lines: string[], secrets: string[]): string[] {
  const values = secrets.filter((value) => value.length >= 4).sort((a, b) => b.length - a.length);
  if (values.length === 0) return lines;
  return lines.map((line) => values.reduce((text, value) => text.split(value).join('***'), line));
}

function describeEnd(stdio: ProcessGroupStdioTransport | undefined): string {
  const exit = stdio?.exitInfo;
  if (!stdio) return 'connection closed';
  if (stdio.failure) return stdio.failure;
  if (!exit) return 'server process still running';
  if (exit.signal) return `server process killed by ${exit.signal}`;
  return `server process exited with code ${exit.code}`;
}

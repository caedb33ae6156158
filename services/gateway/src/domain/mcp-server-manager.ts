import type { UserServerStore } from '@bedrock-mcp/config-store';
import type { Logger } from '@bedrock-mcp/common';
import {
  formatIssuePath,
  normalizeMcpServerEntry,
  type AddMcpServerRequest,
  type ApiErrorCode,
  type CatalogTool,
  type McpServerConfig,
  type McpServerDetail,
  type McpServerDetailListResponse,
  type McpServerToolsData,
  type PoolErrorCode,
} from '@bedrock-mcp/contracts';
import { PoolClientError, type PoolClient } from '@bedrock-mcp/pool-client';
import { ZodError } from 'zod';
import { GatewayError } from './gateway-error.js';
import type { McpServerDirectory } from './mcp-server-directory.js';

export interface McpServerManagerOptions {
  directory: McpServerDirectory;
  store: UserServerStore;
  pool: Pick<PoolClient, 'ensureServer' | 'catalog' | 'stopServer' | 'listServers'>;
  logger: Logger;
  /** Milliseconds a new server gets to start and list its tools (the seed's 30 s). */
  startTimeoutMs: number;
  /** Milliseconds to wait for the pool's live status in listings. Default 3000. */
  statusTimeoutMs?: number;
}

const POOL_TO_API: Record<PoolErrorCode, ApiErrorCode> = {
  invalid_request: 'invalid_request',
  // The pool refused this gateway's INTERNAL_API_KEY: a deployment mistake, not the caller's.
  unauthorized: 'internal_error',
  server_not_found: 'not_found',
  server_disabled: 'conflict',
  server_start_failed: 'upstream_error',
  tool_not_found: 'not_found',
  forbidden: 'forbidden',
  capacity_exhausted: 'service_unavailable',
  timeout: 'timeout',
  cancelled: 'timeout',
  not_owner: 'service_unavailable',
  internal: 'upstream_error',
};

/** A pool failure (or an unreachable pool, or our own timeout) as a client-facing error. */
function toGatewayError(error: unknown, what: string): GatewayError {
  if (error instanceof GatewayError) return error;
  if (error instanceof PoolClientError) return new GatewayError(POOL_TO_API[error.code], `${what}: ${error.message}`);
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) return new GatewayError('timeout', `${what}: timed out`);
  return new GatewayError('service_unavailable', `${what}: the MCP pool is unreachable (${error instanceof Error ? error.message : String(error)})`);
}

/** Users' MCP server management: listing with live status, adding (with a start check), removing, tools. */
export class McpServerManager {
  constructor(private readonly options: McpServerManagerOptions) {}

  /** For the web UI: every usable server with the pool's live status. */
  async listDetailed(userId: string): Promise<McpServerDetailListResponse> {
    const known = await this.options.directory.list(userId);
    let statuses: Awaited<ReturnType<PoolClient['listServers']>> = [];
    let poolError: string | undefined;
    try {
      statuses = await this.options.pool.listServers(userId, AbortSignal.timeout(this.options.statusTimeoutMs ?? 3000));
    } catch (error) {
      poolError = toGatewayError(error, 'server status').message;
    }
    const byId = new Map(statuses.map((status) => [status.serverId, status]));
    const servers = known.map(({ serverId, scope, config }): McpServerDetail => {
      const status = byId.get(serverId);
      return {
        server_id: serverId,
        server_name: config.description || serverId,
        scope,
        enabled: config.enabled,
        transport: config.transport,
        ...(config.description ? { description: config.description } : {}),
        status: poolError ? 'unknown' : (status?.state ?? 'stopped'),
        ...(status?.error ? { error: status.error } : {}),
        ...(status?.stderrTail ? { stderrTail: status.stderrTail } : {}),
        ...(status?.toolCount !== undefined ? { toolCount: status.toolCount } : {}),
        ...(status?.startedAt !== undefined ? { startedAt: status.startedAt } : {}),
        ...(status?.lastUsedAt !== undefined ? { lastUsedAt: status.lastUsedAt } : {}),
        ...(config.requireApproval !== undefined ? { require_approval: config.requireApproval } : {}),
      };
    });
    return { servers, ...(poolError ? { poolError } : {}) };
  }

  /**
   * Stores the server, starts it through the pool and lists its tools; when the pool refuses it
   * (policy, SSRF guard) or it fails to start in time, the stored config is removed again.
   */
  async add(userId: string, request: AddMcpServerRequest): Promise<McpServerToolsData> {
    const { serverId } = request;
    const config = normalizeOrThrow(request.entry);
    const conflict = () => new GatewayError('conflict', `MCP server '${serverId}' already exists`, 'server_id');
    if (this.options.directory.isGlobal(serverId)) throw conflict();
    if (!(await this.options.store.add(userId, serverId, config))) throw conflict();
    try {
      const data = await this.startAndListTools(userId, serverId);
      this.options.logger.info({ userId, serverId, transport: config.transport, tools: data.tools.length }, 'mcp server added');
      return data;
    } catch (error) {
      const failure = toGatewayError(error, `MCP server '${serverId}' could not be started`);
      this.options.logger.warn({ userId, serverId, code: failure.code, reason: failure.message }, 'mcp server add failed; removing its config');
      await this.options.store.remove(userId, serverId).catch((removeError: unknown) => this.options.logger.error({ err: removeError, userId, serverId }, 'could not remove a failed server config'));
      await this.options.pool.stopServer(userId, serverId, AbortSignal.timeout(5000)).catch(() => undefined);
      throw failure;
    }
  }

  /** Removes one of the user's own servers and stops it; global servers cannot be removed. */
  async remove(userId: string, serverId: string): Promise<void> {
    if (this.options.directory.isGlobal(serverId)) throw new GatewayError('forbidden', `MCP server '${serverId}' is global and cannot be removed`);
    if (!(await this.options.store.remove(userId, serverId))) throw new GatewayError('not_found', `MCP server not found: '${serverId}'`);
    try {
      await this.options.pool.stopServer(userId, serverId, AbortSignal.timeout(10_000));
    } catch (error) {
      if (!(error instanceof PoolClientError && error.code === 'server_not_found')) {
        this.options.logger.warn({ err: error, userId, serverId }, 'mcp server removed but stopping it failed');
      }
    }
    this.options.logger.info({ userId, serverId }, 'mcp server removed');
  }

  /** The tools of one server the user may use (starting it when needed). */
  async tools(userId: string, serverId: string): Promise<McpServerToolsData> {
    if (!(await this.options.directory.find(userId, serverId))) throw new GatewayError('not_found', `MCP server not found: '${serverId}'`);
    try {
      return await this.startAndListTools(userId, serverId);
    } catch (error) {
      throw toGatewayError(error, `MCP server '${serverId}'`);
    }
  }

  private async startAndListTools(userId: string, serverId: string): Promise<McpServerToolsData> {
    const signal = AbortSignal.timeout(this.options.startTimeoutMs);
    const status = await this.options.pool.ensureServer(userId, serverId, signal);
    if (status.state === 'error') throw new GatewayError('upstream_error', status.error ?? 'the server failed to start');
    const catalog = await this.options.pool.catalog(userId, [serverId], signal);
    const failure = catalog.errors.find((error) => error.serverId === serverId);
    if (failure) throw new GatewayError('upstream_error', failure.message);
    return { tools: catalog.tools.filter((tool) => tool.serverId === serverId).map(toToolSpec) };
  }
}

function toToolSpec(tool: CatalogTool): McpServerToolsData['tools'][number] {
  return { toolSpec: { name: tool.name, description: tool.description, inputSchema: { json: tool.inputSchema } } };
}

function normalizeOrThrow(entry: AddMcpServerRequest['entry']): McpServerConfig {
  try {
    return normalizeMcpServerEntry(entry);
  } catch (error) {
    if (!(error instanceof ZodError)) throw error;
    const issue = error.issues[0];
    const param = issue ? formatIssuePath(issue.path) : '';
    throw new GatewayError('invalid_request', `${param ? `${param}: ` : ''}${issue?.message ?? 'invalid MCP server configuration'}`, param || null);
  }
}

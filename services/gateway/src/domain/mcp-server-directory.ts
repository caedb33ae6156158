import type { UserServerStore } from '@bedrock-mcp/config-store';
import { normalizeMcpServerEntry, type McpServerConfig, type McpServerEntry } from '@bedrock-mcp/contracts';
import { GatewayError } from './gateway-error.js';

export interface KnownServer {
  serverId: string;
  scope: 'global' | 'user';
  config: McpServerConfig;
}

/**
 * The MCP servers a user may use: the global ones of conf/config.json and the user's own from
 * the config store. Another user's servers are never visible here.
 */
export class McpServerDirectory {
  private readonly globals: ReadonlyMap<string, McpServerConfig>;

  constructor(
    globalEntries: Readonly<Record<string, McpServerEntry>>,
    private readonly store: UserServerStore,
  ) {
    this.globals = new Map(Object.entries(globalEntries).map(([serverId, entry]) => [serverId, normalizeMcpServerEntry(entry)]));
  }

  isGlobal(serverId: string): boolean {
    return this.globals.has(serverId);
  }

  /** Global servers first (in config order), then the user's own (a user id never shadows a global one). */
  async list(userId: string): Promise<KnownServer[]> {
    const globals = [...this.globals].map(([serverId, config]): KnownServer => ({ serverId, scope: 'global', config }));
    const own = (await this.store.list(userId))
      .filter((record) => !this.globals.has(record.serverId))
      .map((record): KnownServer => ({ serverId: record.serverId, scope: 'user', config: record.config }));
    return [...globals, ...own];
  }

  async find(userId: string, serverId: string): Promise<KnownServer | undefined> {
    const global = this.globals.get(serverId);
    if (global) return { serverId, scope: 'global', config: global };
    const record = await this.store.get(userId, serverId);
    return record && { serverId, scope: 'user', config: record.config };
  }

  /** The ids a chat turn enables, each checked to be the user's or global; 400 naming the first unknown one. */
  async requireUsable(userId: string, serverIds: readonly string[]): Promise<string[]> {
    const unique = [...new Set(serverIds)];
    if (unique.every((serverId) => this.globals.has(serverId))) return unique;
    const own = new Set((await this.store.list(userId)).map((record) => record.serverId));
    const unknown = unique.find((serverId) => !this.globals.has(serverId) && !own.has(serverId));
    if (unknown !== undefined) {
      throw new GatewayError('invalid_request', `mcp_server_ids: unknown MCP server '${unknown}'`, `mcp_server_ids[${serverIds.indexOf(unknown)}]`);
    }
    return unique;
  }
}

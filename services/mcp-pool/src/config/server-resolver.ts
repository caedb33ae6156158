import { mkdirSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { normalizeMcpServerEntry, type CatalogServer, type McpServerConfig, type McpServerEntry } from '@bedrock-mcp/contracts';
import type { UserServerRecord, UserServerStore } from '@bedrock-mcp/config-store';
import { PoolFailure } from '../errors/pool-failure.js';
import type { SandboxProfile } from '../sandbox/sandbox.js';
import { catalogEntryFor, userStdioRefusal, type UserStdioMode } from '../security/user-stdio-policy.js';
import { substituteUserPlaceholders, usesPlaceholder } from './user-placeholders.js';

/** A server as the pool runs it for one user. */
export interface ResolvedServer {
  serverId: string;
  scope: 'global' | 'user';
  /** One instance for every user (a conf server with `per_user: false`). */
  shared: boolean;
  /** conf servers are trusted; user-added URL servers go through the address guard. */
  trusted: boolean;
  /** Placeholders replaced; for stdio, `cwd` is absolute. */
  config: McpServerConfig;
  /** A running instance built from another version is replaced on next use (user config's updatedAt; 0 for conf). */
  version: number;
  /** stdio: what the sandboxed process may see and reach. */
  sandbox?: SandboxProfile;
  /** A chat request's own server (request-server.ts): the turn it runs for, and the only tools it offers (all when absent). */
  request?: { turnId: string; allowedTools?: ReadonlySet<string> };
}

export interface ServerSummary {
  serverId: string;
  scope: 'global' | 'user';
  shared: boolean;
  transport: McpServerConfig['transport'];
}

export interface ServerResolverOptions {
  /** conf/config.json `mcpServers`. */
  globalServers: Readonly<Record<string, McpServerEntry>>;
  /** conf/config.json `userServerCatalog`. */
  catalog: Readonly<Record<string, CatalogServer>>;
  store: UserServerStore;
  userStdio: UserStdioMode;
  /** MCP_SANDBOX_USER_NETWORK: whether user-added stdio servers outside the catalog get the network. */
  userStdioNetwork?: boolean;
  projectRoot: string;
  /** Absolute folder holding one workspace per user (created on first use). */
  workspacesDir: string;
  /** Milliseconds a user's config read for a tool call may be reused. */
  configCacheMs: number;
  /** Cached user configs kept at most (oldest dropped first). */
  maxCachedConfigs?: number;
  now?: () => number;
}

interface GlobalServer {
  config: McpServerConfig;
  shared: boolean;
  /** conf `network: true`: the sandboxed server gets the host network. */
  network: boolean;
}

interface CachedRecord {
  record: UserServerRecord | undefined;
  fetchedAt: number;
}

/** Finds the config a (user, server) pair runs with: conf servers first, then the user's own, with the admin's policy applied. */
export class ServerResolver {
  private readonly globals = new Map<string, GlobalServer>();
  private readonly cache = new Map<string, CachedRecord>();
  private readonly createdWorkspaces = new Set<string>();
  private readonly now: () => number;

  constructor(private readonly options: ServerResolverOptions) {
    this.now = options.now ?? Date.now;
    for (const [serverId, entry] of Object.entries(options.globalServers)) {
      let config: McpServerConfig;
      try {
        config = normalizeMcpServerEntry(entry);
      } catch (error) {
        throw new Error(`conf mcpServers.${serverId} is invalid: ${(error as Error).message}`, { cause: error });
      }
      const shared = entry.per_user === undefined ? config.transport !== 'stdio' : !entry.per_user;
      if (shared && config.transport === 'stdio' && usesPlaceholder(config)) {
        throw new Error(`conf mcpServers.${serverId}: per_user is false but it uses \${USER_ID} or \${USER_WORKSPACE}`);
      }
      this.globals.set(serverId, { config, shared, network: entry.network ?? false });
    }
  }

  /** @param fresh read the user's config from the store rather than the short-lived cache */
  async resolve(userId: string, serverId: string, { fresh }: { fresh: boolean }): Promise<ResolvedServer> {
    const global = this.globals.get(serverId);
    if (global) return this.prepare(userId, serverId, global.config, { scope: 'global', shared: global.shared, trusted: true, version: 0 }, { network: global.network, adminWritten: true });
    const record = await this.userRecord(userId, serverId, fresh);
    if (!record) throw new PoolFailure('server_not_found', `no MCP server '${serverId}' for this user`);
    let access = { network: false, adminWritten: false };
    if (record.config.transport === 'stdio') {
      const refusal = userStdioRefusal(record.config, this.options.userStdio, this.options.catalog);
      if (refusal) throw new PoolFailure('forbidden', `server '${serverId}' refused: ${refusal}`);
      // A catalog entry's command and args are the admin's; anything else is the user's own.
      const entry = catalogEntryFor(record.config, this.options.catalog);
      access = entry ? { network: entry.network, adminWritten: true } : { network: this.options.userStdioNetwork ?? false, adminWritten: false };
    }
    return this.prepare(userId, serverId, record.config, { scope: 'user', shared: false, trusted: false, version: record.updatedAt }, access);
  }

  /** Every server the user can use: conf servers, then the user's own (ids shadowed by conf are left out). */
  async list(userId: string): Promise<ServerSummary[]> {
    const globals = [...this.globals].map(([serverId, server]) => ({ serverId, scope: 'global' as const, shared: server.shared, transport: server.config.transport }));
    const records = await this.options.store.list(userId);
    const own = records
      .filter((record) => !this.globals.has(record.serverId))
      .map((record) => ({ serverId: record.serverId, scope: 'user' as const, shared: false, transport: record.config.transport }));
    return [...globals, ...own];
  }

  isShared(serverId: string): boolean {
    return this.globals.get(serverId)?.shared ?? false;
  }

  private async userRecord(userId: string, serverId: string, fresh: boolean): Promise<UserServerRecord | undefined> {
    const key = `${userId}\u0000${serverId}`;
    const cached = this.cache.get(key);
    if (!fresh && cached && this.now() - cached.fetchedAt < this.options.configCacheMs) return cached.record;
    const record = await this.options.store.get(userId, serverId);
    if (this.options.configCacheMs > 0) {
      this.cache.delete(key);
      this.cache.set(key, { record, fetchedAt: this.now() });
      const max = this.options.maxCachedConfigs ?? 10_000;
      for (const oldest of this.cache.keys()) {
        if (this.cache.size <= max) break;
        this.cache.delete(oldest);
      }
    }
    return record;
  }

  private prepare(
    userId: string,
    serverId: string,
    config: McpServerConfig,
    meta: Omit<ResolvedServer, 'serverId' | 'config' | 'sandbox'>,
    access: { network: boolean; adminWritten: boolean },
  ): ResolvedServer {
    if (config.enabled === false) throw new PoolFailure('server_disabled', `server '${serverId}' is disabled`);
    if (config.transport !== 'stdio') return { serverId, config, ...meta };
    let prepared = config;
    let defaultCwd = this.options.projectRoot;
    let mountedWorkspace: string | undefined;
    if (!meta.shared) {
      const needsWorkspace = meta.scope === 'user' || usesPlaceholder(config, 'USER_WORKSPACE');
      const workspace = needsWorkspace ? this.workspaceOf(userId) : join(this.options.workspacesDir, userId);
      if (needsWorkspace) mountedWorkspace = workspace;
      prepared = substituteUserPlaceholders(config, { USER_ID: userId, USER_WORKSPACE: workspace });
      // A user's own stdio server starts in that user's workspace, not in the platform's folder.
      if (meta.scope === 'user') defaultCwd = workspace;
    }
    const cwd = prepared.cwd === undefined ? defaultCwd : isAbsolute(prepared.cwd) ? prepared.cwd : resolve(this.options.projectRoot, prepared.cwd);
    const sandbox: SandboxProfile = { network: access.network, workspace: mountedWorkspace, exposeArgFiles: access.adminWritten };
    return { serverId, config: { ...prepared, cwd }, ...meta, sandbox };
  }

  private workspaceOf(userId: string): string {
    // The id schema allows dots, so "." and ".." must not become paths.
    if (userId === '.' || userId === '..') throw new PoolFailure('invalid_request', 'this user id cannot have a workspace');
    const dir = join(this.options.workspacesDir, userId);
    if (!this.createdWorkspaces.has(dir)) {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      this.createdWorkspaces.add(dir);
    }
    return dir;
  }
}

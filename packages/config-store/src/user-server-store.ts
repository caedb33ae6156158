import type { McpServerConfig } from '@bedrock-mcp/contracts';

export interface UserServerRecord {
  serverId: string;
  /** Secrets (env values, token, headers) decrypted. */
  config: McpServerConfig;
  /** epoch ms */
  createdAt: number;
  /** epoch ms; the pool restarts a running server whose config changed after it started. */
  updatedAt: number;
}

/**
 * Users' own MCP server configurations. Shared by the gateway (writes) and the mcp-pool (reads).
 * Secret values are encrypted at rest by every implementation.
 */
export interface UserServerStore {
  list(userId: string): Promise<UserServerRecord[]>;
  get(userId: string, serverId: string): Promise<UserServerRecord | undefined>;
  /** Creates the server; false when the user already has one with that id. */
  add(userId: string, serverId: string, config: McpServerConfig): Promise<boolean>;
  /** Creates or replaces. */
  put(userId: string, serverId: string, config: McpServerConfig): Promise<void>;
  /** False when there was nothing to remove. */
  remove(userId: string, serverId: string): Promise<boolean>;
  /** Reachability, for /readyz. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

import type { ApprovalPolicy, McpServerRow, ModelListing, SeedToolSpecSchema } from '@bedrock-mcp/contracts';
import type { z } from 'zod';

/** A model as the UI offers it (capability flags defaulted for older gateways). */
export type ModelInfo = ModelListing;

/**
 * Where a server is in its life on the pool: `stopped` (starts on first use), `starting`,
 * `ready`, `error`, or `unknown` (the pool could not be asked, or the gateway has no status).
 */
type ServerStatus = McpServerRow['status'];

/** One MCP server as the UI shows it. */
export interface McpServerInfo {
  id: string;
  name: string;
  scope: 'global' | 'user';
  enabledByDefault: boolean;
  transport: string | undefined;
  status: ServerStatus;
  message: string | undefined;
  stderrTail: string[];
  toolCount: number | undefined;
  /** Which tools a person must approve before they run; undefined: none. */
  requireApproval: ApprovalPolicy | undefined;
}

/** `poolError`: why statuses are unknown (the pool could not be asked). */
export interface McpServerList {
  servers: McpServerInfo[];
  poolError?: string;
}

export interface ToolInfo {
  name: string;
  description: string;
  inputSchema: unknown;
}

/** A listed server row (either listing, read leniently) as the UI shows it. */
export function mcpServerInfo(row: McpServerRow): McpServerInfo {
  return {
    id: row.server_id,
    name: row.server_name || row.description || row.server_id,
    scope: row.scope,
    enabledByDefault: row.enabled,
    transport: row.transport,
    status: row.status,
    message: row.error ?? undefined,
    stderrTail: row.stderrTail ?? [],
    toolCount: row.toolCount,
    requireApproval: row.require_approval,
  };
}

/** A tool as the gateway lists it (a Bedrock toolSpec) as the UI shows it. */
export function toolInfo({ toolSpec }: z.output<typeof SeedToolSpecSchema>): ToolInfo {
  return { name: toolSpec.name, description: toolSpec.description, inputSchema: toolSpec.inputSchema.json };
}

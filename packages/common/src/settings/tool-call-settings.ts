import { z } from 'zod';
import { int } from './setting-fields.js';

/** Calling tools through the mcp-pool (the gateway, the agent-worker and voice call; the pool enforces the timeouts). */
export const TOOL_CALL_SETTINGS = {
  /** Where workers and the gateway reach the mcp-pool (any replica). */
  MCP_POOL_URL: z.string().default('http://127.0.0.1:7003'),
  /** Longest an MCP server may take to start and initialize, in milliseconds. */
  MCP_START_TIMEOUT_MS: int(30_000, 100),
  /** Default timeout of one tool call, in milliseconds. */
  TOOL_CALL_TIMEOUT_MS: int(120_000, 100),
};

import { toolResultText, type CatalogTool } from '@bedrock-mcp/contracts';
import { PoolClientError, type PoolClient } from '@bedrock-mcp/pool-client';
import type { SonicToolSpec } from './sonic-protocol.js';

export interface VoiceToolCall {
  userId: string;
  /** The Bedrock-safe name the model called (CatalogTool.name). */
  name: string;
  toolUseId: string;
  input: Record<string, unknown>;
  /** Aborted when the session closes. */
  signal: AbortSignal;
}

export interface VoiceToolOutcome {
  /** What the model gets back as the toolResult content (and the client sees in the tool card). */
  text: string;
  isError: boolean;
}

/** Runs a tool the model called; resolves with an error outcome rather than rejecting. */
export type VoiceToolExecutor = (call: VoiceToolCall) => Promise<VoiceToolOutcome>;

/** The catalog's tools as Sonic's promptStart lists them (the input schema as a JSON string). */
export function sonicToolSpecs(tools: readonly CatalogTool[]): SonicToolSpec[] {
  return tools.map((tool) => ({
    toolSpec: {
      name: tool.name,
      // Sonic needs a description; a tool without one is described by its name.
      description: tool.description.trim() === '' ? tool.toolName : tool.description,
      inputSchema: { json: JSON.stringify(tool.inputSchema) },
    },
  }));
}

export interface PoolToolExecutorOptions {
  /** Milliseconds per tool call, passed to the pool. Default: the pool's own default. */
  timeoutMs?: number;
}

/**
 * Calls tools through the mcp-pool: the Bedrock-safe name the model used is mapped back to the
 * server and the tool's own name through the catalog the session was started with.
 */
export function createPoolToolExecutor(
  pool: Pick<PoolClient, 'callTool'>,
  tools: readonly CatalogTool[],
  options: PoolToolExecutorOptions = {},
): VoiceToolExecutor {
  const byName = new Map(tools.map((tool) => [tool.name, tool]));
  return async (call) => {
    const tool = byName.get(call.name);
    if (tool === undefined) return { text: `unknown tool "${call.name}"`, isError: true };
    try {
      const { result } = await pool.callTool(
        call.userId,
        {
          serverId: tool.serverId,
          toolName: tool.toolName,
          arguments: call.input,
          toolUseId: call.toolUseId,
          ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
        },
        { signal: call.signal },
      );
      const images = result.content.filter((part) => part.type === 'image').length;
      const text = toolResultText(result) || (images > 0 ? `[${images} image(s), not shown in voice mode]` : '(no output)');
      return { text, isError: result.isError };
    } catch (error) {
      const message = error instanceof PoolClientError ? `${error.code}: ${error.message}` : (error as Error).message;
      return { text: `the tool call failed: ${message}`, isError: true };
    }
  };
}

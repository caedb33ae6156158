import { policyRequiresApproval, toolResultText, type CatalogTool } from '@bedrock-mcp/contracts';
import { CatalogToolCaller, PoolClientError, type PoolClient } from '@bedrock-mcp/pool-client';
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
 * Calls tools through the mcp-pool with a CatalogToolCaller over the catalog the session was
 * started with (the Bedrock-safe name the model used maps back to the server and the tool's own name).
 * A voice session cannot pause for a person's approval, so a tool whose server requires approval
 * (the admin's or the owner's policy) is not run and the model is told why.
 */
export function createPoolToolExecutor(
  pool: Pick<PoolClient, 'callTool'>,
  tools: readonly CatalogTool[],
  options: PoolToolExecutorOptions = {},
): VoiceToolExecutor {
  const caller = new CatalogToolCaller(tools, { pool, ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }) });
  return async (call) => {
    const tool = caller.tool(call.name);
    if (tool && policyRequiresApproval(tool.requireApproval, tool.toolName)) {
      return { text: `Tool ${tool.toolName} was not run: server ${tool.serverId} requires a person's approval for it, which a voice session cannot ask for; use the chat.`, isError: true };
    }
    const outcome = await caller.call(call);
    if (outcome.kind === 'unknown_tool') return { text: `unknown tool "${call.name}"`, isError: true };
    if (outcome.kind === 'result') {
      const { result } = outcome;
      const images = result.content.filter((part) => part.type === 'image').length;
      const text = toolResultText(result) || (images > 0 ? `[${images} image(s), not shown in voice mode]` : '(no output)');
      return { text, isError: result.isError };
    }
    const { error } = outcome;
    const message = error instanceof PoolClientError ? `${error.code}: ${error.message}` : (error as Error).message;
    return { text: `the tool call failed: ${message}`, isError: true };
  };
}

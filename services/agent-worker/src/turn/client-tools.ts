import type { CatalogTool, ChatJob, ClientTool, ToolResultBlock } from '@bedrock-mcp/contracts';
import type { TurnEmitter } from '@bedrock-mcp/turns';
import type { ToolUse } from './tool-executor.js';

/** What the model is told of a client tool it called in the same response as MCP tools. */
const DEFERRED_CLIENT_CALL =
  'Not run: this tool is run by the client, and it was called in the same response as platform tools, whose results are above. ' +
  'Call it again, on its own, if you still need it.';

/**
 * The request's own tools by name. They share the model's tool namespace with the MCP tools, so a
 * name an MCP tool of the turn already has is refused (the message names both).
 */
export function clientToolsOf(job: Pick<ChatJob, 'clientTools'>, catalog: ReadonlyMap<string, CatalogTool>): Map<string, ClientTool> | { conflict: string } {
  const tools = new Map<string, ClientTool>();
  for (const [index, tool] of (job.clientTools ?? []).entries()) {
    const mcp = catalog.get(tool.name);
    if (mcp) return { conflict: `tools[${index}].function.name: ${tool.name} is already the name of the tool ${mcp.toolName} of the MCP server ${mcp.serverId}; rename your function` };
    tools.set(tool.name, tool);
  }
  return tools;
}

/** The calls that end the turn for the client to run: reported as tool calls without a server, and no result. */
export function reportClientCalls(calls: readonly ToolUse[], emitter: TurnEmitter, alreadyReported: ReadonlySet<string>): void {
  for (const call of calls) {
    if (!alreadyReported.has(`call:${call.toolUseId}`)) void emitter.emit({ type: 'tool_call', toolUseId: call.toolUseId, name: call.name, input: call.input });
  }
}

/**
 * Client calls made in one response with MCP calls are not handed to the client: their results
 * would have to come back with the MCP ones, which the client never saw. The model gets an error
 * result asking it to call them again on their own, after it has read the MCP results.
 */
export function deferClientCalls(calls: readonly ToolUse[], emitter: TurnEmitter, alreadyReported: ReadonlySet<string>): ToolResultBlock[] {
  reportClientCalls(calls, emitter, alreadyReported);
  return calls.map((call) => {
    if (!alreadyReported.has(`result:${call.toolUseId}`)) {
      void emitter.emit({ type: 'tool_result', toolUseId: call.toolUseId, name: call.name, content: [{ type: 'text', text: DEFERRED_CLIENT_CALL }], isError: true, durationMs: 0 });
    }
    return { toolResult: { toolUseId: call.toolUseId, content: [{ text: DEFERRED_CLIENT_CALL }], status: 'error' as const } };
  });
}

import type { FinishReason, MessageToolCall } from '@bedrock-mcp/contracts';
import type { ToolUse } from './seed-tool-use.js';

/**
 * Splits the tool uses left when a turn ends: with `tool_use` (the turn ended on calls of the
 * request's own tools), those without a result are the client's to run and become OpenAI's
 * `tool_calls`; the rest stay the platform's tool rounds.
 */
export function clientToolCallsOf(uses: readonly ToolUse[], finishReason: FinishReason): { toolCalls: MessageToolCall[]; ran: ToolUse[] } {
  if (finishReason !== 'tool_use') return { toolCalls: [], ran: [...uses] };
  const toolCalls = uses
    .filter((use) => use.result === undefined)
    .map((use): MessageToolCall => ({ id: use.call.toolUseId, type: 'function', function: { name: use.call.name, arguments: JSON.stringify(use.call.input ?? {}) } }));
  return { toolCalls, ran: uses.filter((use) => use.result !== undefined) };
}

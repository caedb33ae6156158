import type { FinishReason } from '@bedrock-mcp/contracts';

const SAME: ReadonlySet<string> = new Set(['end_turn', 'tool_use', 'max_tokens', 'stop_sequence', 'guardrail_intervened', 'content_filtered']);

/**
 * A model's stop reason → the finish reason of its round. Only `tool_use` continues the loop;
 * everything else (unknown reasons included) ends the turn, so a model cut at max_tokens is never
 * called again and again until MAX_TURNS. Malformed output is an error the client is told about.
 */
export function toRoundStop(stopReason: string): { finishReason: FinishReason } {
  if (SAME.has(stopReason)) return { finishReason: stopReason as FinishReason };
  if (stopReason === 'model_context_window_exceeded') return { finishReason: 'max_tokens' };
  if (stopReason === 'malformed_model_output' || stopReason === 'malformed_tool_use') {
    return { finishReason: 'error' };
  }
  return { finishReason: 'end_turn' };
}

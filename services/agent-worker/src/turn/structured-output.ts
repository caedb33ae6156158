import { isToolUse, toolUsesOf, type ChatJob, type ClientTool, type ConverseMessage } from '@bedrock-mcp/contracts';
import type { TurnEmitter } from '@bedrock-mcp/turns';
import type { ModelRoundResult } from './model-round.js';
import { toRoundStop } from './stop-reason.js';

/**
 * `response_format: json_schema` for a Bedrock model, which has no structured-output mode: the
 * schema becomes a tool the model must end with. Every model call of the turn requires a tool call
 * (Converse `any`), so the model either calls the turn's other tools or answers through this one;
 * the answer's input becomes the message's content, as JSON text.
 */
export function structuredOutputToolOf(job: Pick<ChatJob, 'responseFormat'>, providerName: 'bedrock' | 'openai'): ClientTool | undefined {
  const format = job.responseFormat;
  if (providerName !== 'bedrock' || format?.type !== 'json_schema') return undefined;
  return {
    name: format.json_schema.name,
    description: `Give your final answer by calling this tool, with the answer as its input.${format.json_schema.description ? ` ${format.json_schema.description}` : ''}`,
    inputSchema: { type: 'object', ...(format.json_schema.schema ?? {}) },
  };
}

/**
 * The model's answer through the structured-output tool: the message with that call replaced by
 * its input as JSON text (other calls of the same response are dropped: the answer is final), or
 * undefined when the model did not call it.
 */
export function takeStructuredAnswer(message: ConverseMessage, toolName: string): { message: ConverseMessage; json: string } | undefined {
  const answer = message.content.find((block) => isToolUse(block) && block.toolUse.name === toolName);
  if (!answer || !isToolUse(answer)) return undefined;
  const json = JSON.stringify(answer.toolUse.input ?? {});
  const kept = message.content.filter((block) => !isToolUse(block) && !('text' in block));
  return { message: { role: 'assistant', content: [...kept, { text: json }] }, json };
}

/**
 * After a structured-output round (whose text was kept back): the answer through the tool becomes
 * the message's text and ends the turn (`end_turn`); a round that ends the turn without it (cut at
 * max_tokens, say) gives out what the model wrote after all.
 */
export function applyStructuredAnswer(result: ModelRoundResult, toolName: string, emitter: TurnEmitter): void {
  const answer = takeStructuredAnswer(result.message, toolName);
  if (answer) {
    result.message = answer.message;
    result.stopReason = 'end_turn';
    void emitter.emit({ type: 'text_delta', text: answer.json });
    return;
  }
  if (toRoundStop(result.stopReason).finishReason === 'tool_use' && toolUsesOf(result.message).length > 0) return;
  const text = result.message.content.flatMap((block) => ('text' in block ? [block.text] : [])).join('');
  if (text) void emitter.emit({ type: 'text_delta', text });
}

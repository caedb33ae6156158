import type { ConverseMessage, ModelConfig, Usage } from '@bedrock-mcp/contracts';

/** A tool as the model is offered it (from the pool's catalog). */
interface ModelTool {
  /** Bedrock-safe name the model calls it by. */
  name: string;
  description: string;
  /** JSON Schema of the input object. */
  inputSchema: Record<string, unknown>;
}

/** One model call: the whole conversation so far plus inference settings. */
export interface ModelRequest {
  modelId: string;
  model: ModelConfig;
  system: string[];
  messages: ConverseMessage[];
  tools: ModelTool[];
  maxTokens: number;
  temperature?: number | undefined;
  topP?: number | undefined;
  topK?: number | undefined;
  stopSequences?: string[] | undefined;
  /** Claude extended thinking, with its budget in tokens. */
  thinking?: { budgetTokens: number } | undefined;
}

/**
 * What a provider streams for one model call, in Converse's terms. `index` is the content block
 * the event belongs to (blocks end up in the assistant message in index order).
 */
export type ModelStreamEvent =
  | { type: 'text'; index: number; text: string }
  | { type: 'reasoning'; index: number; text?: string; signature?: string; /** base64 */ redacted?: string }
  | { type: 'tool_use_start'; index: number; toolUseId: string; name: string }
  | { type: 'tool_input'; index: number; partialJson: string }
  | { type: 'block_stop'; index: number }
  /** The model's own stop reason, unmapped (Bedrock's or OpenAI's finish_reason). */
  | { type: 'stop'; stopReason: string }
  | { type: 'usage'; usage: Usage };

export interface ModelProvider {
  readonly name: 'bedrock' | 'openai';
  /**
   * Streams one model call. Throws ModelCallError (see model-errors.ts) on failure; stops early
   * when `signal` aborts.
   */
  converseStream(request: ModelRequest, signal: AbortSignal): AsyncIterable<ModelStreamEvent>;
}

import type { ConverseMessage, ModelConfig, ResponseFormat, ToolChoice, Usage } from '@bedrock-mcp/contracts';

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
  /** The MCP tools and the request's own (client) tools. */
  tools: ModelTool[];
  /** OpenAI's tool_choice for this call; undefined: the provider's default (auto). */
  toolChoice?: ToolChoice | undefined;
  /** OpenAI's response_format (json_object / json_schema), for OpenAI-compatible providers; Bedrock ignores it (its json_schema is a forced tool: turn/structured-output.ts). */
  responseFormat?: ResponseFormat | undefined;
  maxTokens: number;
  temperature?: number | undefined;
  topP?: number | undefined;
  topK?: number | undefined;
  stopSequences?: string[] | undefined;
  /** Claude extended thinking, with its budget in tokens. */
  thinking?: { budgetTokens: number } | undefined;
  /** The request's choice on prompt caching; undefined: the model's `prompt_caching`. */
  promptCaching?: boolean | undefined;
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

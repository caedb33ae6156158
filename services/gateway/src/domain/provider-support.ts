import type { ChatCompletionRequest, ModelConfig } from '@bedrock-mcp/contracts';
import { GatewayError } from './gateway-error.js';

type SupportedRequest = Pick<ChatCompletionRequest, 'response_format' | 'tool_choice' | 'extra_params' | 'model'>;

/**
 * Refuses what the model's provider cannot honour rather than dropping it. On Bedrock:
 * `response_format: json_object` (Converse has no JSON mode; `json_schema` is answered through a
 * forced tool, which takes the turn's tool_choice, so it goes with `auto` only); and a forced tool
 * call (tool_choice required or named, or json_schema) with Claude's extended thinking, which
 * allows only `auto`.
 */
export function assertProviderSupports(body: SupportedRequest, model: Pick<ModelConfig, 'supports_thinking'>, providerKind: 'bedrock' | 'openai'): void {
  if (providerKind !== 'bedrock') return;
  const format = body.response_format?.type;
  if (format === 'json_object') {
    throw new GatewayError(
      'invalid_request',
      `response_format json_object is not supported for ${body.model}: Bedrock's Converse API has no JSON mode. ` +
        'Send response_format json_schema with the object\'s schema (answered through a forced tool), or use an OpenAI-compatible model.',
      'response_format',
    );
  }
  if (format === 'json_schema' && body.tool_choice !== undefined && body.tool_choice !== 'auto') {
    throw new GatewayError(
      'invalid_request',
      `response_format json_schema on ${body.model} is answered through a tool the model must call, so tool_choice can only be auto there`,
      'tool_choice',
    );
  }
  const forced = body.tool_choice === 'required' || typeof body.tool_choice === 'object' || format === 'json_schema';
  if (forced && body.extra_params.enable_thinking && model.supports_thinking) {
    const what = format === 'json_schema' ? 'response_format json_schema (a forced tool call there)' : `tool_choice ${typeof body.tool_choice === 'object' ? 'naming a function' : 'required'}`;
    throw new GatewayError(
      'invalid_request',
      `${what} cannot be combined with extended thinking on ${body.model}: Bedrock allows only tool_choice auto with thinking. Turn extra_params.enable_thinking off.`,
      format === 'json_schema' ? 'response_format' : 'tool_choice',
    );
  }
}

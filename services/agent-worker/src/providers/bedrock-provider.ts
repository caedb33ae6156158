import { ConverseStreamCommand, type ConverseStreamOutput, type TokenUsage } from '@aws-sdk/client-bedrock-runtime';
import type { Usage } from '@bedrock-mcp/contracts';
import { abortable } from './abortable.js';
import type { BedrockClientPool } from './bedrock-client-pool.js';
import { toConverseStreamInput } from './bedrock-request.js';
import { fromBedrockError, ModelCallError } from './model-errors.js';
import type { ModelProvider, ModelRequest, ModelStreamEvent } from './model-provider.js';

export interface BedrockProviderOptions {
  clients: BedrockClientPool;
  /** Called when a credential was throttled and the call moves to the next one. */
  onRotate?: (info: { from: string; to: string }) => void;
}

/**
 * Bedrock ConverseStream. A call throttled before any output is tried again at once with each
 * other credential of the pool; what is left (every credential throttled, or one credential)
 * is thrown for the retry policy around this provider.
 */
export class BedrockProvider implements ModelProvider {
  readonly name = 'bedrock';

  constructor(private readonly options: BedrockProviderOptions) {}

  async *converseStream(request: ModelRequest, signal: AbortSignal): AsyncGenerator<ModelStreamEvent> {
    const input = toConverseStreamInput(request);
    const { clients } = this.options;
    let handle = clients.next();
    for (let rotation = 0; ; rotation++) {
      let yielded = false;
      try {
        const response = await handle.client.send(new ConverseStreamCommand(input), { abortSignal: signal });
        if (!response.stream) throw new ModelCallError('failed', 'Bedrock answered without a stream');
        for await (const output of abortable(response.stream, signal)) {
          for (const event of toStreamEvents(output)) {
            yielded = true;
            yield event;
          }
        }
        return;
      } catch (error) {
        if (signal.aborted) throw signal.reason;
        const failure = fromBedrockError(error);
        if (failure.failure !== 'throttled' || yielded || rotation + 1 >= clients.size) throw failure;
        clients.reportThrottled(handle);
        const previous = handle.label;
        handle = clients.next();
        this.options.onRotate?.({ from: previous, to: handle.label });
      }
    }
  }
}

function toStreamEvents(output: ConverseStreamOutput): ModelStreamEvent[] {
  if (output.contentBlockStart) {
    const { contentBlockIndex = 0, start } = output.contentBlockStart;
    const toolUse = start?.toolUse;
    return toolUse?.toolUseId && toolUse.name ? [{ type: 'tool_use_start', index: contentBlockIndex, toolUseId: toolUse.toolUseId, name: toolUse.name }] : [];
  }
  if (output.contentBlockDelta) {
    const { contentBlockIndex: index = 0, delta } = output.contentBlockDelta;
    if (delta?.text !== undefined) return [{ type: 'text', index, text: delta.text }];
    if (delta?.toolUse?.input !== undefined) return [{ type: 'tool_input', index, partialJson: delta.toolUse.input }];
    const reasoning = delta?.reasoningContent;
    if (reasoning?.text !== undefined) return [{ type: 'reasoning', index, text: reasoning.text }];
    if (reasoning?.signature !== undefined) return [{ type: 'reasoning', index, signature: reasoning.signature }];
    if (reasoning?.redactedContent !== undefined) return [{ type: 'reasoning', index, redacted: Buffer.from(reasoning.redactedContent).toString('base64') }];
    return [];
  }
  if (output.contentBlockStop) return [{ type: 'block_stop', index: output.contentBlockStop.contentBlockIndex ?? 0 }];
  if (output.messageStop) return [{ type: 'stop', stopReason: output.messageStop.stopReason ?? 'end_turn' }];
  if (output.metadata?.usage) return [{ type: 'usage', usage: toUsage(output.metadata.usage) }];
  const exception =
    output.internalServerException ??
    output.modelStreamErrorException ??
    output.serviceUnavailableException ??
    output.throttlingException ??
    output.validationException;
  if (exception) throw fromBedrockError(exception);
  return [];
}

function toUsage(usage: TokenUsage): Usage {
  const inputTokens = usage.inputTokens ?? 0;
  const outputTokens = usage.outputTokens ?? 0;
  return {
    inputTokens,
    outputTokens,
    totalTokens: usage.totalTokens ?? inputTokens + outputTokens,
    ...(usage.cacheReadInputTokens ? { cacheReadInputTokens: usage.cacheReadInputTokens } : {}),
    ...(usage.cacheWriteInputTokens ? { cacheWriteInputTokens: usage.cacheWriteInputTokens } : {}),
  };
}

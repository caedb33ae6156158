import type { ContentBlock, ConverseMessage, Usage } from '@bedrock-mcp/contracts';
import type { TurnEmitter } from '@bedrock-mcp/turns';
import { ModelCallError } from '../providers/model-errors.js';
import type { ModelStreamEvent } from '../providers/model-provider.js';

type BlockBuilder =
  | { kind: 'text'; text: string }
  | { kind: 'reasoning'; text: string; signature?: string; redacted?: string }
  | { kind: 'tool'; toolUseId: string; name: string; json: string };

export interface ModelRoundResult {
  /** The assistant message, blocks in the model's order (blank text dropped). */
  message: ConverseMessage;
  /** The model's stop reason, unmapped. */
  stopReason: string;
  usage: Usage | undefined;
  /** toolUseId → why its streamed input is not a JSON object (the tool is then not run). */
  invalidToolInputs: Map<string, string>;
}

/**
 * Streams one model call: every delta goes out as an event (text, reasoning with its signature or
 * redacted content, tool input fragments) while the assistant message is assembled block by
 * block, so reasoning signatures and tool uses are kept exactly as the model sent them.
 */
export async function runModelRound(stream: AsyncIterable<ModelStreamEvent>, emitter: TurnEmitter, options: { emitText?: boolean } = {}): Promise<ModelRoundResult> {
  // A structured-output turn's content is its JSON answer alone: the text around the calls is kept back.
  const emitText = options.emitText ?? true;
  const blocks = new Map<number, BlockBuilder>();
  let stopReason: string | undefined;
  let usage: Usage | undefined;
  // The round's first output goes out at once (time to first token); the rest batch behind it.
  let outputSeen = false;
  const urgency = () => {
    const urgent = !outputSeen;
    outputSeen = true;
    return { urgent };
  };
  for await (const event of stream) {
    switch (event.type) {
      case 'text': {
        const block = builder(blocks, event.index, () => ({ kind: 'text', text: '' }));
        if (block.kind === 'text') block.text += event.text;
        if (event.text && emitText) void emitter.emit({ type: 'text_delta', text: event.text }, urgency());
        break;
      }
      case 'reasoning': {
        const block = builder(blocks, event.index, () => ({ kind: 'reasoning', text: '' }));
        if (block.kind !== 'reasoning') break;
        if (event.text !== undefined) block.text += event.text;
        if (event.signature !== undefined) block.signature = (block.signature ?? '') + event.signature;
        if (event.redacted !== undefined) block.redacted = event.redacted;
        void emitter.emit(
          {
            type: 'reasoning_delta',
            ...(event.text !== undefined ? { text: event.text } : {}),
            ...(event.signature !== undefined ? { signature: event.signature } : {}),
            ...(event.redacted !== undefined ? { redacted: event.redacted } : {}),
          },
          urgency(),
        );
        break;
      }
      case 'tool_use_start':
        blocks.set(event.index, { kind: 'tool', toolUseId: event.toolUseId, name: event.name, json: '' });
        break;
      case 'tool_input': {
        const block = blocks.get(event.index);
        if (block?.kind !== 'tool') break;
        block.json += event.partialJson;
        void emitter.emit({ type: 'tool_input_delta', toolUseId: block.toolUseId, name: block.name, partialJson: event.partialJson }, urgency());
        break;
      }
      case 'block_stop':
        break;
      case 'stop':
        stopReason = event.stopReason;
        break;
      case 'usage':
        usage = event.usage;
        break;
    }
  }
  // A connection closed cleanly mid-answer (HTTP/2 GOAWAY) ends the SDK's iteration without an
  // error; without this the truncated answer would pass for a finished one.
  if (stopReason === undefined) throw new ModelCallError('unavailable', 'the model stream ended before the model said it had stopped (connection closed early)');
  const invalidToolInputs = new Map<string, string>();
  const content = [...blocks.entries()]
    .sort(([a], [b]) => a - b)
    .flatMap(([, block]) => toContentBlock(block, invalidToolInputs));
  return { message: { role: 'assistant', content }, stopReason, usage, invalidToolInputs };
}

function builder(blocks: Map<number, BlockBuilder>, index: number, create: () => BlockBuilder): BlockBuilder {
  let block = blocks.get(index);
  if (!block) {
    block = create();
    blocks.set(index, block);
  }
  return block;
}

function toContentBlock(block: BlockBuilder, invalid: Map<string, string>): ContentBlock[] {
  if (block.kind === 'text') return block.text.trim() ? [{ text: block.text }] : [];
  if (block.kind === 'reasoning') {
    if (block.redacted !== undefined) return [{ reasoningContent: { redactedContent: block.redacted } }];
    return [{ reasoningContent: { reasoningText: { text: block.text, ...(block.signature !== undefined ? { signature: block.signature } : {}) } } }];
  }
  let input: unknown = {};
  try {
    input = JSON.parse(block.json.trim() || '{}');
  } catch (error) {
    invalid.set(block.toolUseId, `the tool input is not valid JSON (${(error as Error).message})`);
  }
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    if (!invalid.has(block.toolUseId)) invalid.set(block.toolUseId, 'the tool input must be a JSON object');
    input = {};
  }
  return [{ toolUse: { toolUseId: block.toolUseId, name: block.name, input } }];
}

/**
 * Starts pulling `stream` now (for a model call: sends the request) and hands out the same events
 * when iterated later. A failure of that first pull surfaces when it is consumed, not before.
 */
export function startedEarly<T>(stream: AsyncIterable<T>): AsyncIterable<T> {
  const iterator = stream[Symbol.asyncIterator]();
  let first: Promise<IteratorResult<T>> | undefined = iterator.next();
  first.catch(() => undefined);
  return {
    [Symbol.asyncIterator]: () => ({
      next: () => {
        const pending = first ?? iterator.next();
        first = undefined;
        return pending;
      },
      return: async (value?: unknown) => (await iterator.return?.(value)) ?? { done: true, value: undefined },
    }),
  };
}

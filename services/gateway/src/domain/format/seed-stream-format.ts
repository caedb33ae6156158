import { APPROVAL_REQUIRED_FINISH_REASON, toCompletionUsage, type ApiErrorCode, type StreamEvent, type Usage } from '@bedrock-mcp/contracts';
import { toSeedApprovalBlock } from './approval-requests.js';
import { ToolRoundCollector, toSeedToolUseJson, type ToolUse } from './seed-tool-use.js';
import { chunk, DeltaChunkEncoder, type SsePayload, type StreamFormatContext, type StreamFormatter } from './stream-formatter.js';

/**
 * The seed's exact stream dialect: reasoning inline as `<thinking>…</thinking>` and streamed tool
 * inputs as `<tool_input>…</tool_input>` in `delta.content`, Bedrock's finish reasons (`tool_use`
 * on the chunk carrying `message_extras.tool_use`, `end_turn`, `max_tokens`, `stop_requested`),
 * and errors as `delta.content: "Error: …"` with `finish_reason: "error"`. A pause for a person is
 * one more inline block, `<approval_request>{"expiresAt","asks":[…]}</approval_request>`, then
 * `finish_reason: "approval_required"` and `[DONE]`.
 */
export class SeedStreamFormatter implements StreamFormatter {
  private readonly tools = new ToolRoundCollector();
  /** The inline block currently open in `delta.content`, to be closed before anything else. */
  private open: { kind: 'thinking' } | { kind: 'tool_input'; toolUseId: string } | undefined;
  private usage: Usage | undefined;
  private failed = false;
  private readonly deltas: DeltaChunkEncoder;

  constructor(private readonly context: StreamFormatContext) {
    this.deltas = new DeltaChunkEncoder(context);
  }

  format(event: StreamEvent): SsePayload[] {
    const out: SsePayload[] = [];
    if (event.type === 'reasoning_delta') {
      if (event.text) out.push(this.content(this.switchTo({ kind: 'thinking' }) + event.text));
      return out;
    }
    if (event.type === 'tool_input_delta') {
      out.push(this.content(this.switchTo({ kind: 'tool_input', toolUseId: event.toolUseId }) + event.partialJson));
      return out;
    }
    const closing = this.switchTo(undefined);
    if (event.type === 'text_delta') {
      if (closing || event.text) out.push(this.content(closing + event.text));
      return out;
    }
    if (closing) out.push(this.content(closing));

    const finishedRound = this.tools.accept(event);
    if (finishedRound) out.push(this.toolRound(finishedRound));
    switch (event.type) {
      case 'round_start':
        this.flushTools(out);
        out.push(chunk(this.context, { delta: { role: 'assistant', content: '' }, finish_reason: null }));
        break;
      case 'usage':
        this.usage = event.usage;
        break;
      case 'error':
        this.failed = true;
        out.push(chunk(this.context, { delta: { content: `Error: ${event.message}` }, finish_reason: 'error' }));
        break;
      case 'approval_request':
        if (!this.failed) {
          out.push(this.content(toSeedApprovalBlock(event)));
          out.push(chunk(this.context, { delta: {}, finish_reason: APPROVAL_REQUIRED_FINISH_REASON }));
          if (this.context.includeUsage && this.usage) out.push(chunk(this.context, undefined, toCompletionUsage(this.usage)));
        }
        out.push('[DONE]');
        break;
      case 'done':
        this.flushTools(out);
        if (!this.failed) {
          const reason = event.finishReason;
          out.push(chunk(this.context, reason === 'error' ? { delta: { content: 'Error: the turn failed' }, finish_reason: 'error' } : { delta: {}, finish_reason: reason }));
          const usage = event.usage ?? this.usage;
          if (this.context.includeUsage && usage) out.push(chunk(this.context, undefined, toCompletionUsage(usage)));
        }
        out.push('[DONE]');
        break;
      default:
        break;
    }
    return out;
  }

  fail(_code: ApiErrorCode, message: string): SsePayload[] {
    const closing = this.switchTo(undefined);
    return [chunk(this.context, { delta: { content: `${closing}Error: ${message}` }, finish_reason: 'error' }), '[DONE]'];
  }

  /** The tags that close the open inline block and open `next` ('' when nothing changes). */
  private switchTo(next: SeedStreamFormatter['open']): string {
    const current = this.open;
    const same =
      current?.kind === next?.kind && (current?.kind !== 'tool_input' || (next?.kind === 'tool_input' && current.toolUseId === next.toolUseId));
    if (same) return '';
    this.open = next;
    const close = current ? `</${current.kind}>` : '';
    return close + (next ? `<${next.kind}>` : '');
  }

  private content(text: string): SsePayload {
    return this.deltas.encode('content', text);
  }

  private flushTools(out: SsePayload[]): void {
    const leftover = this.tools.flush();
    if (leftover) out.push(this.toolRound(leftover));
  }

  private toolRound(uses: ToolUse[]): SsePayload {
    return chunk(this.context, { delta: {}, finish_reason: 'tool_use', message_extras: { tool_use: toSeedToolUseJson(uses) } });
  }
}

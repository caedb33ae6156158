import { APPROVAL_REQUIRED_FINISH_REASON, openAiErrorBody, toCompletionUsage, toOpenAiFinishReason, TURN_ERROR_API_CODE, type ApiErrorCode, type StreamEvent, type Usage } from '@bedrock-mcp/contracts';
import { toOpenAiApprovalRequests } from './approval-requests.js';
import { clientToolCallsOf } from './client-tool-calls.js';
import { ToolRoundCollector, toSeedToolUseJson, type ToolUse } from './seed-tool-use.js';
import { chunk, DeltaChunkEncoder, type SsePayload, type StreamFormatContext, type StreamFormatter } from './stream-formatter.js';

/**
 * OpenAI's stream dialect (the default): text in `delta.content`, reasoning in
 * `delta.reasoning_content`, `delta.role` at each model round, a finished tool round as a chunk
 * carrying the seed's `message_extras.tool_use` (finish_reason null: the turn goes on), OpenAI
 * finish reasons, the usage chunk on request, and errors as `{"error": …}`. A pause for a person
 * (approval_request) is a chunk carrying `approval_requests` with `finish_reason:
 * "approval_required"`, and the response ends there; the approvals call continues it with a
 * formatter that saw the events before (so a tool round spanning the pause comes out whole). A turn
 * that ended on calls of the request's own tools sends them as one `delta.tool_calls` chunk (whole
 * arguments) before the `tool_calls` finish.
 */
export class OpenAiStreamFormatter implements StreamFormatter {
  private readonly tools = new ToolRoundCollector();
  private usage: Usage | undefined;
  private failed = false;
  private readonly deltas: DeltaChunkEncoder;

  constructor(private readonly context: StreamFormatContext) {
    this.deltas = new DeltaChunkEncoder(context);
  }

  format(event: StreamEvent): SsePayload[] {
    const out: SsePayload[] = [];
    const finishedRound = this.tools.accept(event);
    if (finishedRound) out.push(this.toolRound(finishedRound));
    switch (event.type) {
      case 'round_start':
        this.flushTools(out);
        out.push(chunk(this.context, { delta: { role: 'assistant', content: '' }, finish_reason: null }));
        break;
      case 'text_delta':
        if (event.text) out.push(this.deltas.encode('content', event.text));
        break;
      case 'reasoning_delta':
        if (event.text) out.push(this.deltas.encode('reasoning_content', event.text));
        break;
      case 'usage':
        this.usage = event.usage;
        break;
      case 'error':
        this.failed = true;
        out.push(openAiErrorBody(TURN_ERROR_API_CODE[event.code], event.message));
        break;
      case 'approval_request':
        // The paused round's calls stay collected: their results come after the answer.
        if (!this.failed) {
          out.push(chunk(this.context, { delta: {}, finish_reason: APPROVAL_REQUIRED_FINISH_REASON, approval_requests: toOpenAiApprovalRequests(event) }));
          if (this.context.includeUsage && this.usage) out.push(chunk(this.context, undefined, toCompletionUsage(this.usage)));
        }
        out.push('[DONE]');
        break;
      case 'done': {
        const { toolCalls, ran } = clientToolCallsOf(this.tools.flush() ?? [], event.finishReason);
        if (ran.length > 0) out.push(this.toolRound(ran));
        if (!this.failed && toolCalls.length > 0) {
          out.push(chunk(this.context, { delta: { tool_calls: toolCalls.map((call, index) => ({ index, ...call })) }, finish_reason: null }));
        }
        if (!this.failed && event.finishReason === 'error') {
          out.push(openAiErrorBody('internal_error', 'the turn failed'));
        } else if (!this.failed) {
          out.push(chunk(this.context, { delta: {}, finish_reason: toOpenAiFinishReason(event.finishReason) }));
          const usage = event.usage ?? this.usage;
          if (this.context.includeUsage && usage) out.push(chunk(this.context, undefined, toCompletionUsage(usage)));
        }
        out.push('[DONE]');
        break;
      }
      default:
        break;
    }
    return out;
  }

  fail(code: ApiErrorCode, message: string): SsePayload[] {
    return [openAiErrorBody(code, message), '[DONE]'];
  }

  private flushTools(out: SsePayload[]): void {
    const leftover = this.tools.flush();
    if (leftover) out.push(this.toolRound(leftover));
  }

  private toolRound(uses: ToolUse[]): SsePayload {
    return chunk(this.context, { delta: {}, finish_reason: null, message_extras: { tool_use: toSeedToolUseJson(uses) } });
  }
}

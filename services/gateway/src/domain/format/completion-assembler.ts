import {
  APPROVAL_REQUIRED_FINISH_REASON,
  toCompletionUsage,
  toOpenAiFinishReason,
  type ChatCompletion,
  type FinishReason,
  type MessageToolCall,
  type OpenAiApprovalRequest,
  type StreamEvent,
  type StreamFormat,
  type TurnErrorCode,
  type Usage,
} from '@bedrock-mcp/contracts';
import { toOpenAiApprovalRequests } from './approval-requests.js';
import { clientToolCallsOf } from './client-tool-calls.js';
import { ToolRoundCollector, type ToolUse } from './seed-tool-use.js';

export interface CompletionContext {
  id: string;
  model: string;
  /** epoch seconds */
  created: number;
  /** Which finish reasons to report: OpenAI's, or Bedrock's as the seed did. */
  format: StreamFormat;
}

export type AssembledTurn =
  | { kind: 'completion'; completion: ChatCompletion }
  | { kind: 'error'; code: TurnErrorCode; message: string };

const NO_USAGE: Usage = { inputTokens: 0, outputTokens: 0, totalTokens: 0 };

/**
 * Builds the one `chat.completion` of a non-stream request from the turn's events: the text of
 * every round, `reasoning_content`, the seed's `message_extras.tool_use` list of
 * {name, arguments, result} (result: the seed's content list, images included), and usage.
 * A turn that ended on calls of the request's own tools has them as `message.tool_calls` with
 * `finish_reason: "tool_calls"`. A turn that failed becomes an error instead. A turn that paused for a person (approval_request)
 * finishes there with `finish_reason: "approval_required"` and `message.approval_requests`; fed the
 * events after the pause, the assembler starts over and builds the rest of the response (the
 * approvals call), keeping the tool round the pause interrupted. Pure.
 */
export class CompletionAssembler {
  private readonly tools = new ToolRoundCollector();
  private readonly toolUses: ToolUse[] = [];
  /** The calls of the request's own tools the turn ended on, for the client to run. */
  private toolCalls: MessageToolCall[] = [];
  private text = '';
  private reasoning = '';
  private usage: Usage | undefined;
  private error: { code: TurnErrorCode; message: string } | undefined;
  private finishReason: FinishReason | undefined;
  /** The asks the turn paused at, until an event after them shows it went on. */
  private asks: OpenAiApprovalRequest[] | undefined;
  /** Output lengths when each round began, to drop a lost run's partial output when its round is re-run. */
  private readonly roundStarts = new Map<number, { text: number; reasoning: number; toolUses: number }>();

  constructor(private readonly context: CompletionContext) {}

  accept(event: StreamEvent): void {
    if (this.asks && event.type !== 'approval_request') this.startOverAfterPause();
    const round = this.tools.accept(event);
    if (round) this.toolUses.push(...round);
    switch (event.type) {
      case 'round_start': {
        const mark = event.resumed ? this.roundStarts.get(event.round) : undefined;
        if (mark) {
          this.text = this.text.slice(0, mark.text);
          this.reasoning = this.reasoning.slice(0, mark.reasoning);
          this.toolUses.length = mark.toolUses;
        } else {
          this.roundStarts.set(event.round, { text: this.text.length, reasoning: this.reasoning.length, toolUses: this.toolUses.length });
        }
        break;
      }
      case 'text_delta':
        this.text += event.text;
        break;
      case 'reasoning_delta':
        this.reasoning += event.text ?? '';
        break;
      case 'usage':
        this.usage = event.usage;
        break;
      case 'error':
        this.error ??= { code: event.code, message: event.message };
        break;
      case 'approval_request':
        this.asks = [...(this.asks ?? []), ...toOpenAiApprovalRequests(event)];
        break;
      case 'done':
        this.finishReason = event.finishReason;
        this.usage = event.usage ?? this.usage;
        {
          const { toolCalls, ran } = clientToolCallsOf(this.tools.flush() ?? [], event.finishReason);
          this.toolCalls = toolCalls;
          this.toolUses.push(...ran);
        }
        break;
      default:
        break;
    }
  }

  get finished(): boolean {
    return this.finishReason !== undefined || this.asks !== undefined;
  }

  result(): AssembledTurn {
    if (this.error) return { kind: 'error', ...this.error };
    if (this.asks) return { kind: 'completion', completion: this.completion(APPROVAL_REQUIRED_FINISH_REASON, this.asks) };
    if (this.finishReason === undefined) return { kind: 'error', code: 'internal_error', message: 'the turn ended without finishing' };
    if (this.finishReason === 'error') return { kind: 'error', code: 'internal_error', message: 'the turn failed' };
    const finishReason = this.context.format === 'seed' ? this.finishReason : toOpenAiFinishReason(this.finishReason);
    return { kind: 'completion', completion: this.completion(finishReason, undefined) };
  }

  private completion(finishReason: string, asks: OpenAiApprovalRequest[] | undefined): ChatCompletion {
    return {
      id: this.context.id,
      object: 'chat.completion',
      created: this.context.created,
      model: this.context.model,
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            // As OpenAI: a message of tool calls alone has null content.
            content: this.toolCalls.length > 0 && !this.text ? null : this.text,
            ...(this.toolCalls.length > 0 ? { tool_calls: this.toolCalls } : {}),
            ...(this.reasoning ? { reasoning_content: this.reasoning } : {}),
            ...(asks ? { approval_requests: asks } : {}),
          },
          finish_reason: finishReason,
          ...(this.toolUses.length > 0
            ? {
                message_extras: {
                  tool_use: this.toolUses.map((use) => ({ name: use.call.name, arguments: use.call.input, result: use.result?.content ?? null })),
                },
              }
            : {}),
        },
      ],
      usage: toCompletionUsage(this.usage ?? NO_USAGE),
    };
  }

  /** The first response ended at the pause; what it reported is not repeated (the interrupted tool round stays collected). */
  private startOverAfterPause(): void {
    this.asks = undefined;
    this.text = '';
    this.reasoning = '';
    this.toolUses.length = 0;
    this.roundStarts.clear();
  }
}

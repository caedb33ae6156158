import { z } from 'zod';
import { ToolResultPartSchema } from './tool-result.js';
import { AskIdSchema, AskOutcomeSchema, TurnAskSchema } from './turn-asks.js';

/**
 * Why a turn (or a model round) ended. Bedrock's stop reasons plus the platform's own:
 * `stop_requested` (user stop), `max_turns` (MAX_TURNS rounds reached), `error`.
 */
export const FinishReasonSchema = z.enum([
  'end_turn',
  'tool_use',
  'max_tokens',
  'stop_sequence',
  'guardrail_intervened',
  'content_filtered',
  'stop_requested',
  'max_turns',
  'error',
]);
export type FinishReason = z.infer<typeof FinishReasonSchema>;

export const UsageSchema = z.object({
  inputTokens: z.number().int().min(0),
  outputTokens: z.number().int().min(0),
  totalTokens: z.number().int().min(0),
  cacheReadInputTokens: z.number().int().min(0).optional(),
  cacheWriteInputTokens: z.number().int().min(0).optional(),
});
export type Usage = z.infer<typeof UsageSchema>;

/** The closed set of error codes a turn can end with; see errors.ts for their HTTP mapping. */
export const TurnErrorCodeSchema = z.enum([
  'model_error',
  'model_throttled',
  'model_not_configured',
  'invalid_request',
  'tool_catalog_error',
  'timeout',
  'worker_lost',
  'internal_error',
]);
export type TurnErrorCode = z.infer<typeof TurnErrorCodeSchema>;

const base = {
  turnId: z.string(),
  /** 1-based, strictly increasing per turn, assigned when the event is logged. */
  seq: z.number().int().positive(),
  /** epoch milliseconds */
  ts: z.number(),
};

export const StreamEventSchema = z.discriminatedUnion('type', [
  z.object({ ...base, type: z.literal('start'), model: z.string(), userId: z.string() }).strict(),
  /**
   * A new model round begins (round 1 is the first model call of the turn). `resumed`: another
   * worker took the turn over after the previous one was lost; this round starts again from its
   * beginning, so a client may drop the partial output since the earlier round_start of this round.
   */
  z.object({ ...base, type: z.literal('round_start'), round: z.number().int().positive(), resumed: z.boolean().optional() }).strict(),
  z.object({ ...base, type: z.literal('text_delta'), text: z.string() }).strict(),
  /** Reasoning text, its signature (sent once, at the end of the block), or redacted reasoning. */
  z
    .object({
      ...base,
      type: z.literal('reasoning_delta'),
      text: z.string().optional(),
      signature: z.string().optional(),
      redacted: z.string().optional(),
    })
    .strict(),
  /** A fragment of a tool call's JSON input, as the model streams it. */
  z.object({ ...base, type: z.literal('tool_input_delta'), toolUseId: z.string(), name: z.string(), partialJson: z.string() }).strict(),
  z
    .object({
      ...base,
      type: z.literal('tool_call'),
      toolUseId: z.string(),
      /** The model-facing (Bedrock-safe) tool name. */
      name: z.string(),
      serverId: z.string().optional(),
      /** The tool's own name on its MCP server. */
      toolName: z.string().optional(),
      input: z.unknown(),
    })
    .strict(),
  z
    .object({
      ...base,
      type: z.literal('tool_progress'),
      toolUseId: z.string(),
      progress: z.number(),
      total: z.number().optional(),
      message: z.string().optional(),
    })
    .strict(),
  z
    .object({
      ...base,
      type: z.literal('tool_result'),
      toolUseId: z.string(),
      name: z.string(),
      content: z.array(ToolResultPartSchema),
      isError: z.boolean(),
      durationMs: z.number().min(0),
    })
    .strict(),
  /**
   * The turn waits for a person (turn-asks.ts): tool calls to approve (the turn pauses; no worker
   * holds it) or an MCP server's elicitation (its tool call waits). Answer every ask before
   * `expiresAt` (epoch ms) through `POST /v1/turns/{turn_id}/approvals` or the WebSocket `answer`
   * frame; an unanswered ask expires and the model (or the server) is told.
   */
  z.object({ ...base, type: z.literal('approval_request'), asks: z.array(TurnAskSchema).min(1), expiresAt: z.number() }).strict(),
  /** How one ask ended. `edited`: the person approved with arguments of their own. */
  z.object({ ...base, type: z.literal('approval_answer'), askId: AskIdSchema, outcome: AskOutcomeSchema, edited: z.boolean().optional() }).strict(),
  /** A model round ended; `stopReason` is the model's. */
  z.object({ ...base, type: z.literal('round_end'), round: z.number().int().positive(), stopReason: FinishReasonSchema }).strict(),
  /** Usage summed over every model call of the turn so far. */
  z.object({ ...base, type: z.literal('usage'), usage: UsageSchema }).strict(),
  z.object({ ...base, type: z.literal('error'), code: TurnErrorCodeSchema, message: z.string() }).strict(),
  /** Always the last event of a turn. */
  z.object({ ...base, type: z.literal('done'), finishReason: FinishReasonSchema, usage: UsageSchema.optional() }).strict(),
]);
export type StreamEvent = z.infer<typeof StreamEventSchema>;
export type StreamEventType = StreamEvent['type'];
/** An event before the log assigns its sequence number and timestamp. */
export type StreamEventDraft = StreamEvent extends infer E ? (E extends StreamEvent ? Omit<E, 'seq' | 'ts'> : never) : never;

export function isTerminalEvent(event: StreamEvent): event is Extract<StreamEvent, { type: 'done' }> {
  return event.type === 'done';
}

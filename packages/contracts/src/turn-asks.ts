import { z } from 'zod';
import { ServerIdSchema } from './ids.js';

/**
 * What a turn asks a person, and how the person answers. Two kinds of ask:
 * - an **approval**: the model wants to call a tool whose policy (tool-approval.ts) needs a
 *   person's yes; the turn pauses (no worker, no MCP call held) until every approval of the round
 *   is answered or they expire, then any worker resumes it;
 * - an **elicitation**: an MCP server asked the user for input (`elicitation/create`) in the
 *   middle of a tool call; the call waits in the pool for the answer.
 * Both are answered through `POST /v1/turns/{turn_id}/answers` (or the WebSocket `answer` frame),
 * only by the turn's owner, once, before `expiresAt`.
 */

/** An ask's id: unique within its turn, chosen by the platform. */
export const AskIdSchema = z.string().regex(/^ask_[A-Za-z0-9_-]{8,64}$/, 'not an ask id');

/** A tool call waiting for a person's approval. */
export const ApprovalAskSchema = z
  .object({
    kind: z.literal('approval'),
    id: AskIdSchema,
    toolUseId: z.string(),
    /** The model-facing tool name (as in tool_call events). */
    name: z.string(),
    serverId: ServerIdSchema,
    /** The tool's own name on its MCP server. */
    toolName: z.string(),
    /** The arguments the model asked for. */
    input: z.unknown(),
    /** Which policy asked for approval, in words. */
    reason: z.string(),
  })
  .strict();
export type ApprovalAsk = z.infer<typeof ApprovalAskSchema>;

/**
 * The restricted JSON Schema an MCP server may send with `elicitation/create` (an object of
 * primitive properties); kept as the server sent it, the client renders it.
 */
export const ElicitationSchemaSchema = z
  .object({
    type: z.literal('object'),
    properties: z.record(z.string(), z.record(z.string(), z.unknown())),
    required: z.array(z.string()).optional(),
  })
  .passthrough();
export type ElicitationSchema = z.infer<typeof ElicitationSchemaSchema>;

/** An MCP server's request for the user's input, during a tool call. */
export const ElicitationAskSchema = z
  .object({
    kind: z.literal('elicitation'),
    id: AskIdSchema,
    /** The tool call during which the server asked. */
    toolUseId: z.string(),
    serverId: ServerIdSchema,
    message: z.string(),
    requestedSchema: ElicitationSchemaSchema,
  })
  .strict();
export type ElicitationAsk = z.infer<typeof ElicitationAskSchema>;

export const TurnAskSchema = z.discriminatedUnion('kind', [ApprovalAskSchema, ElicitationAskSchema]);
export type TurnAsk = z.infer<typeof TurnAskSchema>;

/** A person's answer to an approval. */
export const ApprovalAnswerSchema = z
  .object({
    id: AskIdSchema,
    decision: z.enum(['approve', 'deny']),
    /** With approve: the arguments to run the tool with instead of the model's (the model is told). */
    arguments: z.record(z.string(), z.unknown()).optional(),
    /** Passed to the model with the tool's result (approve) or the denial (deny). */
    message: z.string().max(4000).optional(),
    /**
     * With approve: `conversation` approves every later call of this tool in the request's
     * `conversation_id` (or, without one, in the rest of this turn).
     */
    remember: z.enum(['conversation']).optional(),
  })
  .strict()
  .refine((answer) => answer.decision === 'approve' || (answer.arguments === undefined && answer.remember === undefined), {
    message: 'arguments and remember go only with decision "approve"',
  });
export type ApprovalAnswer = z.infer<typeof ApprovalAnswerSchema>;

/** A person's answer to an elicitation, as MCP's ElicitResult: accept (with content), decline or cancel. */
export const ElicitationAnswerSchema = z
  .object({
    id: AskIdSchema,
    action: z.enum(['accept', 'decline', 'cancel']),
    /** With accept: the form's values, checked by the client against the requested schema. */
    content: z.record(z.string(), z.union([z.string().max(10_000), z.number(), z.boolean(), z.array(z.string().max(1000)).max(100)])).optional(),
  })
  .strict()
  .refine((answer) => answer.action === 'accept' || answer.content === undefined, { message: 'content goes only with action "accept"' });
export type ElicitationAnswer = z.infer<typeof ElicitationAnswerSchema>;

/** The answers of one call; at least one. */
export const TurnAnswersSchema = z
  .object({
    approvals: z.array(ApprovalAnswerSchema).max(100).default([]),
    elicitations: z.array(ElicitationAnswerSchema).max(100).default([]),
  })
  .strict();
export type TurnAnswers = z.infer<typeof TurnAnswersSchema>;
export type TurnAnswersInput = z.input<typeof TurnAnswersSchema>;

/** How an ask ended, as the `ask_answered` event tells. */
export const AskOutcomeSchema = z.enum(['approved', 'denied', 'accepted', 'declined', 'cancelled', 'expired']);
export type AskOutcome = z.infer<typeof AskOutcomeSchema>;

/**
 * OpenAI dialect extension: an ask as an item of `approval_requests` on a chunk's choice (stream)
 * or on the message (non-stream), with `finish_reason: "approval_required"`. The shape follows the
 * Responses API's `mcp_approval_request` (`server_label`, `name`, JSON-string `arguments`).
 */
export const OpenAiApprovalRequestSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('mcp_approval_request'),
    id: AskIdSchema,
    server_label: z.string(),
    name: z.string(),
    arguments: z.string(),
    reason: z.string(),
    /** epoch seconds */
    expires_at: z.number().int(),
  }),
  z.object({
    type: z.literal('mcp_elicitation_request'),
    id: AskIdSchema,
    server_label: z.string(),
    message: z.string(),
    requested_schema: ElicitationSchemaSchema,
    /** epoch seconds */
    expires_at: z.number().int(),
  }),
]);
export type OpenAiApprovalRequest = z.infer<typeof OpenAiApprovalRequestSchema>;

/** The OpenAI-dialect finish reason of a response that stops at asks; the answers call continues it. */
export const APPROVAL_REQUIRED_FINISH_REASON = 'approval_required';

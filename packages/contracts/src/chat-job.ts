import { z } from 'zod';
import { ChatMessageSchema } from './chat-request.js';
import { ClientToolSchema, ResponseFormatSchema, ToolChoiceSchema } from './client-tools.js';
import { ConversationIdSchema, ServerIdSchema, TurnIdSchema, UserIdSchema } from './ids.js';
import { RequestServerSchema } from './request-mcp-server.js';
import { ApprovalPolicySchema } from './tool-approval.js';

export const CHAT_QUEUE_NAME = 'chat';

/** The BullMQ job a gateway enqueues for one chat turn: everything a worker needs. */
export const ChatJobSchema = z
  .object({
    turnId: TurnIdSchema,
    userId: UserIdSchema,
    model: z.string().min(1),
    /** With keepSession: only [system?, latest user] (or the trailing tool messages); the worker prepends the stored history. */
    messages: z.array(ChatMessageSchema).min(1),
    mcpServerIds: z.array(ServerIdSchema),
    /**
     * The request's own remote MCP servers (its `mcp` tools), run for this turn only. Their headers
     * and tokens are sealed (RequestServerSchema): no log or event shows them, nor the job in Redis.
     */
    requestServers: z.array(RequestServerSchema).optional(),
    /** The request's own function tools: a call to one ends the turn (`tool_use`) for the client to run. */
    clientTools: z.array(ClientToolSchema).optional(),
    /** The request's `tool_choice`, for the turn's first model call. */
    toolChoice: ToolChoiceSchema.optional(),
    /** The request's `response_format` (not `text`), for providers that support it. */
    responseFormat: ResponseFormatSchema.optional(),
    keepSession: z.boolean(),
    maxTokens: z.number().int().positive(),
    temperature: z.number().min(0).max(2).optional(),
    topP: z.number().min(0).max(1).optional(),
    topK: z.number().int().min(0).optional(),
    stopSequences: z.array(z.string()).max(4).optional(),
    thinking: z.object({ enabled: z.boolean(), budgetTokens: z.number().int().min(1024) }).strict(),
    onlyNMostRecentImages: z.number().int().min(0),
    /** The request's `extra_params.prompt_caching`; absent: the model's default. */
    promptCaching: z.boolean().optional(),
    /** The request's `require_approval`; absent: only the servers' own policies apply. */
    requireApproval: ApprovalPolicySchema.optional(),
    /**
     * The request's `conversation_id`: the conversation the turn continues and is recorded in, where
     * tools approved "for this conversation" are remembered. Absent with keepSession: the user's
     * default conversation (DEFAULT_CONVERSATION_ID); absent without it: the turn is recorded nowhere.
     */
    conversationId: ConversationIdSchema.optional(),
    /** The request's `replace_last`: drop the conversation's last exchange before this one. */
    replaceLast: z.boolean().optional(),
    /** epoch ms */
    createdAt: z.number(),
  })
  .strict();
export type ChatJob = z.infer<typeof ChatJobSchema>;

import { z } from 'zod';
import { ChatMessageSchema } from './chat-request.js';
import { ConversationIdSchema, ServerIdSchema, TurnIdSchema, UserIdSchema } from './ids.js';
import { ApprovalPolicySchema } from './tool-approval.js';

export const CHAT_QUEUE_NAME = 'chat';

/** The BullMQ job a gateway enqueues for one chat turn: everything a worker needs. */
export const ChatJobSchema = z
  .object({
    turnId: TurnIdSchema,
    userId: UserIdSchema,
    model: z.string().min(1),
    /** With keepSession: only [system?, latest user]; the worker prepends the stored history. */
    messages: z.array(ChatMessageSchema).min(1),
    mcpServerIds: z.array(ServerIdSchema),
    keepSession: z.boolean(),
    maxTokens: z.number().int().positive(),
    temperature: z.number().min(0).max(2).optional(),
    topP: z.number().min(0).max(1).optional(),
    topK: z.number().int().min(0).optional(),
    stopSequences: z.array(z.string()).max(4).optional(),
    thinking: z.object({ enabled: z.boolean(), budgetTokens: z.number().int().min(1024) }).strict(),
    onlyNMostRecentImages: z.number().int().min(0),
    /** The request's `require_approval`; absent: only the servers' own policies apply. */
    requireApproval: ApprovalPolicySchema.optional(),
    /** The request's `conversation_id`: where tools approved "for this conversation" are remembered. */
    conversationId: ConversationIdSchema.optional(),
    /** epoch ms */
    createdAt: z.number(),
  })
  .strict();
export type ChatJob = z.infer<typeof ChatJobSchema>;

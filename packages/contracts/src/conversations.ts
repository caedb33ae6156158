import { z } from 'zod';
import { ConversationIdSchema, ServerIdSchema, TurnIdSchema } from './ids.js';
import { FinishReasonSchema, TurnErrorCodeSchema, UsageSchema } from './stream-events.js';
import { AskOutcomeSchema, TurnAskSchema } from './turn-asks.js';

/**
 * Conversations: a user's chats kept server-side (`/v1/conversations`), continued by chat
 * completions that carry `conversation_id` (or `keep_session` without one: the user's default
 * conversation, `DEFAULT_CONVERSATION_ID`). The resource is the same in the store and on the API:
 * snake_case fields, times in epoch milliseconds. Bytes (images, documents, binary tool results)
 * are not inline: a part holds a `BlobRef`, read through `GET /v1/conversations/{id}/blobs/{blob_id}`.
 */

/** The conversation `keep_session` without a `conversation_id` continues (and voice). */
export const DEFAULT_CONVERSATION_ID = 'default';

/** A blob's id: the SHA-256 of its bytes, lowercase hex (the same bytes are kept once per conversation). */
export const BlobIdSchema = z.string().regex(/^[0-9a-f]{64}$/, 'not a blob id');

export const BlobRefSchema = z
  .object({
    blob_id: BlobIdSchema,
    /** e.g. image/png, application/pdf */
    media_type: z.string().min(1).max(255),
    bytes: z.number().int().min(0),
  })
  .strict();
export type BlobRef = z.infer<typeof BlobRefSchema>;

/** One part of a tool's result as kept: bytes by reference. */
export const ConversationToolResultPartSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text'), text: z.string() }).strict(),
  z.object({ type: z.literal('image'), blob: BlobRefSchema }).strict(),
  z
    .object({
      type: z.literal('resource'),
      uri: z.string(),
      mime_type: z.string().optional(),
      text: z.string().optional(),
      blob: BlobRefSchema.optional(),
    })
    .strict(),
]);
export type ConversationToolResultPart = z.infer<typeof ConversationToolResultPartSchema>;

/**
 * How a tool call of the answer ended. `cancelled`: stopped, denied or expired before it ran.
 * `client`: one of the request's own function tools, handed to the caller to run (the turn ended
 * with `tool_calls`); its result is in the next message, the turn that continues with it.
 */
export const ConversationToolStatusSchema = z.enum(['done', 'error', 'cancelled', 'client']);

export const ConversationPartSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text'), text: z.string() }).strict(),
  /** The model's reasoning; `redacted`: the provider sent it encrypted, `text` is empty. */
  z.object({ type: z.literal('thinking'), text: z.string(), redacted: z.boolean().default(false) }).strict(),
  /** An image the user attached. */
  z.object({ type: z.literal('image'), blob: BlobRefSchema, name: z.string().max(255).optional() }).strict(),
  /** A document the user attached (`format`: pdf, csv, txt, …). */
  z.object({ type: z.literal('document'), blob: BlobRefSchema, name: z.string().max(255), format: z.string().max(20) }).strict(),
  z
    .object({
      type: z.literal('tool_call'),
      tool_use_id: z.string(),
      /** The model-facing tool name. */
      name: z.string(),
      server_id: ServerIdSchema.optional(),
      /** The tool's own name on its MCP server. */
      tool_name: z.string().optional(),
      input: z.unknown(),
      status: ConversationToolStatusSchema,
      result: z
        .object({
          content: z.array(ConversationToolResultPartSchema),
          is_error: z.boolean(),
          duration_ms: z.number().min(0).optional(),
        })
        .strict()
        .optional(),
    })
    .strict(),
  /** Something the turn asked the person (an approval, an elicitation) and how it ended. */
  z.object({ type: z.literal('ask'), ask: TurnAskSchema, outcome: AskOutcomeSchema.optional(), edited: z.boolean().optional() }).strict(),
]);
export type ConversationPart = z.infer<typeof ConversationPartSchema>;

export const ConversationMessageIdSchema = z.string().regex(/^msg_[A-Za-z0-9_-]{8,64}$/, 'not a message id');

export const ConversationMessageSchema = z
  .object({
    id: ConversationMessageIdSchema,
    role: z.enum(['user', 'assistant']),
    /** epoch ms */
    created_at: z.number(),
    /** The turn that wrote it (both the user message and the answer of one turn carry it). */
    turn_id: TurnIdSchema.optional(),
    /** The model that answered (assistant messages). */
    model: z.string().optional(),
    parts: z.array(ConversationPartSchema),
    finish_reason: FinishReasonSchema.optional(),
    usage: UsageSchema.optional(),
    error: z.object({ code: TurnErrorCodeSchema, message: z.string() }).strict().optional(),
  })
  .strict();
export type ConversationMessage = z.infer<typeof ConversationMessageSchema>;

/** Where a conversation's title came from: the first user message until the model named it, the model, or the user (never overwritten by the model). */
export const TitleSourceSchema = z.enum(['first_message', 'model', 'user']);
export type TitleSource = z.infer<typeof TitleSourceSchema>;

export const ConversationTitleSchema = z.string().trim().min(1).max(200);

export const ConversationSummarySchema = z
  .object({
    id: ConversationIdSchema,
    object: z.literal('conversation'),
    title: z.string(),
    title_source: TitleSourceSchema,
    /** epoch ms */
    created_at: z.number(),
    /** epoch ms: the last message or change */
    updated_at: z.number(),
    /** The model of the last turn (or the one set on create/update). */
    model: z.string().nullable(),
    /** The MCP servers the last turn used (or those set on create/update). */
    mcp_server_ids: z.array(ServerIdSchema),
    message_count: z.number().int().min(0),
    /** Bytes kept: messages and blobs. A conversation at CONVERSATION_MAX_BYTES takes no new turn. */
    size_bytes: z.number().int().min(0),
    /** The turn running in the conversation now (resume its stream), or null. */
    active_turn_id: TurnIdSchema.nullable(),
  })
  .strict();
export type ConversationSummary = z.infer<typeof ConversationSummarySchema>;

/** `GET /v1/conversations/{id}`: the summary and a page of messages, oldest first. */
export const ConversationSchema = ConversationSummarySchema.extend({
  messages: z.array(ConversationMessageSchema),
  /** Index (0-based, in the whole conversation) of `messages[0]`; 0 when the page reaches the start. */
  first_index: z.number().int().min(0),
}).strict();
export type Conversation = z.infer<typeof ConversationSchema>;

/** `GET /v1/conversations`: newest first. `q`: case-insensitive text in the title or any message's text. */
export const ListConversationsQuerySchema = z
  .object({
    limit: z.coerce.number().int().min(1).max(100).default(20),
    /** `next_cursor` of the page before. */
    cursor: z.string().max(500).optional(),
    q: z.string().trim().max(200).optional(),
  })
  .strict();
export type ListConversationsQuery = z.infer<typeof ListConversationsQuerySchema>;

export const ConversationListSchema = z
  .object({
    object: z.literal('list'),
    data: z.array(ConversationSummarySchema),
    /** Pass as `cursor` for the next page; null on the last. */
    next_cursor: z.string().nullable(),
  })
  .strict();
export type ConversationList = z.infer<typeof ConversationListSchema>;

/** `GET /v1/conversations/{id}`: the last `message_limit` messages before index `before` (default: the end). */
export const GetConversationQuerySchema = z
  .object({
    message_limit: z.coerce.number().int().min(1).max(5000).default(200),
    before: z.coerce.number().int().min(0).optional(),
  })
  .strict();
export type GetConversationQuery = z.infer<typeof GetConversationQuerySchema>;

/** `POST /v1/conversations`: a new, empty conversation; `id` the client's (for offline-first clients) or made by the platform. */
export const CreateConversationRequestSchema = z
  .object({
    id: ConversationIdSchema.optional(),
    title: ConversationTitleSchema.optional(),
    model: z.string().min(1).max(256).optional(),
    mcp_server_ids: z.array(ServerIdSchema).max(50).optional(),
  })
  .strict();
export type CreateConversationRequest = z.infer<typeof CreateConversationRequestSchema>;

/** `PATCH /v1/conversations/{id}`: rename, or change the model and servers the next turn defaults to. */
export const UpdateConversationRequestSchema = z
  .object({
    title: ConversationTitleSchema.optional(),
    model: z.string().min(1).max(256).optional(),
    mcp_server_ids: z.array(ServerIdSchema).max(50).optional(),
  })
  .strict()
  .refine((body) => Object.keys(body).length > 0, { message: 'change at least one of title, model, mcp_server_ids' });
export type UpdateConversationRequest = z.infer<typeof UpdateConversationRequestSchema>;

export const ExportFormatSchema = z.enum(['json', 'markdown']);
export type ExportFormat = z.infer<typeof ExportFormatSchema>;
/** `GET /v1/conversations/{id}/export`: the whole conversation as a download. JSON is `Conversation` with every message. */
export const ExportConversationQuerySchema = z.object({ format: ExportFormatSchema.default('json') }).strict();

export const ConversationParamsSchema = z.object({ conversation_id: ConversationIdSchema });
export const ConversationBlobParamsSchema = z.object({ conversation_id: ConversationIdSchema, blob_id: BlobIdSchema });

/**
 * What changed in a user's conversations, published by whoever changed it (gateway: created,
 * renamed, deleted, a turn started; worker: messages added, titled) and relayed to every chat
 * WebSocket of that user as a `conversation` frame, so a second device sees it.
 */
export const ConversationChangeKindSchema = z.enum(['created', 'updated', 'deleted', 'turn_started', 'messages_added']);
export type ConversationChangeKind = z.infer<typeof ConversationChangeKindSchema>;

export const ConversationChangeSchema = z
  .object({
    user_id: z.string().min(1),
    conversation_id: ConversationIdSchema,
    change: ConversationChangeKindSchema,
    /** turn_started / messages_added: the turn. */
    turn_id: TurnIdSchema.optional(),
    /** epoch ms */
    at: z.number(),
  })
  .strict();
export type ConversationChange = z.infer<typeof ConversationChangeSchema>;

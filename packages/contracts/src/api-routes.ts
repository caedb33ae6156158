import { z } from 'zod';
import { ApiKeyListResponseSchema, AUTH_PATHS, AuthConfigResponseSchema, CreateApiKeyRequestSchema, CreateApiKeyResponseSchema, MeResponseSchema } from './auth.js';
import { ChatCompletionRequestSchema, StreamFormatSchema } from './chat-request.js';
import { ChatCompletionChunkSchema, ChatCompletionSchema } from './chat-response.js';
import {
  ConversationBlobParamsSchema,
  ConversationListSchema,
  ConversationParamsSchema,
  ConversationSchema,
  ConversationSummarySchema,
  CreateConversationRequestSchema,
  ExportConversationQuerySchema,
  GetConversationQuerySchema,
  ListConversationsQuerySchema,
  UpdateConversationRequestSchema,
} from './conversations.js';
import { ServerIdSchema } from './ids.js';
import {
  AddMcpServerRequestSchema,
  ListMcpServersResponseSchema,
  ListModelsResponseLenientSchema,
  ListModelsResponseSchema,
  McpServerDetailListResponseSchema,
  McpServerListLenientSchema,
  McpServerToolsResponseSchema,
  OpenAiModelListSchema,
  RemoveHistoryRequestSchema,
  SeedResponseSchema,
} from './management.js';
import { defineRoute, type RouteDefinition } from './route.js';
import { TurnAnswersSchema } from './turn-asks.js';
import { VoiceTicketRequestSchema, VoiceTicketResponseSchema } from './voice-frames.js';

/**
 * One route of the gateway's public API. `access`: `public` routes need no credential (docs,
 * sign-in); `user` routes act for an authenticated user. `dialect: 'seed'` marks the routes the
 * platform keeps for the seed's clients (its paths and its `{errno, msg, data}` envelope).
 * `events`: the `data` of each Server-Sent Event, for a route that streams (`answer: 'sse'`) or
 * may stream on request (chat completions with `stream: true`).
 */
export interface ApiRouteDefinition extends RouteDefinition {
  readonly access: 'public' | 'user';
  readonly dialect?: 'seed';
  readonly events?: z.ZodType;
  /**
   * How a client reads the `response`, where it must accept less than this gateway sends (older
   * gateways, the seed's own server): the response's schema with documented defaults.
   */
  readonly lenientResponse?: z.ZodType;
}

function apiRoute<const R extends ApiRouteDefinition>(route: R): R {
  return defineRoute(route);
}

/** `GET /v1/chat/completions/{turn_id}/stream`: where to resume and in which dialect. */
export const ResumeStreamQuerySchema = z.object({
  after: z.coerce.number().int().min(0).optional(),
  stream_format: StreamFormatSchema.optional(),
  include_usage: z.enum(['true', 'false', '1', '0']).optional(),
});
export type ResumeStreamQuery = z.infer<typeof ResumeStreamQuerySchema>;

/**
 * `POST /v1/turns/{turn_id}/approvals`: the answers, and how to return the rest of the turn's
 * response (as the chat completion that stopped with `finish_reason: "approval_required"` would have).
 */
export const TurnAnswersRequestSchema = TurnAnswersSchema.extend({
  stream: z.boolean().default(false),
  stream_options: z.object({ include_usage: z.boolean().default(false) }).nullish(),
  stream_format: StreamFormatSchema.optional(),
}).refine((body) => body.approvals.length + body.elicitations.length > 0, { message: 'answer at least one approval or elicitation', path: ['approvals'] });
export type TurnAnswersRequest = z.infer<typeof TurnAnswersRequestSchema>;

/** The turn a stream or stop route names (its `X-Stream-ID`); ownership is checked by the gateway. */
const TurnParamsSchema = z.object({ turn_id: z.string() });
const ServerParamsSchema = z.object({ server_id: ServerIdSchema });

/**
 * Every HTTP route of the gateway's public API. The gateway serves exactly these (a test checks
 * both ways), the OpenAPI document describes them and the web client calls them. Not in here:
 * `/healthz`, `/readyz`, `/metrics` (the ops handler), the WebSockets `/ws/chat` and
 * `/ws/user-audio`, and Swagger UI's static files under `/docs/`.
 */
export const API_ROUTES = {
  openApiDocument: apiRoute({ method: 'GET', path: '/openapi.json', summary: 'This document', access: 'public', answer: 'json' }),
  docs: apiRoute({ method: 'GET', path: '/docs', summary: 'API documentation (Swagger UI)', access: 'public', answer: 'html' }),

  authConfig: apiRoute({ method: 'GET', path: AUTH_PATHS.config, summary: 'How people sign in here', access: 'public', answer: 'json', response: AuthConfigResponseSchema }),
  authLogin: apiRoute({ method: 'GET', path: AUTH_PATHS.login, summary: 'Sign in', access: 'public', answer: 'redirect', status: 303 }),
  authCallback: apiRoute({ method: 'GET', path: AUTH_PATHS.callback, summary: 'Where the identity provider sends the browser back', access: 'public', answer: 'redirect', status: 303 }),
  authLogout: apiRoute({ method: 'POST', path: AUTH_PATHS.logout, summary: 'Sign out this browser', access: 'public', answer: 'none', status: 204 }),
  authLogoutAll: apiRoute({ method: 'POST', path: AUTH_PATHS.logoutAll, summary: 'Sign out everywhere', access: 'public', answer: 'none', status: 204 }),

  me: apiRoute({ method: 'GET', path: '/v1/me', summary: 'Who am I', access: 'user', answer: 'json', response: MeResponseSchema }),
  listApiKeys: apiRoute({ method: 'GET', path: '/v1/keys', summary: 'The caller’s personal API keys', access: 'user', answer: 'json', response: ApiKeyListResponseSchema }),
  createApiKey: apiRoute({
    method: 'POST',
    path: '/v1/keys',
    summary: 'Create a personal API key',
    access: 'user',
    request: CreateApiKeyRequestSchema,
    answer: 'json',
    response: CreateApiKeyResponseSchema,
    status: 201,
  }),
  // Any string: a malformed id answers 404 like an unknown one (the gateway checks ApiKeyIdSchema).
  revokeApiKey: apiRoute({
    method: 'DELETE',
    path: '/v1/keys/:key_id',
    summary: 'Revoke one of the caller’s personal API keys',
    access: 'user',
    params: z.object({ key_id: z.string() }),
    answer: 'none',
    status: 204,
  }),

  chatCompletions: apiRoute({
    method: 'POST',
    path: '/v1/chat/completions',
    summary: 'Chat completion (OpenAI-compatible, with the seed’s extensions)',
    access: 'user',
    request: ChatCompletionRequestSchema,
    answer: 'json',
    response: ChatCompletionSchema,
    events: ChatCompletionChunkSchema,
  }),
  resumeStream: apiRoute({
    method: 'GET',
    path: '/v1/chat/completions/:turn_id/stream',
    summary: 'Resume a turn’s stream',
    access: 'user',
    params: TurnParamsSchema,
    query: ResumeStreamQuerySchema,
    answer: 'sse',
    events: ChatCompletionChunkSchema,
  }),
  answerTurn: apiRoute({
    method: 'POST',
    path: '/v1/turns/:turn_id/approvals',
    summary: 'Answer a turn’s approval and elicitation requests, and continue its response',
    access: 'user',
    params: TurnParamsSchema,
    request: TurnAnswersRequestSchema,
    answer: 'json',
    response: ChatCompletionSchema,
    events: ChatCompletionChunkSchema,
  }),
  stopStream: apiRoute({
    method: 'POST',
    path: '/v1/stop/stream/:stream_id',
    summary: 'Stop a turn',
    access: 'user',
    dialect: 'seed',
    params: z.object({ stream_id: z.string() }),
    answer: 'json',
    response: SeedResponseSchema,
  }),

  models: apiRoute({ method: 'GET', path: '/v1/models', summary: 'Models (OpenAI list)', access: 'user', answer: 'json', response: OpenAiModelListSchema }),
  seedListModels: apiRoute({
    method: 'GET',
    path: '/v1/list/models',
    summary: 'Models (the seed’s list)',
    access: 'user',
    dialect: 'seed',
    answer: 'json',
    response: ListModelsResponseSchema,
    lenientResponse: ListModelsResponseLenientSchema,
  }),
  seedListMcpServers: apiRoute({
    method: 'GET',
    path: '/v1/list/mcp_server',
    summary: 'MCP servers the user may enable (global and own)',
    access: 'user',
    dialect: 'seed',
    answer: 'json',
    response: ListMcpServersResponseSchema,
    lenientResponse: McpServerListLenientSchema,
  }),
  mcpServers: apiRoute({
    method: 'GET',
    path: '/v1/mcp_servers',
    summary: 'MCP servers with live status (for the web UI)',
    access: 'user',
    answer: 'json',
    response: McpServerDetailListResponseSchema,
    lenientResponse: McpServerListLenientSchema,
  }),
  mcpServerTools: apiRoute({
    method: 'GET',
    path: '/v1/mcp_servers/:server_id/tools',
    summary: 'The tools of one MCP server (starting it when needed)',
    access: 'user',
    params: ServerParamsSchema,
    answer: 'json',
    response: McpServerToolsResponseSchema,
  }),
  addMcpServer: apiRoute({
    method: 'POST',
    path: '/v1/add/mcp_server',
    summary: 'Add an MCP server (fields, or `config_json` `{"mcpServers":{…}}`)',
    access: 'user',
    dialect: 'seed',
    request: AddMcpServerRequestSchema,
    answer: 'json',
    response: McpServerToolsResponseSchema,
  }),
  removeMcpServer: apiRoute({
    method: 'DELETE',
    path: '/v1/remove/mcp_server/:server_id',
    summary: 'Remove one of the user’s MCP servers',
    access: 'user',
    dialect: 'seed',
    params: ServerParamsSchema,
    answer: 'json',
    response: SeedResponseSchema,
  }),
  removeHistory: apiRoute({
    method: 'POST',
    path: '/v1/remove/history',
    summary: 'Clear the server-side history (keep_session)',
    access: 'user',
    dialect: 'seed',
    request: RemoveHistoryRequestSchema,
    answer: 'json',
    response: SeedResponseSchema,
  }),

  listConversations: apiRoute({
    method: 'GET',
    path: '/v1/conversations',
    summary: 'The caller’s conversations, newest first (paged, searchable)',
    access: 'user',
    query: ListConversationsQuerySchema,
    answer: 'json',
    response: ConversationListSchema,
  }),
  createConversation: apiRoute({
    method: 'POST',
    path: '/v1/conversations',
    summary: 'Start a conversation',
    access: 'user',
    request: CreateConversationRequestSchema,
    answer: 'json',
    response: ConversationSummarySchema,
    status: 201,
  }),
  getConversation: apiRoute({
    method: 'GET',
    path: '/v1/conversations/:conversation_id',
    summary: 'A conversation with its latest messages',
    access: 'user',
    params: ConversationParamsSchema,
    query: GetConversationQuerySchema,
    answer: 'json',
    response: ConversationSchema,
  }),
  updateConversation: apiRoute({
    method: 'PATCH',
    path: '/v1/conversations/:conversation_id',
    summary: 'Rename a conversation, or change its model and servers',
    access: 'user',
    params: ConversationParamsSchema,
    request: UpdateConversationRequestSchema,
    answer: 'json',
    response: ConversationSummarySchema,
  }),
  deleteConversation: apiRoute({
    method: 'DELETE',
    path: '/v1/conversations/:conversation_id',
    summary: 'Delete a conversation: its messages, files, history and approvals (a running turn is stopped)',
    access: 'user',
    params: ConversationParamsSchema,
    answer: 'none',
    status: 204,
  }),
  exportConversation: apiRoute({
    method: 'GET',
    path: '/v1/conversations/:conversation_id/export',
    summary: 'Download a conversation as JSON or Markdown',
    access: 'user',
    params: ConversationParamsSchema,
    query: ExportConversationQuerySchema,
    answer: 'file',
  }),
  conversationBlob: apiRoute({
    method: 'GET',
    path: '/v1/conversations/:conversation_id/blobs/:blob_id',
    summary: 'An image or file of a conversation',
    access: 'user',
    params: ConversationBlobParamsSchema,
    answer: 'file',
  }),

  voiceTicket: apiRoute({
    method: 'POST',
    path: '/v1/voice/ticket',
    summary: 'A ticket for the voice WebSocket',
    access: 'user',
    request: VoiceTicketRequestSchema,
    answer: 'json',
    response: VoiceTicketResponseSchema,
  }),
} as const satisfies Record<string, ApiRouteDefinition>;

export type ApiRouteName = keyof typeof API_ROUTES;
export type ApiRoute = (typeof API_ROUTES)[ApiRouteName];

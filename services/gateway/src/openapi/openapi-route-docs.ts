import type { ApiRouteName } from '@bedrock-mcp/contracts';

type JsonObject = Record<string, unknown>;
export type ErrorBodyName = 'OpenAiErrorBody' | 'ManagementErrorBody';

/** What the OpenAPI document says about a route beyond its table entry (method, path, summary, schemas, success status). */
export interface RouteDocs {
  description?: string;
  /** Tags of the operation (the sign-in routes are grouped). */
  tags?: string[];
  /** Each `:name` of the path: its description. */
  pathParams?: Record<string, string>;
  /** Header and query parameters, listed after X-User-ID and the path's parameters. */
  parameters?: JsonObject[];
  /** Whether the body must be sent; default true (for a route with a `request` schema). */
  bodyRequired?: boolean;
  /** The success answer's description. */
  success: string;
  /** A `file` route's body per media type: a component's name (JSON), `text`, or `binary`. */
  files?: Record<string, string>;
  successHeaders?: JsonObject;
  /** The failures answered in one of the error bodies, by HTTP status. */
  errors?: { body: ErrorBodyName; statuses: number[] };
  /** Other answers as they are (sign-in pages, redirects): description, and the error body when there is one. */
  responses?: Record<string, { description: string; body?: ErrorBodyName }>;
}

const openAiErrors = (...statuses: number[]) => ({ body: 'OpenAiErrorBody' as const, statuses });
const managementErrors = (...statuses: number[]) => ({ body: 'ManagementErrorBody' as const, statuses });
const SIGN_IN = ['sign-in'];
const CSRF_FAILED = { '403': { description: 'csrf_failed', body: 'OpenAiErrorBody' as const } };

/** One entry per route of API_ROUTES (the type makes it complete). */
export const ROUTE_DOCS: Record<ApiRouteName, RouteDocs> = {
  openApiDocument: { success: 'OpenAPI 3.1' },
  docs: { success: 'HTML' },

  authConfig: { tags: SIGN_IN, success: '`oidc` or `local`' },
  authLogin: {
    description:
      'oidc: redirects to the identity provider (authorization code flow, PKCE S256). local: starts a session for LOCAL_USER_ID and redirects to `return_to`. ' +
      '`return_to` must be a path on this origin (else /chat/).',
    tags: SIGN_IN,
    success: 'to the provider, or to return_to',
    responses: { '503': { description: 'the provider cannot be reached' } },
  },
  authCallback: {
    description: 'Sets the session cookie (a new id) and redirects to the return path; a refused sign-in gets an HTML page saying why.',
    tags: SIGN_IN,
    success: 'signed in',
    responses: {
      '400': { description: 'expired, replayed or failed sign-in' },
      '403': { description: 'the person may not sign in here (user claim, allowed domains or groups)' },
    },
  },
  authLogout: { description: 'Needs the session’s X-CSRF-Token; clears the cookie.', tags: SIGN_IN, success: 'signed out', responses: CSRF_FAILED },
  authLogoutAll: { description: 'Ends every session of the user. Needs the session’s X-CSRF-Token.', tags: SIGN_IN, success: 'signed out', responses: CSRF_FAILED },

  me: {
    description: 'The caller’s user id, display name and how it authenticated; a browser session also gets its `csrf_token` (send it as X-CSRF-Token on POST and DELETE).',
    success: 'ok',
    errors: openAiErrors(401),
  },
  listApiKeys: { success: 'ok (never the keys themselves)', errors: openAiErrors(401) },
  createApiKey: {
    description: 'The key acts only as the caller’s user and appears only in this answer (it is stored as a SHA-256 hash). Optional expiry in days.',
    success: 'created',
    errors: openAiErrors(400, 401, 403),
  },
  revokeApiKey: {
    description: 'Effective on the next request. Another user’s key answers 404 like an unknown one.',
    pathParams: { key_id: 'the key’s 12-hex-digit id' },
    success: 'revoked',
    errors: openAiErrors(401, 403, 404),
  },

  chatCompletions: {
    description:
      'With `stream: true` answers Server-Sent Events: `id: <seq>` + `data: <chat.completion.chunk>` … `data: [DONE]`, header `X-Stream-ID`. ' +
      'The seed’s exact dialect with `stream_format: "seed"` or header `X-Stream-Format: seed`. Without stream: one `chat.completion`. ' +
      '`require_approval` (the Responses API’s shape) names the MCP tools a person must approve; it adds to the policies the admin and the servers’ owners set and cannot lower them. ' +
      '`tools` entries `{"type": "mcp", server_label, server_url, headers?, authorization?, allowed_tools?, require_approval?}` (the Responses API’s shape) bring remote MCP servers for this request only: ' +
      'named `req-<server_label>`, reached over streamable HTTP with the headers (never logged nor in events), offering only `allowed_tools`, closed when the turn ends, never listed among the user’s servers. ' +
      'A `server_url` on a loopback, private or link-local address that MCP_ALLOWED_URL_RANGES does not allow is refused with 400 (`param` `tools[i].server_url`) before the turn starts. ' +
      'A call that needs approval pauses the turn: the response stops with `finish_reason: "approval_required"` and the asks in `approval_requests` ' +
      '(on the chunk’s choice, or on the message); answer them with `POST /v1/turns/{turn_id}/approvals`, which returns the rest of the response. ' +
      'An MCP server’s elicitation arrives the same way (`type: "mcp_elicitation_request"`). ' +
      '`conversation_id` continues a server-side conversation (`/v1/conversations`, created on first use): the platform keeps its history, so send only the system message and the new user message; ' +
      '`keep_session` without it continues the caller’s `default` conversation. `replace_last: true` replaces the conversation’s last exchange (edit and resend, or regenerate). ' +
      'One turn at a time per conversation: while a turn runs in it another is refused with 409 `conflict` naming the running turn (wait for its end, or stop it); ' +
      'a conversation at CONVERSATION_MAX_BYTES is refused with 409 `conflict` (start a new one). Turns in different conversations run in parallel. ' +
      '`conversation_id` also scopes “approve for this conversation”.',
    parameters: [{ name: 'X-Stream-Format', in: 'header', required: false, schema: { type: 'string', enum: ['openai', 'seed'] } }],
    success: 'a completion, or an SSE stream of chunks',
    successHeaders: { 'X-Stream-ID': { schema: { type: 'string' }, description: 'the turn id (for stop and resume)' } },
    errors: openAiErrors(400, 401, 403, 404, 409, 413, 429, 503, 504),
  },
  resumeStream: {
    description:
      'Replays the events after `Last-Event-ID` (or `?after=`) and then the live rest, for a running or just-finished turn of the caller; ' +
      'like the chat completion, it ends where the turn pauses for a person (`finish_reason: "approval_required"`).',
    pathParams: { turn_id: 'the X-Stream-ID of the turn' },
    parameters: [
      { name: 'Last-Event-ID', in: 'header', required: false, schema: { type: 'integer', minimum: 0 } },
      { name: 'after', in: 'query', required: false, schema: { type: 'integer', minimum: 0 } },
      { name: 'stream_format', in: 'query', required: false, schema: { type: 'string', enum: ['openai', 'seed'] } },
      { name: 'include_usage', in: 'query', required: false, schema: { type: 'boolean' } },
    ],
    success: 'SSE stream',
    errors: openAiErrors(401, 403, 404),
  },
  answerTurn: {
    description:
      'Answers the asks of a turn that stopped with `finish_reason: "approval_required"`: approve (optionally with edited `arguments`, a `message` to the model, ' +
      '`remember: "conversation"`) or deny each approval, accept (with `content`), decline or cancel each elicitation. All answers are recorded or none. ' +
      'Returns the rest of the turn’s response like the chat completion did: a `chat.completion`, or SSE chunks with `stream: true` (in the seed’s dialect with `stream_format: "seed"`); it may itself stop at the next asks. ' +
      'An answer that leaves some of the round’s approvals open returns at once with those still open (`finish_reason: "approval_required"`). ' +
      'Only the turn’s owner answers (403 otherwise); 404 for an unknown turn or ask, 409 for an ask answered already or expired, 400 for an answer of the wrong kind. ' +
      'Over the WebSocket the `answer` frame does the same (acknowledged by `answered`).',
    pathParams: { turn_id: 'the X-Stream-ID of the turn' },
    success: 'the rest of the response',
    successHeaders: { 'X-Stream-ID': { schema: { type: 'string' }, description: 'the turn id' } },
    errors: openAiErrors(400, 401, 403, 404, 409),
  },
  stopStream: {
    pathParams: { stream_id: 'the X-Stream-ID of the turn' },
    success: '`{"errno":0,"msg":"Stream stopping initiated"}`',
    errors: managementErrors(401, 403, 404),
  },

  models: { success: 'ok', errors: openAiErrors(401) },
  seedListModels: { success: 'ok', errors: openAiErrors(401) },
  seedListMcpServers: { success: 'ok', errors: managementErrors(401) },
  mcpServers: { description: 'At most MCP_SERVER_LISTINGS_PER_MINUTE per user (429 beyond).', success: 'ok', errors: managementErrors(401, 429) },
  mcpServerTools: {
    description: 'Counts with the adds against MCP_SERVER_STARTS_PER_MINUTE per user (429 beyond).',
    pathParams: { server_id: 'server id' },
    success: 'Bedrock toolSpecs',
    errors: managementErrors(400, 401, 404, 429, 502, 503, 504),
  },
  addMcpServer: {
    description:
      'Stores the server, starts it through the MCP pool and lists its tools (30 s); when it cannot start, the config is removed again. ' +
      'Counts with the tool listings against MCP_SERVER_STARTS_PER_MINUTE per user (429 beyond).',
    success: 'added; its tools',
    errors: managementErrors(400, 401, 403, 409, 429, 502, 503, 504),
  },
  removeMcpServer: { pathParams: { server_id: 'server id' }, success: 'removed', errors: managementErrors(400, 401, 403, 404) },
  removeHistory: {
    description:
      'Clears the caller\'s keep_session history: with `conversation_id`, that conversation\'s; without it (or without a body), the default conversation ' +
      '(keep_session turns without a `conversation_id`, and voice). A turn of that conversation running now does not write it back.',
    bodyRequired: false,
    success: '`{"errno":0,"msg":"removed history"}`',
    errors: managementErrors(400, 401),
  },

  listConversations: {
    description:
      'The caller’s conversations, most recently updated first, `limit` at a time; pass `next_cursor` as `cursor` for the next page. ' +
      '`q` keeps those whose title or any message’s text contains it (case-insensitive). `active_turn_id` names a turn running now (resume its stream).',
    parameters: [
      { name: 'limit', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 } },
      { name: 'cursor', in: 'query', required: false, schema: { type: 'string' }, description: 'the `next_cursor` of the page before (400 for any other)' },
      { name: 'q', in: 'query', required: false, schema: { type: 'string', maxLength: 200 }, description: 'text in the title or a message' },
    ],
    success: 'a page of conversations',
    errors: openAiErrors(400, 401),
  },
  createConversation: {
    description:
      'A new, empty conversation: `id` the client’s (letters, digits, `_`, `-`) or made here; `title`, `model` and `mcp_server_ids` optional. ' +
      'A chat completion with a new `conversation_id` creates one too. 409 when the caller already has one with that id (another user’s ids are theirs: no clash).',
    bodyRequired: false,
    success: 'the new conversation',
    errors: openAiErrors(400, 401, 409),
  },
  getConversation: {
    description:
      'The summary and the last `message_limit` messages (before index `before`, default the end), oldest first; `first_index` is the index of the first one, so ' +
      '`before=first_index` loads the page before. Images and files are `blob` references: read them at `/v1/conversations/{id}/blobs/{blob_id}`. ' +
      'Another user’s conversation answers 404 like an unknown one.',
    pathParams: { conversation_id: 'the conversation’s id' },
    parameters: [
      { name: 'message_limit', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 5000, default: 200 } },
      { name: 'before', in: 'query', required: false, schema: { type: 'integer', minimum: 0 }, description: 'messages before this index' },
    ],
    success: 'the conversation',
    errors: openAiErrors(400, 401, 404),
  },
  updateConversation: {
    description: 'Renames the conversation (`title_source` becomes `user`: the model never renames it again), or changes the model and servers its next turn defaults to.',
    pathParams: { conversation_id: 'the conversation’s id' },
    success: 'the conversation',
    errors: openAiErrors(400, 401, 404),
  },
  deleteConversation: {
    description:
      'Deletes the conversation for good: a turn running in it is stopped, its messages and files, its model history and the tools approved for it are removed. ' +
      '`default` is keep_session’s conversation. 404 when the caller has no such conversation.',
    pathParams: { conversation_id: 'the conversation’s id' },
    success: 'deleted',
    errors: openAiErrors(401, 404),
  },
  exportConversation: {
    description:
      'A download (`Content-Disposition: attachment`) of the whole conversation: `json` is the Conversation with every message; `markdown` a readable transcript ' +
      '(title, times, each message under a role heading, tool calls with arguments and results in fenced blocks, images as links to their blob route).',
    pathParams: { conversation_id: 'the conversation’s id' },
    parameters: [{ name: 'format', in: 'query', required: false, schema: { type: 'string', enum: ['json', 'markdown'], default: 'json' } }],
    success: 'the conversation as a file',
    files: { 'application/json': 'Conversation', 'text/markdown': 'text' },
    errors: openAiErrors(400, 401, 404),
  },
  conversationBlob: {
    description:
      'An image or file of the conversation, with its media type and `X-Content-Type-Options: nosniff`; only PNG, JPEG, GIF and WebP images show inline, ' +
      'anything else is an attachment. The id is the bytes’ SHA-256, so the answer is cacheable for good (privately).',
    pathParams: { conversation_id: 'the conversation’s id', blob_id: 'the SHA-256 of the bytes (64 lowercase hex digits)' },
    success: 'the bytes',
    files: { '*/*': 'binary' },
    errors: openAiErrors(400, 401, 404),
  },

  voiceTicket: {
    description:
      'A single-use ticket (valid `expires_in` seconds, VOICE_TICKET_TTL_S) that opens `/ws/user-audio` as the caller, so no API key goes into a URL. ' +
      'The voice (one of VOICE_IDS; default the first) and the MCP servers are checked now. Counts against the chat rate limit.',
    bodyRequired: false,
    success: 'the ticket',
    errors: openAiErrors(400, 401, 403, 429, 503),
  },
};

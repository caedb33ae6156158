import {
  AddMcpServerRequestSchema,
  ApiKeyListResponseSchema,
  AuthConfigResponseSchema,
  CreateApiKeyRequestSchema,
  CreateApiKeyResponseSchema,
  MeResponseSchema,
  ChatCompletionChunkSchema,
  ChatCompletionRequestSchema,
  ChatCompletionSchema,
  ListMcpServersResponseSchema,
  ListModelsResponseSchema,
  ManagementErrorBodySchema,
  McpServerDetailListResponseSchema,
  McpServerToolsResponseSchema,
  OpenAiErrorBodySchema,
  OpenAiModelListSchema,
  SeedResponseSchema,
  VOICE_CLOSE_CODES,
  VoiceClientFrameSchema,
  VoiceServerFrameSchema,
  VoiceTicketRequestSchema,
  VoiceTicketResponseSchema,
  WsClientFrameSchema,
  WsServerFrameSchema,
} from '@bedrock-mcp/contracts';
import { z } from 'zod';

type JsonObject = Record<string, unknown>;

/** Component name → schema, and whether the document describes its input (request) or output side. */
const COMPONENTS: Record<string, { schema: z.ZodType; io: 'input' | 'output' }> = {
  ChatCompletionRequest: { schema: ChatCompletionRequestSchema, io: 'input' },
  ChatCompletion: { schema: ChatCompletionSchema, io: 'output' },
  ChatCompletionChunk: { schema: ChatCompletionChunkSchema, io: 'output' },
  OpenAiModelList: { schema: OpenAiModelListSchema, io: 'output' },
  ListModelsResponse: { schema: ListModelsResponseSchema, io: 'output' },
  ListMcpServersResponse: { schema: ListMcpServersResponseSchema, io: 'output' },
  McpServerDetailListResponse: { schema: McpServerDetailListResponseSchema, io: 'output' },
  AddMcpServerRequest: { schema: AddMcpServerRequestSchema, io: 'input' },
  McpServerToolsResponse: { schema: McpServerToolsResponseSchema, io: 'output' },
  SeedResponse: { schema: SeedResponseSchema, io: 'output' },
  OpenAiErrorBody: { schema: OpenAiErrorBodySchema, io: 'output' },
  ManagementErrorBody: { schema: ManagementErrorBodySchema, io: 'output' },
  WsClientFrame: { schema: WsClientFrameSchema, io: 'input' },
  WsServerFrame: { schema: WsServerFrameSchema, io: 'output' },
  VoiceTicketRequest: { schema: VoiceTicketRequestSchema, io: 'input' },
  VoiceTicketResponse: { schema: VoiceTicketResponseSchema, io: 'output' },
  VoiceClientFrame: { schema: VoiceClientFrameSchema, io: 'input' },
  VoiceServerFrame: { schema: VoiceServerFrameSchema, io: 'output' },
  AuthConfigResponse: { schema: AuthConfigResponseSchema, io: 'output' },
  MeResponse: { schema: MeResponseSchema, io: 'output' },
  ApiKeyListResponse: { schema: ApiKeyListResponseSchema, io: 'output' },
  CreateApiKeyRequest: { schema: CreateApiKeyRequestSchema, io: 'input' },
  CreateApiKeyResponse: { schema: CreateApiKeyResponseSchema, io: 'output' },
};

const ref = (name: keyof typeof COMPONENTS) => ({ $ref: `#/components/schemas/${name}` });
const json = (name: keyof typeof COMPONENTS) => ({ 'application/json': { schema: ref(name) } });
const errors = (body: 'OpenAiErrorBody' | 'ManagementErrorBody', ...statuses: number[]) =>
  Object.fromEntries(statuses.map((status) => [String(status), { description: ERROR_TEXT[status] ?? 'error', content: json(body) }]));
const ERROR_TEXT: Record<number, string> = {
  400: 'invalid request (names the field)',
  401: 'missing or invalid API key, or no live session',
  403: 'the key may not act for this user, the resource is not the user’s, or (csrf_failed) a session request without its X-CSRF-Token',
  404: 'not found',
  409: 'already exists',
  413: 'body or attachment too large',
  429: 'rate limit reached (see retry-after)',
  502: 'the MCP server or model failed',
  503: 'a dependency is unavailable, or the gateway is draining',
  504: 'timed out',
};
const pathParam = (name: string, description: string) => ({ name, in: 'path', required: true, schema: { type: 'string' }, description });

function operation(summary: string, spec: JsonObject): JsonObject {
  return { summary, security: [{ bearer: [] }, { session: [] }], parameters: [{ $ref: '#/components/parameters/UserId' }], ...spec };
}

/** A browser sign-in route: no credential, answers with redirects or a small HTML page. */
function signIn(summary: string, description: string, responses: JsonObject): JsonObject {
  return { summary, description, security: [], tags: ['sign-in'], responses };
}

function ops(summary: string, description: string): JsonObject {
  return { summary, description, security: [], responses: { '200': { description: 'ok' }, '503': { description: 'not ready' } } };
}

/** The paths of the document, keyed like Express routes (`{name}` for parameters). */
function paths(): Record<string, Record<string, JsonObject>> {
  const chatErrors = errors('OpenAiErrorBody', 400, 401, 403, 404, 413, 429, 503, 504);
  const managementErrors = (...statuses: number[]) => errors('ManagementErrorBody', ...statuses);
  return {
    '/healthz': { get: ops('Liveness', 'Answers 200 while the process runs.') },
    '/readyz': { get: ops('Readiness', 'Redis and the MCP server config store reachable; 503 while draining.') },
    '/metrics': {
      get: {
        ...ops('Prometheus metrics', 'Requests, active streams, time to first token, Node.js runtime. Only for the platform’s internal credential: `Authorization: Bearer <INTERNAL_API_KEY>` (Prometheus `authorization` / `bearer_token`).'),
        responses: { '200': { description: 'Prometheus text' }, '401': { description: 'no or another internal key' } },
      },
    },
    '/openapi.json': { get: { summary: 'This document', security: [], responses: { '200': { description: 'OpenAPI 3.1' } } } },
    '/docs': { get: { summary: 'API documentation (Swagger UI)', security: [], responses: { '200': { description: 'HTML' } } } },
    '/auth/config': {
      get: { summary: 'How people sign in here', security: [], tags: ['sign-in'], responses: { '200': { description: '`oidc` or `local`', content: json('AuthConfigResponse') } } },
    },
    '/auth/login': {
      get: signIn(
        'Sign in',
        'oidc: redirects to the identity provider (authorization code flow, PKCE S256). local: starts a session for LOCAL_USER_ID and redirects to `return_to`. ' +
          '`return_to` must be a path on this origin (else /chat/).',
        { '303': { description: 'to the provider, or to return_to' }, '503': { description: 'the provider cannot be reached' } },
      ),
    },
    '/auth/callback': {
      get: signIn('Where the identity provider sends the browser back', 'Sets the session cookie (a new id) and redirects to the return path; a refused sign-in gets an HTML page saying why.', {
        '303': { description: 'signed in' },
        '400': { description: 'expired, replayed or failed sign-in' },
        '403': { description: 'the person may not sign in here (user claim, allowed domains or groups)' },
      }),
    },
    '/auth/logout': {
      post: signIn('Sign out this browser', 'Needs the session’s X-CSRF-Token; clears the cookie.', { '204': { description: 'signed out' }, '403': { description: 'csrf_failed', content: json('OpenAiErrorBody') } }),
    },
    '/auth/logout-all': {
      post: signIn('Sign out everywhere', 'Ends every session of the user. Needs the session’s X-CSRF-Token.', {
        '204': { description: 'signed out' },
        '403': { description: 'csrf_failed', content: json('OpenAiErrorBody') },
      }),
    },
    '/v1/me': {
      get: operation('Who am I', {
        description: 'The caller’s user id, display name and how it authenticated; a browser session also gets its `csrf_token` (send it as X-CSRF-Token on POST and DELETE).',
        responses: { '200': { description: 'ok', content: json('MeResponse') }, ...errors('OpenAiErrorBody', 401) },
      }),
    },
    '/v1/keys': {
      get: operation('The caller’s personal API keys', { responses: { '200': { description: 'ok (never the keys themselves)', content: json('ApiKeyListResponse') }, ...errors('OpenAiErrorBody', 401) } }),
      post: operation('Create a personal API key', {
        description: 'The key acts only as the caller’s user and appears only in this answer (it is stored as a SHA-256 hash). Optional expiry in days.',
        requestBody: { required: true, content: json('CreateApiKeyRequest') },
        responses: { '201': { description: 'created', content: json('CreateApiKeyResponse') }, ...errors('OpenAiErrorBody', 400, 401, 403) },
      }),
    },
    '/v1/keys/{key_id}': {
      delete: operation('Revoke one of the caller’s personal API keys', {
        description: 'Effective on the next request. Another user’s key answers 404 like an unknown one.',
        parameters: [{ $ref: '#/components/parameters/UserId' }, pathParam('key_id', 'the key’s 12-hex-digit id')],
        responses: { '204': { description: 'revoked' }, ...errors('OpenAiErrorBody', 401, 403, 404) },
      }),
    },
    '/v1/chat/completions': {
      post: operation('Chat completion (OpenAI-compatible, with the seed’s extensions)', {
        description:
          'With `stream: true` answers Server-Sent Events: `id: <seq>` + `data: <chat.completion.chunk>` … `data: [DONE]`, header `X-Stream-ID`. ' +
          'The seed’s exact dialect with `stream_format: "seed"` or header `X-Stream-Format: seed`. Without stream: one `chat.completion`.',
        parameters: [
          { $ref: '#/components/parameters/UserId' },
          { name: 'X-Stream-Format', in: 'header', required: false, schema: { type: 'string', enum: ['openai', 'seed'] } },
        ],
        requestBody: { required: true, content: json('ChatCompletionRequest') },
        responses: {
          '200': {
            description: 'a completion, or an SSE stream of chunks',
            headers: { 'X-Stream-ID': { schema: { type: 'string' }, description: 'the turn id (for stop and resume)' } },
            content: { ...json('ChatCompletion'), 'text/event-stream': { schema: ref('ChatCompletionChunk') } },
          },
          ...chatErrors,
        },
      }),
    },
    '/v1/chat/completions/{turn_id}/stream': {
      get: operation('Resume a turn’s stream', {
        description: 'Replays the events after `Last-Event-ID` (or `?after=`) and then the live rest, for a running or just-finished turn of the caller.',
        parameters: [
          { $ref: '#/components/parameters/UserId' },
          pathParam('turn_id', 'the X-Stream-ID of the turn'),
          { name: 'Last-Event-ID', in: 'header', required: false, schema: { type: 'integer', minimum: 0 } },
          { name: 'after', in: 'query', required: false, schema: { type: 'integer', minimum: 0 } },
          { name: 'stream_format', in: 'query', required: false, schema: { type: 'string', enum: ['openai', 'seed'] } },
          { name: 'include_usage', in: 'query', required: false, schema: { type: 'boolean' } },
        ],
        responses: { '200': { description: 'SSE stream', content: { 'text/event-stream': { schema: ref('ChatCompletionChunk') } } }, ...errors('OpenAiErrorBody', 401, 403, 404) },
      }),
    },
    '/v1/stop/stream/{stream_id}': {
      post: operation('Stop a turn', {
        parameters: [{ $ref: '#/components/parameters/UserId' }, pathParam('stream_id', 'the X-Stream-ID of the turn')],
        responses: { '200': { description: '`{"errno":0,"msg":"Stream stopping initiated"}`', content: json('SeedResponse') }, ...managementErrors(401, 403, 404) },
      }),
    },
    '/v1/models': { get: operation('Models (OpenAI list)', { responses: { '200': { description: 'ok', content: json('OpenAiModelList') }, ...errors('OpenAiErrorBody', 401) } }) },
    '/v1/list/models': { get: operation('Models (the seed’s list)', { responses: { '200': { description: 'ok', content: json('ListModelsResponse') }, ...errors('OpenAiErrorBody', 401) } }) },
    '/v1/list/mcp_server': {
      get: operation('MCP servers the user may enable (global and own)', { responses: { '200': { description: 'ok', content: json('ListMcpServersResponse') }, ...managementErrors(401) } }),
    },
    '/v1/mcp_servers': {
      get: operation('MCP servers with live status (for the web UI)', {
        description: 'At most MCP_SERVER_LISTINGS_PER_MINUTE per user (429 beyond).',
        responses: { '200': { description: 'ok', content: json('McpServerDetailListResponse') }, ...managementErrors(401, 429) },
      }),
    },
    '/v1/mcp_servers/{server_id}/tools': {
      get: operation('The tools of one MCP server (starting it when needed)', {
        description: 'Counts with the adds against MCP_SERVER_STARTS_PER_MINUTE per user (429 beyond).',
        parameters: [{ $ref: '#/components/parameters/UserId' }, pathParam('server_id', 'server id')],
        responses: { '200': { description: 'Bedrock toolSpecs', content: json('McpServerToolsResponse') }, ...managementErrors(400, 401, 404, 429, 502, 503, 504) },
      }),
    },
    '/v1/add/mcp_server': {
      post: operation('Add an MCP server (fields, or `config_json` `{"mcpServers":{…}}`)', {
        description:
          'Stores the server, starts it through the MCP pool and lists its tools (30 s); when it cannot start, the config is removed again. ' +
          'Counts with the tool listings against MCP_SERVER_STARTS_PER_MINUTE per user (429 beyond).',
        requestBody: { required: true, content: json('AddMcpServerRequest') },
        responses: { '200': { description: 'added; its tools', content: json('McpServerToolsResponse') }, ...managementErrors(400, 401, 403, 409, 429, 502, 503, 504) },
      }),
    },
    '/v1/remove/mcp_server/{server_id}': {
      delete: operation('Remove one of the user’s MCP servers', {
        parameters: [{ $ref: '#/components/parameters/UserId' }, pathParam('server_id', 'server id')],
        responses: { '200': { description: 'removed', content: json('SeedResponse') }, ...managementErrors(400, 401, 403, 404) },
      }),
    },
    '/v1/remove/history': {
      post: operation('Clear the server-side history (keep_session)', {
        responses: { '200': { description: '`{"errno":0,"msg":"removed history"}`', content: json('SeedResponse') }, ...managementErrors(401) },
      }),
    },
    '/ws/chat': {
      get: {
        summary: 'Chat WebSocket',
        description:
          'Upgrade to a WebSocket. From the browser, the session cookie authenticates it (the Origin must be PUBLIC_URL’s, else 403; a dead session 401) and the server sends `ready` at once. ' +
          'Without the cookie, the first frame must be `auth` (within WS_AUTH_TIMEOUT_MS, 10 s; else close 4401). Then `chat` (answered by `accepted` and `event` frames), ' +
          '`stop`, `resume` {turnId, afterSeq}, `ping`. Frames: components WsClientFrame and WsServerFrame. ' +
          'More than WS_PREAUTH_MAX_BYTES (16 KiB) before authentication closes the socket with 1009; while WS_MAX_UNAUTHENTICATED sockets wait to ' +
          'authenticate, a new one is closed with 1013 (retry shortly).',
        security: [],
        responses: {
          '101': { description: 'switching protocols' },
          '401': { description: 'the session cookie is expired or unknown' },
          '403': { description: 'a session cookie from a page of another origin' },
          '426': { description: 'not a WebSocket upgrade' },
        },
      },
    },
    '/v1/voice/ticket': {
      post: operation('A ticket for the voice WebSocket', {
        description:
          'A single-use ticket (valid `expires_in` seconds, VOICE_TICKET_TTL_S) that opens `/ws/user-audio` as the caller, so no API key goes into a URL. ' +
          'The voice (one of VOICE_IDS; default the first) and the MCP servers are checked now. Counts against the chat rate limit.',
        requestBody: { required: false, content: json('VoiceTicketRequest') },
        responses: { '200': { description: 'the ticket', content: json('VoiceTicketResponse') }, ...errors('OpenAiErrorBody', 400, 401, 403, 429, 503) },
      }),
    },
    '/ws/user-audio': {
      get: {
        summary: 'Voice WebSocket (Nova Sonic speech-to-speech with the user’s MCP tools)',
        description:
          'Upgrade to a WebSocket, authorized by `ticket` (from POST /v1/voice/ticket); the seed’s `token` (an API key) + `user_id` only where VOICE_ALLOW_QUERY_TOKEN=1. ' +
          'Refused sockets are closed with 4401 (no, unknown, expired or used ticket), 4403 (the key may not act for the user), ' +
          '1013 (WS_MAX_UNAUTHENTICATED sockets already wait to be authorized on this gateway; retry shortly) or ' +
          `${VOICE_CLOSE_CODES.invalidRequest} (unknown voice or MCP server). Client → server: binary frames of PCM16 little-endian mono 16 kHz (~32 ms each; ` +
          'frames over 64 KiB close the socket with 1009) and JSON control frames (component VoiceClientFrame). Server → client: JSON frames (component ' +
          'VoiceServerFrame): `connection_established`, `ready`, `text` (one bubble per `utteranceId`, updated in place), `toolUse`, `toolResult`, ' +
          '`audio_data` (base64 PCM16 mono 24 kHz), `interrupted` (barge-in: drop queued audio), `error`, `pong`. ' +
          `A client that does not read the audio fast enough is closed with ${VOICE_CLOSE_CODES.clientTooSlow}; a failed model session with ` +
          `${VOICE_CLOSE_CODES.modelFailed} after an error frame; shutdown with 1001.`,
        security: [],
        parameters: [
          { name: 'ticket', in: 'query', required: false, schema: { type: 'string' }, description: 'single-use ticket from POST /v1/voice/ticket' },
          { name: 'voice_id', in: 'query', required: false, schema: { type: 'string' }, description: 'overrides the ticket’s voice (one of VOICE_IDS)' },
          { name: 'mcp_server_ids', in: 'query', required: false, schema: { type: 'string' }, description: 'comma-separated; overrides the ticket’s servers' },
          { name: 'keep_session', in: 'query', required: false, schema: { type: 'string', enum: ['1', '0', 'true', 'false'] }, description: 'default 1: start from the chat history and add the transcripts to it' },
          { name: 'token', in: 'query', required: false, schema: { type: 'string' }, description: 'the seed’s API key parameter (only with VOICE_ALLOW_QUERY_TOKEN=1)' },
          { name: 'user_id', in: 'query', required: false, schema: { type: 'string' }, description: 'with `token`: the user to act for' },
        ],
        responses: { '101': { description: 'switching protocols' }, '426': { description: 'not a WebSocket upgrade' }, '503': { description: 'the gateway is draining' } },
      },
    },
  };
}

function componentSchemas(): Record<string, JsonObject> {
  return Object.fromEntries(
    Object.entries(COMPONENTS).map(([name, { schema, io }]) => {
      const { $schema: _ignored, ...jsonSchema } = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as JsonObject;
      return [name, jsonSchema];
    }),
  );
}

/** The gateway's OpenAPI 3.1 document, generated from the contracts' zod schemas. */
export function buildOpenApiDocument(version: string): JsonObject {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Bedrock MCP Platform gateway',
      version,
      description:
        'OpenAI-compatible chat with MCP tools, the seed’s management API, a chat WebSocket and a voice WebSocket. Browsers authenticate with the session cookie of ' +
        'a sign-in (/auth/login); integrations with a personal API key (POST /v1/keys); trusted back-ends with a service key (API_KEY) and X-User-ID.',
    },
    servers: [{ url: '/' }],
    security: [{ bearer: [] }],
    paths: paths(),
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'A personal API key (acts only as its user) or a service key (API_KEY; acts for X-User-ID)' },
        session: { type: 'apiKey', in: 'cookie', name: 'bmcp_session', description: 'The browser session from /auth/login (`__Host-bmcp_session` on https); POST and DELETE also need X-CSRF-Token' },
      },
      parameters: {
        UserId: {
          name: 'X-User-ID',
          in: 'header',
          required: false,
          schema: { type: 'string' },
          description: 'The user a service key acts for; a per-user key may only name its own user.',
        },
      },
      schemas: componentSchemas(),
    },
  };
}

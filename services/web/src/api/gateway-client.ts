import {
  API_ROUTES,
  CSRF_HEADER,
  McpServerToolsDataSchema,
  routePath,
  SeedResponseSchema,
  type ApiKeyInfo,
  type ApiRouteDefinition,
  type AuthConfigResponse,
  type Conversation,
  type ConversationList,
  type ConversationSummary,
  type CreateConversationRequest,
  type ExportFormat,
  type UpdateConversationRequest,
  type CreateApiKeyRequest,
  type CreateApiKeyResponse,
  type MeResponse,
  type RouteParams,
  type RouteRequest,
  type SeedResponse,
  type VoiceTicketRequest,
  type VoiceTicketResponse,
} from '@bedrock-mcp/contracts';
import { z } from 'zod';
import { GatewayError, gatewayErrorFromBody } from './gateway-error.js';
import { mcpServerInfo, toolInfo, type McpServerList, type ModelInfo, type ToolInfo } from './gateway-views.js';

/** The body of `POST /v1/add/mcp_server`, as the seed's UI sends it. */
export type AddMcpServerBody = RouteRequest<typeof API_ROUTES.addMcpServer>;

export interface GatewayClientOptions {
  /** Where the API is; default this page's origin (the web server proxies `/v1` and `/auth` to the gateway). */
  baseUrl?: string;
  /** The session's CSRF token (`GET /v1/me`), sent as X-CSRF-Token on every call that is not a GET. */
  csrfToken?: string;
  /** Called when the gateway answers 401 (the session ended or was revoked), before the call rejects. */
  onUnauthorized?: (error: GatewayError) => void;
  fetchImpl?: typeof fetch;
  /** Per request, in milliseconds (adding a server may start it: the seed allowed 30 s). */
  timeoutMs?: number;
}

/** 204 No Content: nothing to parse. */
const NoContentSchema = z.undefined();

/** What a call to a route answers: its response as a client reads it (leniently where the table says so), or nothing. */
type Answer<R extends ApiRouteDefinition> = R['lenientResponse'] extends z.ZodType
  ? z.output<R['lenientResponse']>
  : R['response'] extends z.ZodType
    ? z.output<R['response']>
    : undefined;

interface CallInput<R extends ApiRouteDefinition> {
  /** The path's `:name` values. */
  params?: RouteParams<R>;
  /** The query string's values; undefined ones are left out. */
  query?: Record<string, string | number | undefined>;
  body?: RouteRequest<R>;
}

export interface ListConversationsInput {
  /** Case-insensitive text in a title or a message. */
  q?: string;
  /** `next_cursor` of the page before. */
  cursor?: string;
  limit?: number;
}

export interface GetConversationInput {
  /** How many of the latest messages (before `before`). */
  messageLimit?: number;
  /** Index in the whole conversation: the page ends just before it (load earlier messages). */
  before?: number;
}

function queryString(query: Record<string, string | number | undefined> = {}): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value !== undefined && value !== '') search.set(name, String(value));
  const text = search.toString();
  return text ? `?${text}` : '';
}

/**
 * The gateway's REST API (`/v1/…`, `/auth/…`) on the page's own origin, authenticated by the
 * session cookie (`credentials: 'same-origin'`), every call bounded by a timeout.
 */
export class GatewayClient {
  private readonly fetchImpl: typeof fetch;
  private readonly timeoutMs: number;
  /** The origin the API is called on (no trailing slash); the WebSockets open there too. */
  readonly baseUrl: string;

  constructor(private readonly options: GatewayClientOptions = {}) {
    this.fetchImpl = options.fetchImpl ?? ((input, init) => globalThis.fetch(input, init));
    this.timeoutMs = options.timeoutMs ?? 45_000;
    this.baseUrl = (options.baseUrl ?? window.location.origin).replace(/\/+$/, '');
  }

  /** Whether people sign in through an identity provider (`oidc`) or as the local user (`local`). Public. */
  async authConfig(): Promise<AuthConfigResponse> {
    return this.call(API_ROUTES.authConfig);
  }

  /** Who the session belongs to, and its CSRF token; 401 when not signed in. */
  async me(): Promise<MeResponse> {
    return this.call(API_ROUTES.me);
  }

  /** Ends this session (`everywhere`: every session of the user, on every device). */
  async signOut(everywhere = false): Promise<void> {
    await this.call(everywhere ? API_ROUTES.authLogoutAll : API_ROUTES.authLogout);
  }

  /** The signed-in user's personal API keys (never the keys themselves). */
  async listApiKeys(): Promise<ApiKeyInfo[]> {
    return (await this.call(API_ROUTES.listApiKeys)).data;
  }

  /** A new personal API key; the answer is the only time the key itself is shown. */
  async createApiKey(body: CreateApiKeyRequest): Promise<CreateApiKeyResponse> {
    return this.call(API_ROUTES.createApiKey, { body });
  }

  /** Revokes a key: it stops working at once. */
  async revokeApiKey(id: string): Promise<void> {
    await this.call(API_ROUTES.revokeApiKey, { params: { key_id: id } });
  }

  async listModels(): Promise<ModelInfo[]> {
    return (await this.call(API_ROUTES.seedListModels)).models;
  }

  /** Servers with scope and status; falls back to the seed's plain list on gateways without it. */
  async listMcpServers(): Promise<McpServerList> {
    let list: Answer<typeof API_ROUTES.mcpServers>;
    try {
      list = await this.call(API_ROUTES.mcpServers);
    } catch (error) {
      if (!(error instanceof GatewayError) || (error.status !== 404 && error.status !== 405)) throw error;
      list = await this.call(API_ROUTES.seedListMcpServers);
    }
    return { servers: list.servers.map(mcpServerInfo), ...(list.poolError === undefined ? {} : { poolError: list.poolError }) };
  }

  async listServerTools(serverId: string): Promise<ToolInfo[]> {
    return ((await this.call(API_ROUTES.mcpServerTools, { params: { server_id: serverId } })).data?.tools ?? []).map(toolInfo);
  }

  /** Adds (and starts) a personal server; resolves with its tools. */
  async addMcpServer(body: AddMcpServerBody): Promise<ToolInfo[]> {
    // Read as the seed's plain envelope: an answer without (readable) tools still means added.
    const response = await this.seedCall(API_ROUTES.addMcpServer, { body });
    const data = McpServerToolsDataSchema.safeParse(response.data);
    return data.success ? data.data.tools.map(toolInfo) : [];
  }

  async removeMcpServer(serverId: string): Promise<void> {
    await this.seedCall(API_ROUTES.removeMcpServer, { params: { server_id: serverId } });
  }

  /** Clears a conversation's server-side history (keep_session), or the user's default conversation's without one (voice uses it). */
  async removeHistory(conversationId?: string): Promise<void> {
    await this.seedCall(API_ROUTES.removeHistory, conversationId === undefined ? {} : { body: { conversation_id: conversationId } });
  }

  /** The caller's conversations, newest first, a page at a time. */
  async listConversations(input: ListConversationsInput = {}): Promise<ConversationList> {
    return this.call(API_ROUTES.listConversations, { query: { q: input.q?.trim(), cursor: input.cursor, limit: input.limit } });
  }

  async createConversation(body: CreateConversationRequest = {}): Promise<ConversationSummary> {
    return this.call(API_ROUTES.createConversation, { body });
  }

  /** A conversation with its latest messages (or the page before `before`). */
  async getConversation(conversationId: string, input: GetConversationInput = {}): Promise<Conversation> {
    return this.call(API_ROUTES.getConversation, {
      params: { conversation_id: conversationId },
      query: { message_limit: input.messageLimit, before: input.before },
    });
  }

  async updateConversation(conversationId: string, body: UpdateConversationRequest): Promise<ConversationSummary> {
    return this.call(API_ROUTES.updateConversation, { params: { conversation_id: conversationId }, body });
  }

  /** Deletes it for good (messages, files, history); a turn running in it is stopped. */
  async deleteConversation(conversationId: string): Promise<void> {
    await this.call(API_ROUTES.deleteConversation, { params: { conversation_id: conversationId } });
  }

  /** Where the browser downloads the conversation (the session cookie authenticates the link). */
  conversationExportUrl(conversationId: string, format: ExportFormat = 'json'): string {
    return `${this.baseUrl}${routePath(API_ROUTES.exportConversation, { conversation_id: conversationId })}${queryString({ format })}`;
  }

  /** An image or file of a conversation, for an `<img src>` or a download link. */
  conversationBlobUrl(conversationId: string, blobId: string): string {
    return `${this.baseUrl}${routePath(API_ROUTES.conversationBlob, { conversation_id: conversationId, blob_id: blobId })}`;
  }

  /** A single-use ticket that opens the voice WebSocket (`/ws/user-audio?ticket=…`) as this user. */
  async createVoiceTicket(body: VoiceTicketRequest): Promise<VoiceTicketResponse> {
    return this.call(API_ROUTES.voiceTicket, { body });
  }

  /** The seed's envelope: errno -1 is a failure even when the HTTP status is 200. */
  private async seedCall<R extends ApiRouteDefinition>(route: R, input: CallInput<R> = {}): Promise<SeedResponse> {
    const response = await this.request(route.method, routePath(route, input.params as Record<string, string> | undefined), SeedResponseSchema, input.body);
    if (response.errno !== 0) throw new GatewayError(response.msg, 200, 'invalid_request');
    return response;
  }

  /** Calls a route of the table and parses its answer with the route's schema. */
  private async call<R extends ApiRouteDefinition>(route: R, input: CallInput<R> = {}): Promise<Answer<R>> {
    const schema = route.lenientResponse ?? route.response ?? NoContentSchema;
    const path = `${routePath(route, input.params as Record<string, string> | undefined)}${queryString(input.query)}`;
    return (await this.request(route.method, path, schema, input.body)) as Answer<R>;
  }

  private async request<S extends z.ZodType>(method: string, path: string, schema: S, body?: unknown): Promise<z.output<S>> {
    const headers: Record<string, string> = {};
    if (method !== 'GET' && method !== 'HEAD' && this.options.csrfToken) headers[CSRF_HEADER] = this.options.csrfToken;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let response: Response;
    try {
      response = await this.fetchImpl(`${this.baseUrl}${path}`, {
        method,
        headers,
        credentials: 'same-origin',
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      if ((error as { name?: unknown } | null)?.name === 'TimeoutError') {
        throw new GatewayError(`The gateway did not answer ${method} ${path} within ${Math.round(this.timeoutMs / 1000)} s`, 0, 'timeout');
      }
      throw new GatewayError(`Cannot reach the gateway through ${this.baseUrl} (is it running?)`, 0, 'network');
    }
    const text = await response.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (!response.ok) {
      const error = gatewayErrorFromBody(response.status, json, text);
      if (response.status === 401) this.options.onUnauthorized?.(error);
      throw error;
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      throw new GatewayError(`Unexpected answer from ${method} ${path}: ${parsed.error.issues[0]?.message ?? 'invalid body'}`, response.status, 'bad_response');
    }
    return parsed.data;
  }
}

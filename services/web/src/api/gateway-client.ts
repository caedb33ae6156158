import {
  ApiKeyListResponseSchema,
  AUTH_PATHS,
  AuthConfigResponseSchema,
  CreateApiKeyResponseSchema,
  CSRF_HEADER,
  MeResponseSchema,
  SeedResponseSchema,
  VoiceTicketResponseSchema,
  type ApiKeyInfo,
  type AuthConfigResponse,
  type CreateApiKeyRequest,
  type CreateApiKeyResponse,
  type MeResponse,
  type SeedResponse,
  type VoiceTicketRequest,
  type VoiceTicketResponse,
} from '@bedrock-mcp/contracts';
import { z } from 'zod';
import { GatewayError, gatewayErrorFromBody } from './gateway-error.js';
import {
  McpServerListSchema,
  ModelListSchema,
  ToolListSchema,
  type McpServerList,
  type ModelInfo,
  type ToolInfo,
} from './gateway-types.js';

/** The body of `POST /v1/add/mcp_server`, as the seed's UI sends it. */
export interface AddMcpServerBody {
  server_id: string;
  server_desc: string;
  command: string;
  args: string[];
  env: Record<string, string>;
  config_json: Record<string, unknown>;
  url?: string;
  token?: string;
}

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
    return this.request('GET', AUTH_PATHS.config, AuthConfigResponseSchema);
  }

  /** Who the session belongs to, and its CSRF token; 401 when not signed in. */
  async me(): Promise<MeResponse> {
    return this.request('GET', '/v1/me', MeResponseSchema);
  }

  /** Ends this session (`everywhere`: every session of the user, on every device). */
  async signOut(everywhere = false): Promise<void> {
    await this.request('POST', everywhere ? AUTH_PATHS.logoutAll : AUTH_PATHS.logout, NoContentSchema);
  }

  /** The signed-in user's personal API keys (never the keys themselves). */
  async listApiKeys(): Promise<ApiKeyInfo[]> {
    return (await this.request('GET', '/v1/keys', ApiKeyListResponseSchema)).data;
  }

  /** A new personal API key; the answer is the only time the key itself is shown. */
  async createApiKey(body: CreateApiKeyRequest): Promise<CreateApiKeyResponse> {
    return this.request('POST', '/v1/keys', CreateApiKeyResponseSchema, body);
  }

  /** Revokes a key: it stops working at once. */
  async revokeApiKey(id: string): Promise<void> {
    await this.request('DELETE', `/v1/keys/${encodeURIComponent(id)}`, NoContentSchema);
  }

  async listModels(): Promise<ModelInfo[]> {
    return (await this.request('GET', '/v1/list/models', ModelListSchema)).models;
  }

  /** Servers with scope and status; falls back to the seed's plain list on gateways without it. */
  async listMcpServers(): Promise<McpServerList> {
    try {
      return await this.request('GET', '/v1/mcp_servers', McpServerListSchema);
    } catch (error) {
      if (!(error instanceof GatewayError) || (error.status !== 404 && error.status !== 405)) throw error;
      return await this.request('GET', '/v1/list/mcp_server', McpServerListSchema);
    }
  }

  async listServerTools(serverId: string): Promise<ToolInfo[]> {
    return this.request('GET', `/v1/mcp_servers/${encodeURIComponent(serverId)}/tools`, ToolListSchema);
  }

  /** Adds (and starts) a personal server; resolves with its tools. */
  async addMcpServer(body: AddMcpServerBody): Promise<ToolInfo[]> {
    const response = await this.seedRequest('POST', '/v1/add/mcp_server', body);
    const tools = ToolListSchema.safeParse(response);
    return tools.success ? tools.data : [];
  }

  async removeMcpServer(serverId: string): Promise<void> {
    await this.seedRequest('DELETE', `/v1/remove/mcp_server/${encodeURIComponent(serverId)}`);
  }

  /** Clears the user's server-side history (keep_session). */
  async removeHistory(): Promise<void> {
    await this.seedRequest('POST', '/v1/remove/history');
  }

  /** A single-use ticket that opens the voice WebSocket (`/ws/user-audio?ticket=…`) as this user. */
  async createVoiceTicket(body: VoiceTicketRequest): Promise<VoiceTicketResponse> {
    return this.request('POST', '/v1/voice/ticket', VoiceTicketResponseSchema, body);
  }

  /** The seed's envelope: errno -1 is a failure even when the HTTP status is 200. */
  private async seedRequest(method: string, path: string, body?: unknown): Promise<SeedResponse> {
    const response = await this.request(method, path, SeedResponseSchema, body);
    if (response.errno !== 0) throw new GatewayError(response.msg, 200, 'invalid_request');
    return response;
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

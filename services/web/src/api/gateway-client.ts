import { SeedResponseSchema, VoiceTicketResponseSchema, type SeedResponse, type VoiceTicketRequest, type VoiceTicketResponse } from '@bedrock-mcp/contracts';
import type { z } from 'zod';
import { GatewayError, gatewayErrorFromBody } from './gateway-error.js';
import {
  McpServerListSchema,
  ModelListSchema,
  ToolListSchema,
  type McpServerList,
  type ModelInfo,
  type ToolInfo,
} from './gateway-types.js';

export interface GatewayConnection {
  /** e.g. `http://localhost:7002`, no trailing slash needed. */
  gatewayUrl: string;
  apiKey: string;
  /** Sent as X-User-ID when set. */
  userId: string;
}

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
  fetchImpl?: typeof fetch;
  /** Per request, in milliseconds (adding a server may start it: the seed allowed 30 s). */
  timeoutMs?: number;
}

/** The gateway's REST API (`/v1/…`), every call authenticated and bounded by a timeout. */
export class GatewayClient {
  private readonly fetchImpl: typeof fetch;
  private readonly timeoutMs: number;
  private readonly baseUrl: string;

  constructor(
    private readonly connection: GatewayConnection,
    options: GatewayClientOptions = {},
  ) {
    this.fetchImpl = options.fetchImpl ?? ((input, init) => globalThis.fetch(input, init));
    this.timeoutMs = options.timeoutMs ?? 45_000;
    this.baseUrl = connection.gatewayUrl.replace(/\/+$/, '');
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
    const headers: Record<string, string> = { Authorization: `Bearer ${this.connection.apiKey}` };
    if (this.connection.userId) headers['X-User-ID'] = this.connection.userId;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let response: Response;
    try {
      response = await this.fetchImpl(`${this.baseUrl}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      if ((error as { name?: unknown } | null)?.name === 'TimeoutError') {
        throw new GatewayError(`The gateway did not answer ${method} ${path} within ${Math.round(this.timeoutMs / 1000)} s`, 0, 'timeout');
      }
      throw new GatewayError(`Cannot reach the gateway at ${this.baseUrl} (is it running, and is the URL right?)`, 0, 'network');
    }
    const text = await response.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (!response.ok) throw gatewayErrorFromBody(response.status, json, text);
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      throw new GatewayError(`Unexpected answer from ${method} ${path}: ${parsed.error.issues[0]?.message ?? 'invalid body'}`, response.status, 'bad_response');
    }
    return parsed.data;
  }
}

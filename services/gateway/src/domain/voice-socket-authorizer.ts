import type { Settings } from '@bedrock-mcp/common';
import { VOICE_CLOSE_CODES, VoiceSocketQuerySchema, WS_CLOSE_CODES, zodErrorBody } from '@bedrock-mcp/contracts';
import { chooseVoiceId, type VoiceTicketStore } from '@bedrock-mcp/voice';
import type { ApiKeyAuthenticator } from './api-key-authenticator.js';
import { GatewayError } from './gateway-error.js';
import type { McpServerDirectory } from './mcp-server-directory.js';

/** What an accepted voice socket may do. */
export interface VoiceAdmission {
  userId: string;
  voiceId: string;
  /** Checked to be global or the user's own. */
  mcpServerIds: string[];
  /** Start from the user's chat history and add the transcripts to it. */
  keepSession: boolean;
  via: 'ticket' | 'query_token';
}

/** Why a voice socket is refused: its close code and reason. */
export class VoiceRefusal extends Error {
  override readonly name = 'VoiceRefusal';
  constructor(
    readonly closeCode: number,
    message: string,
  ) {
    super(message);
  }
}

export interface VoiceSocketAuthorizerOptions {
  tickets: Pick<VoiceTicketStore, 'consume'>;
  auth: Pick<ApiKeyAuthenticator, 'authenticate'>;
  servers: Pick<McpServerDirectory, 'requireUsable'>;
  settings: Pick<Settings, 'VOICE_IDS' | 'VOICE_ALLOW_QUERY_TOKEN'>;
}

const TICKET_HINT = 'get a ticket from POST /v1/voice/ticket';

/**
 * Decides from the query of `/ws/user-audio` whether a socket may open and as whom: with a single-use
 * ticket (the normal way), or the seed's `token` (an API key) + `user_id` where VOICE_ALLOW_QUERY_TOKEN
 * allows it, under the same rules as REST. Then the voice and the MCP servers are checked for that user.
 * Throws VoiceRefusal (4401 / 4403 / 4400); other errors mean a dependency failed.
 */
export class VoiceSocketAuthorizer {
  constructor(private readonly options: VoiceSocketAuthorizerOptions) {}

  async authorize(params: URLSearchParams): Promise<VoiceAdmission> {
    const parsed = VoiceSocketQuerySchema.safeParse(Object.fromEntries(params));
    if (!parsed.success) {
      const unauthenticated = !params.get('ticket') && !params.get('token');
      throw new VoiceRefusal(unauthenticated ? WS_CLOSE_CODES.unauthorized : VOICE_CLOSE_CODES.invalidRequest, zodErrorBody(parsed.error).error.message);
    }
    const query = parsed.data;
    let userId: string;
    let granted: { mcpServerIds: string[]; voiceId?: string | undefined } | undefined;
    let via: VoiceAdmission['via'];
    if (query.ticket !== undefined) {
      const grant = await this.options.tickets.consume(query.ticket);
      if (grant === undefined) throw new VoiceRefusal(WS_CLOSE_CODES.unauthorized, `the ticket is unknown, expired or used: ${TICKET_HINT}`);
      if (query.user_id !== undefined && query.user_id !== grant.userId) throw new VoiceRefusal(WS_CLOSE_CODES.forbidden, 'the ticket was issued for another user');
      userId = grant.userId;
      granted = grant;
      via = 'ticket';
    } else if (query.token !== undefined) {
      if (!this.options.settings.VOICE_ALLOW_QUERY_TOKEN) throw new VoiceRefusal(WS_CLOSE_CODES.unauthorized, `API keys in the URL are not accepted here: ${TICKET_HINT}`);
      userId = (await this.authenticate(query.token, query.user_id)).userId;
      via = 'query_token';
    } else {
      throw new VoiceRefusal(WS_CLOSE_CODES.unauthorized, `no ticket: ${TICKET_HINT}`);
    }

    const requestedVoice = query.voice_id ?? granted?.voiceId;
    const voiceId = chooseVoiceId(requestedVoice, this.options.settings.VOICE_IDS);
    if (voiceId === undefined) {
      throw new VoiceRefusal(VOICE_CLOSE_CODES.invalidRequest, `unknown voice '${requestedVoice ?? ''}' (offered: ${this.options.settings.VOICE_IDS.join(', ')})`);
    }
    const requestedServers = query.mcp_server_ids.length > 0 ? query.mcp_server_ids : (granted?.mcpServerIds ?? []);
    let mcpServerIds: string[];
    try {
      mcpServerIds = await this.options.servers.requireUsable(userId, requestedServers);
    } catch (error) {
      if (error instanceof GatewayError && error.code === 'invalid_request') throw new VoiceRefusal(VOICE_CLOSE_CODES.invalidRequest, error.message);
      throw error;
    }
    return { userId, voiceId, mcpServerIds, keepSession: query.keep_session ?? true, via };
  }

  private async authenticate(apiKey: string, userId: string | undefined): Promise<{ userId: string }> {
    try {
      return await this.options.auth.authenticate(apiKey, userId);
    } catch (error) {
      if (!(error instanceof GatewayError)) throw error;
      const code = error.code === 'forbidden' ? WS_CLOSE_CODES.forbidden : error.code === 'invalid_request' ? VOICE_CLOSE_CODES.invalidRequest : WS_CLOSE_CODES.unauthorized;
      throw new VoiceRefusal(code, error.message);
    }
  }
}

import type { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import type { GatewaySettings, Logger } from '@bedrock-mcp/common';
import type { PoolClient } from '@bedrock-mcp/pool-client';
import type { HistoryStore } from '@bedrock-mcp/turns';
import type { VoiceHistory, VoiceTicketStore, VoiceTurn } from '@bedrock-mcp/voice';
import type { VoiceConversationRecord } from '../domain/voice-conversation-record.js';
import type { ApiKeyAuthenticator, Principal } from '../domain/api-key-authenticator.js';
import type { ConversationService } from '../domain/conversation-service.js';
import type { McpServerDirectory } from '../domain/mcp-server-directory.js';
import type { McpServerManager } from '../domain/mcp-server-manager.js';
import type { ModelCatalog } from '../domain/model-catalog.js';
import type { RateLimiter } from '../domain/rate-limiter.js';
import type { TurnAccess } from '../domain/turn-access.js';
import type { TurnStreams } from '../domain/turn-event-reader.js';
import type { TurnSubmitter } from '../domain/turn-submitter.js';
import type { UserApiKeyStore } from '../domain/user-api-key-store.js';
import type { VoiceSocketAuthorizer } from '../domain/voice-socket-authorizer.js';
import type { GatewayMetrics } from '../gateway-metrics.js';
import type { IdentityServices } from '../identity/identity-services.js';
import type { ConversationChangeRelay } from './conversation-change-relay.js';
import type { PlainResponse } from './plain-http.js';

/** Everything the HTTP and WebSocket layers call into. */
export interface GatewayServices {
  settings: GatewaySettings;
  logger: Logger;
  metrics: GatewayMetrics;
  auth: ApiKeyAuthenticator;
  /** Sign-in: mode, browser sessions, the OIDC flow. */
  identity: IdentityServices;
  /** Personal API keys (the caller's own, through /v1/keys). */
  userKeys: UserApiKeyStore;
  rateLimiter: RateLimiter;
  /** Per-user limits of the MCP server routes: adds and tool listings (they may start processes), and live-status listings. */
  mcpServerLimits: { starts: RateLimiter; listings: RateLimiter };
  models: ModelCatalog;
  servers: McpServerDirectory;
  manager: McpServerManager;
  submitter: TurnSubmitter;
  access: TurnAccess;
  /** Every reader of turn events (SSE, non-stream, WebSocket, resume, approvals) opens its stream here. */
  turnStreams: TurnStreams;
  /** The caller's conversations (`/v1/conversations`). */
  conversations: ConversationService;
  /** Changes to a user's conversations, relayed to each of the user's chat sockets. */
  conversationRelay: Pick<ConversationChangeRelay, 'register' | 'subscribed' | 'socketCount'>;
  /** The server-side history of keep_session turns (`POST /v1/remove/history` clears it). */
  history: Pick<HistoryStore, 'clear'>;
  /** True once shutdown began: no new turns. */
  isDraining: () => boolean;
  /** Registers a live stream so shutdown can wait for it; call the returned function when it ends. */
  trackStream: (transport: 'sse' | 'ws' | 'completion') => () => void;
  voice: VoiceServices;
  /** Counts a live voice session (metrics); call the returned function when it ends (idempotent). */
  trackVoiceSession: () => () => void;
}

/** What the voice ticket route and the voice WebSocket use. */
interface VoiceServices {
  tickets: VoiceTicketStore;
  authorizer: VoiceSocketAuthorizer;
  /** Bedrock client for Nova Sonic streams (one per process). */
  sonic: BedrockRuntimeClient;
  pool: Pick<PoolClient, 'catalog' | 'callTool'>;
  /** Appends voice transcripts to the user's chat history. */
  history: VoiceHistory;
  /** The text of the user's chat history, for a new conversation to start from. */
  loadHistory: (userId: string) => Promise<VoiceTurn[]>;
  /** Records a session's transcripts in the user's default conversation (VoiceConversationRecord). */
  conversationRecord: (userId: string, mcpServerIds: readonly string[]) => Pick<VoiceConversationRecord, 'record' | 'recordingTools' | 'finish'>;
}

/** The principal the auth middleware attached to this response's request. */
export function principalOf(res: Pick<PlainResponse, 'locals'>): Principal {
  const principal = (res.locals as { principal?: Principal }).principal;
  if (!principal) throw new Error('route reached without authentication');
  return principal;
}

export function setPrincipal(res: Pick<PlainResponse, 'locals'>, principal: Principal): void {
  (res.locals as { principal?: Principal }).principal = principal;
}

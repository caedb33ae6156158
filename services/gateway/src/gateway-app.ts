import { readFileSync } from 'node:fs';
import type { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import { RequestServerSecrets, resolveSecretCipher, type ConversationStore, type UserServerStore } from '@bedrock-mcp/config-store';
import {
  createMetricsRegistry,
  createOpsHandler,
  createRedisKeys,
  InternalCredential,
  requireInternalApiKey,
  type Logger,
  type Redis,
  type Registry,
  type GatewaySettings,
} from '@bedrock-mcp/common';
import { AUTH_PATHS, VOICE_WS_PATH, type AppConfigFile } from '@bedrock-mcp/contracts';
import type { PoolClient } from '@bedrock-mcp/pool-client';
import { HistoryStore, RateCounter, TurnEvents, TurnProducer } from '@bedrock-mcp/turns';
import { VoiceHistory, VoiceTicketStore } from '@bedrock-mcp/voice';
import { ApiKeyAuthenticator, parseServiceKeys } from './domain/api-key-authenticator.js';
import { ConversationChangePublisher } from './domain/conversation-changes.js';
import { ConversationService } from './domain/conversation-service.js';
import { McpServerDirectory } from './domain/mcp-server-directory.js';
import { McpServerManager } from './domain/mcp-server-manager.js';
import { ModelCatalog } from './domain/model-catalog.js';
import { RateLimiter } from './domain/rate-limiter.js';
import { TurnAccess } from './domain/turn-access.js';
import { TurnStreams } from './domain/turn-event-reader.js';
import { TurnSubmitter } from './domain/turn-submitter.js';
import { UserApiKeyStore } from './domain/user-api-key-store.js';
import { createSonicClient } from './domain/sonic-client.js';
import { VoiceConversationRecord } from './domain/voice-conversation-record.js';
import { VoiceSocketAuthorizer } from './domain/voice-socket-authorizer.js';
import { createGatewayMetrics } from './gateway-metrics.js';
import { ConversationChangeRelay } from './http/conversation-change-relay.js';
import { createGatewayHttp } from './http/express-app.js';
import type { GatewayServices } from './http/gateway-services.js';
import { WsChatServer } from './http/ws-chat-server.js';
import { PreAuthGuard } from './http/ws-preauth-guard.js';
import { WsVoiceServer, type WsVoiceServerOptions } from './http/ws-voice-server.js';
import { WsUpgradeAuth } from './http/ws-upgrade-auth.js';
import { publicUrl, resolveAuthMode } from './identity/auth-mode.js';
import type { IdentityServices } from './identity/identity-services.js';
import { OidcSignIn } from './identity/oidc-sign-in.js';
import { SessionStore } from './identity/session-store.js';

export interface GatewayDeps {
  settings: GatewaySettings;
  app: AppConfigFile;
  logger: Logger;
  /** Commands connection; the caller owns it (the gateway duplicates it for its subscriber). */
  redis: Redis;
  /** Users' MCP server configs; the caller owns it. */
  store: UserServerStore;
  /** Users' conversations (createConversationStore); the caller owns it. */
  conversations: ConversationStore;
  pool: Pick<PoolClient, 'ensureServer' | 'catalog' | 'stopServer' | 'listServers' | 'callTool' | 'checkRequestServers'>;
  /** Bedrock client for the voice sessions; the caller owns it. Default: createSonicClient(AWS_REGION), owned (destroyed on close). */
  sonicClient?: BedrockRuntimeClient;
  /** Voice socket limits (frame size, backpressure, heartbeat); defaults in WsVoiceServer. */
  voice?: WsVoiceServerOptions;
  registry?: Registry;
  /** Milliseconds between WebSocket heartbeats. Default 30 s. */
  wsHeartbeatMs?: number;
  /** Milliseconds a WebSocket client has for its `auth` frame. Default WS_AUTH_TIMEOUT_MS. */
  wsAuthTimeoutMs?: number;
  /** Milliseconds without an event after which a turn's stream gives up. Default TURN_TIMEOUT_MS + 60 s. */
  streamIdleTimeoutMs?: number;
}

export interface GatewayApp {
  readonly server: Server;
  /** The express app behind `server` (every HTTP route; the server serves chat turns in front of it). */
  readonly expressApp: Express;
  readonly services: GatewayServices;
  readonly ws: WsChatServer;
  readonly voice: WsVoiceServer;
  listen(port: number, host?: string): Promise<AddressInfo>;
  /**
   * Stops accepting connections and new turns, lets live streams finish for up to `drainTimeoutMs`,
   * then closes every socket and what the gateway created (queue, subscriber). Idempotent.
   */
  close(drainTimeoutMs?: number): Promise<void>;
}

const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** Builds the whole gateway (HTTP + WebSocket) around its dependencies; `main.ts` and tests call it. */
export function createGatewayApp(deps: GatewayDeps): GatewayApp {
  const { settings, logger, redis, store, conversations } = deps;
  const keys = createRedisKeys(settings.REDIS_PREFIX);
  const registry = deps.registry ?? createMetricsRegistry('gateway');
  const metrics = createGatewayMetrics(registry);
  const subscriber = redis.duplicate({ connectionName: 'bmcp-gateway-sub' });
  const streamIdleTimeoutMs = deps.streamIdleTimeoutMs ?? settings.TURN_TIMEOUT_MS + 60_000;
  const turnEvents = new TurnEvents({ subscriber, redis, prefix: settings.REDIS_PREFIX, logger, idleTimeoutMs: streamIdleTimeoutMs });
  const producer = new TurnProducer({
    redis,
    prefix: settings.REDIS_PREFIX,
    events: turnEvents,
    logger,
    // A turn's owner must stay known for as long as its log may be resumed: the longest turn, then the replay window.
    metaTtlSeconds: settings.STREAM_REPLAY_TTL_S + Math.ceil(settings.TURN_TIMEOUT_MS / 1000),
    // A slot outlives the longest turn by the replay window, a generous bound on time spent queued.
    slotTtlMs: settings.TURN_TIMEOUT_MS + settings.STREAM_REPLAY_TTL_S * 1000,
    queueConnectionName: 'bmcp-gateway-queue',
  });
  const counter = new RateCounter({ redis, prefix: settings.REDIS_PREFIX });
  const models = new ModelCatalog(deps.app.models, {
    useBedrock: settings.use_bedrock,
    compatibleApiBase: settings.COMPATIBLE_API_BASE,
    providerKinds: Object.fromEntries(Object.entries(deps.app.providers).map(([id, provider]) => [id, provider.kind])),
  });
  const servers = new McpServerDirectory(deps.app.mcpServers, store);
  const rateLimiter = new RateLimiter({ counter, limit: settings.RATE_LIMIT_PER_MINUTE });
  const mcpServerLimits = {
    starts: new RateLimiter({ counter, limit: settings.MCP_SERVER_STARTS_PER_MINUTE, bucket: { name: 'mcp-starts', counted: 'MCP server adds and tool listings' } }),
    listings: new RateLimiter({ counter, limit: settings.MCP_SERVER_LISTINGS_PER_MINUTE, bucket: { name: 'mcp-listings', counted: 'MCP server listings' } }),
  };
  const access = new TurnAccess({ producer });
  const conversationChanges = new ConversationChangePublisher(redis, keys, logger);
  const conversationRelay = new ConversationChangeRelay(redis.duplicate({ connectionName: 'bmcp-gateway-conversations' }), keys, logger);

  const sonicClient = deps.sonicClient ?? createSonicClient(settings.AWS_REGION);
  const tickets = new VoiceTicketStore(redis, keys, { ttlSeconds: settings.VOICE_TICKET_TTL_S });
  // The gateway clears a user's history and appends voice transcripts to it; the agent worker loads, locks and saves it.
  const history = new HistoryStore(redis, {
    prefix: keys.prefix,
    maxMessages: settings.HISTORY_MAX_MESSAGES,
    lockTtlMs: settings.HISTORY_LOCK_TTL_MS,
    lockWaitMs: settings.HISTORY_LOCK_WAIT_MS,
    conversationTtlSeconds: settings.HISTORY_CONVERSATION_TTL_S,
    logger,
  });
  const voiceHistory = new VoiceHistory(history);
  const userKeys = new UserApiKeyStore(redis, keys);
  const auth = new ApiKeyAuthenticator({ serviceKeys: parseServiceKeys(settings.API_KEY), userKeys });
  const identity = createIdentityServices(settings, redis, keys, logger);

  let draining = false;
  let liveStreams = 0;
  let onStreamsIdle: (() => void) | undefined;
  const services: GatewayServices = {
    settings,
    logger,
    metrics,
    auth,
    identity,
    userKeys,
    rateLimiter,
    mcpServerLimits,
    models,
    servers,
    manager: new McpServerManager({ directory: servers, store, pool: deps.pool, logger, startTimeoutMs: settings.MCP_START_TIMEOUT_MS }),
    submitter: new TurnSubmitter({
      models,
      servers,
      pool: deps.pool,
      producer,
      limiter: rateLimiter,
      logger,
      maxAttachmentBytes: settings.MAX_ATTACHMENT_BYTES,
      counts: { maxMessages: settings.MAX_MESSAGES_PER_REQUEST, maxImages: settings.MAX_IMAGES_PER_REQUEST, maxDocuments: settings.MAX_DOCUMENTS_PER_REQUEST },
      maxConcurrentTurns: settings.MAX_CONCURRENT_TURNS_PER_USER,
      conversations,
      maxConversationBytes: settings.CONVERSATION_MAX_BYTES,
      changes: conversationChanges,
      // The mcp-pool opens them with the same SECRETS_KEY.
      requestSecrets: new RequestServerSecrets(resolveSecretCipher(settings).cipher),
    }),
    access,
    turnStreams: new TurnStreams(turnEvents, streamIdleTimeoutMs),
    conversations: new ConversationService({ store: conversations, turns: producer, history, changes: conversationChanges, logger }),
    conversationRelay,
    history,
    isDraining: () => draining,
    trackStream: (transport) => {
      liveStreams += 1;
      metrics.activeStreams.inc({ transport });
      let done = false;
      return () => {
        if (done) return;
        done = true;
        liveStreams -= 1;
        metrics.activeStreams.dec({ transport });
        if (liveStreams === 0) onStreamsIdle?.();
      };
    },
    voice: {
      tickets,
      authorizer: new VoiceSocketAuthorizer({ tickets, auth, servers, settings }),
      sonic: sonicClient,
      pool: deps.pool,
      history: voiceHistory,
      loadHistory: (userId) => voiceHistory.load(userId),
      conversationRecord: (userId, mcpServerIds) =>
        new VoiceConversationRecord({ store: conversations, changes: conversationChanges, userId, model: settings.VOICE_MODEL_ID, mcpServerIds, logger: logger.child({ userId, component: 'voice' }) }),
    },
    trackVoiceSession: () => {
      metrics.voiceSessions.inc();
      let done = false;
      return () => {
        if (done) return;
        done = true;
        metrics.voiceSessions.dec();
      };
    },
  };

  const ops = createOpsHandler({
    registry,
    // The gateway's /metrics is on its public port: only holders of the internal key (Prometheus) read it.
    metricsCredential: new InternalCredential(requireInternalApiKey(settings)),
    readiness: { redis: () => redis.ping(), store: () => store.ping(), conversations: () => conversations.ping() },
    isDraining: () => draining,
  });
  // An idle kept-alive connection lives longer here (65 s) than clients and load balancers keep
  // theirs (undici ~4 s, an AWS ALB 60 s): with Node's default 5 s, the gateway could close a
  // connection just as a client sends its next request on it, which the client sees as a dropped
  // request (the fuzz run met it under load). headersTimeout must exceed keepAliveTimeout.
  const http = createGatewayHttp({ services, ops, version: VERSION });
  const server = createServer({ keepAliveTimeout: 65_000, headersTimeout: 66_000 }, http.listener);
  // Streams may stay open long; Node's default request timeout (5 min) would cut them.
  server.requestTimeout = 0;
  const preAuth = new PreAuthGuard({ maxSockets: settings.WS_MAX_UNAUTHENTICATED, maxBytes: settings.WS_PREAUTH_MAX_BYTES });
  const wsServer = new WsChatServer(services, {
    maxPayloadBytes: settings.MAX_BODY_BYTES,
    heartbeatMs: deps.wsHeartbeatMs,
    authTimeoutMs: deps.wsAuthTimeoutMs ?? settings.WS_AUTH_TIMEOUT_MS,
    preAuth,
  });
  const voiceServer = new WsVoiceServer(services, { heartbeatMs: deps.wsHeartbeatMs, preAuth, ...deps.voice });
  const upgradeAuth = new WsUpgradeAuth(identity, logger);
  server.on('upgrade', (req, socket, head) => {
    // Node's HTTP server stops listening for socket errors at an upgrade, and the ws library starts
    // only in handleUpgrade (never for a refusal): a reset meanwhile would otherwise crash the process.
    socket.on('error', () => socket.destroy());
    void upgradeAuth.check(req, socket).then((verdict) => {
      if (verdict.kind === 'refused' || socket.destroyed) return;
      // Unknown paths are answered 404 by the chat server.
      if ((req.url ?? '').split('?')[0] === VOICE_WS_PATH) voiceServer.handleUpgrade(req, socket, head);
      else wsServer.handleUpgrade(req, socket, head, verdict.kind === 'session' ? verdict.principal : undefined);
    });
  });

  if (identity.oidc) {
    // Early, so a wrong issuer shows in the log at start-up; a login retries it anyway.
    identity.oidc.discover().catch((error: unknown) => logger.warn({ err: error }, 'the OIDC provider cannot be reached yet; sign-in will retry'));
  }

  let closing: Promise<void> | undefined;
  const close = (drainTimeoutMs = 0): Promise<void> => {
    closing ??= (async () => {
      draining = true;
      const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      if (liveStreams > 0 && drainTimeoutMs > 0) {
        logger.info({ liveStreams, drainTimeoutMs }, 'draining live streams');
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, drainTimeoutMs);
          onStreamsIdle = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
      wsServer.close();
      await conversationRelay.close();
      // Voice conversations cannot move to another replica: they end now, their transcripts saved.
      await voiceServer.close();
      if (!deps.sonicClient) sonicClient.destroy();
      await turnEvents.close();
      server.closeAllConnections();
      await serverClosed;
      await producer.close();
    })();
    return closing;
  };

  return {
    server,
    expressApp: http.app,
    services,
    ws: wsServer,
    voice: voiceServer,
    listen: (port, host) =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve(server.address() as AddressInfo);
        });
      }),
    close,
  };
}

/** Sign-in as AUTH_MODE decides (throws when it refuses the configuration). */
function createIdentityServices(settings: GatewaySettings, redis: Redis, keys: ReturnType<typeof createRedisKeys>, logger: Logger): IdentityServices {
  const { mode } = resolveAuthMode(settings);
  const url = publicUrl(settings);
  return {
    mode,
    sessions: new SessionStore(redis, keys, { idleTimeoutS: settings.SESSION_IDLE_TIMEOUT_S, maxAgeS: settings.SESSION_MAX_AGE_S }),
    oidc:
      mode === 'oidc'
        ? new OidcSignIn({ settings, redirectUri: new URL(AUTH_PATHS.callback, url).href, redis, keys, logger: logger.child({ component: 'oidc' }) })
        : undefined,
    publicOrigin: url.origin,
    // The default PUBLIC_URL says localhost, but people open 127.0.0.1 just as often.
    allowedOrigins: new Set(settings.PUBLIC_URL ? [url.origin] : ['localhost', '127.0.0.1', '[::1]'].map((host) => `http://${host}:${settings.WEB_PORT}`)),
    secureCookies: url.protocol === 'https:',
    localUserId: settings.LOCAL_USER_ID,
    sessionMaxAgeS: settings.SESSION_MAX_AGE_S,
    signInLimiter: new RateLimiter({ counter: new RateCounter({ redis, prefix: settings.REDIS_PREFIX }), limit: settings.SIGN_INS_PER_MINUTE, bucket: { name: 'sign-ins', counted: 'sign-ins from this address' } }),
  };
}

import { z } from 'zod';
import { isIpRange } from './address-policy.js';

const bool = (fallback: boolean) =>
  z
    .enum(['1', '0', 'true', 'false', 'yes', 'no', 'on', 'off', ''])
    .optional()
    .transform((value) => (value === undefined || value === '' ? fallback : ['1', 'true', 'yes', 'on'].includes(value)));
const int = (fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER) => z.coerce.number().int().min(min).max(max).default(fallback);
const port = (fallback: number) => int(fallback, 1, 65535);
const optionalString = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === '' ? undefined : value.trim()));
/** A comma-separated list of CIDR ranges (`10.1.0.0/16`, `fd00::/8`) or single addresses. */
const ipRanges = z
  .string()
  .default('')
  .transform((value) => value.split(',').map((range) => range.trim()).filter(Boolean))
  .refine((ranges) => ranges.every(isIpRange), { message: 'expected comma-separated CIDR ranges such as 10.1.0.0/16 or fd00::/8' });

/**
 * Every setting the platform reads from the environment, with its default. The seed's names are
 * kept (`use_bedrock`, `ddb_table`, …). Units are in the names or the comments.
 */
export const SettingsSchema = z
  .object({
    /** development | production | test; production refuses unsafe defaults (no SECRETS_KEY, the development INTERNAL_API_KEY). */
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    /** pino level of every service's JSON log lines. */
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** When set, each service also writes its JSON log lines to `<LOG_DIR>/<service>.log`. */
    LOG_DIR: optionalString,
    /** Path of conf/config.json, relative to the project root. */
    CONFIG_PATH: z.string().default('conf/config.json'),

    /** Redis for queues, stream events, history and (by default) users' MCP server configs. */
    REDIS_URL: z.string().default('redis://127.0.0.1:6379'),
    /** Prepended to every Redis key and channel (lets several deployments share one Redis). */
    REDIS_PREFIX: z.string().regex(/^[A-Za-z0-9:_-]*$/).default('bmcp:'),

    /** Service API keys (comma-separated): may act for the user named in X-User-ID. For trusted back-ends only: whoever holds one can act as anyone. People sign in (AUTH_MODE) and integrations use personal keys. */
    API_KEY: optionalString,
    /**
     * How people sign in to the UI: `oidc` (an OpenID Connect provider, OIDC_ISSUER_URL), `local`
     * (everyone who reaches the gateway is LOCAL_USER_ID, no sign-in; meant for one person on
     * loopback), or `auto`: oidc when OIDC_ISSUER_URL is set, else local when the gateway binds a
     * loopback address (MCP_SERVICE_HOST), else the gateway refuses to start.
     */
    AUTH_MODE: z.enum(['auto', 'oidc', 'local']).default('auto'),
    /**
     * The origin people open the UI at (e.g. `https://mcp.example.com`); empty:
     * `http://localhost:<WEB_PORT>`. Gives the OIDC redirect URI (`<PUBLIC_URL>/auth/callback`), the
     * only Origin a cookie-authenticated WebSocket is accepted from, and (https) Secure `__Host-` cookies.
     */
    PUBLIC_URL: optionalString.pipe(z.url({ protocol: /^https?$/ }).optional()),
    /** AUTH_MODE=local: the user id everyone who reaches the UI acts as. */
    LOCAL_USER_ID: z.string().regex(/^[A-Za-z0-9_@+-][A-Za-z0-9._@+-]{0,127}$/, 'a user id: letters, digits and . _ @ + -').default('local'),
    /** OpenID Connect issuer URL (its `/.well-known/openid-configuration` is read at start-up); setting it turns sign-in on (AUTH_MODE=auto). */
    OIDC_ISSUER_URL: optionalString.pipe(z.url({ protocol: /^https?$/ }).optional()),
    /** OpenID Connect client id registered at the provider, with redirect URI `<PUBLIC_URL>/auth/callback`. */
    OIDC_CLIENT_ID: optionalString,
    /** OpenID Connect client secret (a secret: never logged); empty: a public client (PKCE only). */
    OIDC_CLIENT_SECRET: optionalString,
    /** Scopes asked for at sign-in (space-separated). */
    OIDC_SCOPES: z.string().default('openid profile email'),
    /** ID token / userinfo claim that becomes the user id (letters, digits and . _ @ + -, e.g. `sub`, `email`, `preferred_username`). */
    OIDC_USER_CLAIM: z.string().min(1).default('sub'),
    /** Claim shown as the signed-in person's name (falls back to the user id). */
    OIDC_NAME_CLAIM: z.string().min(1).default('name'),
    /** Email domains (comma-separated) allowed to sign in, checked on a verified `email` claim; empty: any. */
    OIDC_ALLOWED_DOMAINS: z
      .string()
      .default('')
      .transform((value) => value.split(',').map((domain) => domain.trim().toLowerCase()).filter(Boolean)),
    /** Groups (comma-separated) of which a person must be in at least one to sign in (OIDC_GROUPS_CLAIM); empty: any. */
    OIDC_ALLOWED_GROUPS: z
      .string()
      .default('')
      .transform((value) => value.split(',').map((group) => group.trim()).filter(Boolean)),
    /** Claim holding the person's groups (an array or a space-separated string; Cognito: `cognito:groups`). */
    OIDC_GROUPS_CLAIM: z.string().min(1).default('groups'),
    /** Seconds a browser session lives without a request before it must sign in again. */
    SESSION_IDLE_TIMEOUT_S: int(28_800, 60),
    /** Seconds a browser session lives at most from sign-in, however active. */
    SESSION_MAX_AGE_S: int(604_800, 60),
    /** Sign-ins (`GET /auth/login` with an identity provider) one address may start per minute; each keeps a little state in Redis for 10 minutes, so a flood is refused with 429. */
    SIGN_INS_PER_MINUTE: int(30, 1),
    /**
     * Passphrase (at least 16 characters, e.g. `openssl rand -base64 32`) from which the key that
     * encrypts secrets at rest (MCP env values, tokens, header values; AES-256-GCM) is derived with
     * scrypt. Required in production; elsewhere unset means a public development key and a warning.
     * Changing it makes stored secrets unreadable.
     */
    SECRETS_KEY: optionalString,
    /**
     * Shared secret (at least 32 characters, e.g. `openssl rand -base64 32`) the gateway, agent-worker
     * and mcp-pool present to each other as `Authorization: Bearer <key>`: the pool serves no request,
     * call socket or replica forward without it, and `/metrics` of every service requires it. Required
     * everywhere: the services refuse to start without it (`npm start` generates one into `.env`).
     */
    INTERNAL_API_KEY: optionalString.pipe(z.string().min(32, 'must be at least 32 characters (e.g. `openssl rand -base64 32`)').optional()),

    /** Bedrock (and DynamoDB) region; credentials come from the standard AWS chain or conf/credential.csv. */
    AWS_REGION: z.string().default('us-east-1'),
    /** 1: Bedrock; 0: an OpenAI-compatible provider at COMPATIBLE_API_BASE. */
    use_bedrock: bool(true),
    /** OpenAI-compatible API base URL (usually ending in /v1), used with use_bedrock=0 or `provider: openai` models. */
    COMPATIBLE_API_BASE: optionalString,
    /** API key for COMPATIBLE_API_BASE. */
    COMPATIBLE_API_KEY: optionalString,
    /** CSV with columns ak,sk: Bedrock requests rotate across these credentials. */
    CREDENTIAL_CSV: z.string().default('conf/credential.csv'),

    /** DynamoDB table for users' MCP server configs; unset: Redis. */
    ddb_table: optionalString,

    /** Model rounds one chat turn may take before it ends with finish reason max_turns. */
    MAX_TURNS: int(200, 1, 10_000),
    /** Minutes a server may sit unused before the pool evicts it (fractions allowed). */
    INACTIVE_TIME: z.coerce.number().positive().max(60 * 24 * 7).default(10),

    /** Gateway bind address (the seed's name); loopback by default (containers set 0.0.0.0; see AUTH_MODE for what a non-loopback bind requires). */
    MCP_SERVICE_HOST: z.string().default('127.0.0.1'),
    /** Gateway port (the seed's name). */
    MCP_SERVICE_PORT: port(7002),
    /** mcp-pool bind address; loopback by default (containers set 0.0.0.0 to serve the cluster network). */
    MCP_POOL_HOST: z.string().default('127.0.0.1'),
    /** mcp-pool port. */
    MCP_POOL_PORT: port(7003),
    /** Where workers and the gateway reach the mcp-pool (any replica). */
    MCP_POOL_URL: z.string().default('http://127.0.0.1:7003'),
    /** agent-worker's health/metrics bind address; loopback by default (containers set 0.0.0.0 for probes and scraping). */
    AGENT_WORKER_HOST: z.string().default('127.0.0.1'),
    /** agent-worker's health/metrics port. */
    AGENT_WORKER_PORT: port(7004),
    /** Web UI port (static build served under /chat; the gateway's public paths proxied through it). */
    WEB_PORT: port(3000),
    /** Web server bind address; loopback by default (containers set 0.0.0.0). With AUTH_MODE=local, whoever reaches it is the local user. */
    WEB_HOST: z.string().default('127.0.0.1'),
    /** web: where the web server proxies `/v1`, `/auth`, `/ws`, `/docs` and `/openapi.json` to (the browser talks only to the web origin). */
    GATEWAY_URL: z.string().default('http://127.0.0.1:7002'),

    /** Concurrent turns per worker process. */
    WORKER_CONCURRENCY: int(20, 1, 1000),
    /** Longest one model call may run, in milliseconds. */
    MODEL_CALL_TIMEOUT_MS: int(300_000, 1000),
    /** Longest a whole chat turn may run, in milliseconds. */
    TURN_TIMEOUT_MS: int(1_800_000, 1000),
    /** Messages kept in a user's server-side history. */
    HISTORY_MAX_MESSAGES: int(200, 2, 100_000),
    /** agent-worker: milliseconds a worker's lock on a running turn's job lasts (BullMQ renews it at half this); a dead worker's turn is resumed after it expires. */
    WORKER_LOCK_DURATION_MS: int(30_000, 500),
    /** agent-worker: milliseconds between a worker's checks for stalled jobs (turns whose worker died). */
    WORKER_STALLED_INTERVAL_MS: int(30_000, 200),
    /** agent-worker: times one turn may stall and be resumed by another worker before it fails with worker_lost. */
    WORKER_MAX_STALLED_COUNT: int(2, 0, 100),
    /** agent-worker: milliseconds the per-user history lock lives without renewal (a keep_session turn renews it every third). */
    HISTORY_LOCK_TTL_MS: int(30_000, 500),
    /** agent-worker: milliseconds a keep_session turn waits for another turn of the same user to release the history. */
    HISTORY_LOCK_WAIT_MS: int(60_000, 0),
    /** agent-worker: attempts per model call on throttling/unavailable errors that happen before any output. */
    MODEL_MAX_ATTEMPTS: int(4, 1, 20),
    /** agent-worker: first retry delay (ms) of a model call; doubles per attempt (with jitter), capped at 8 s. */
    MODEL_RETRY_BASE_MS: int(250, 0, 60_000),
    /** agent-worker: milliseconds to fetch an http(s) image URL of a chat message. */
    IMAGE_FETCH_TIMEOUT_MS: int(10_000, 100),
    /** agent-worker: largest image (bytes) fetched from an http(s) URL of a chat message. */
    IMAGE_FETCH_MAX_BYTES: int(5 * 1024 * 1024, 1024),
    /** agent-worker: 1 lets image URLs of chat messages resolve to private, loopback or link-local addresses; 0 refuses them (users cannot make the worker fetch internal services). */
    IMAGE_FETCH_ALLOW_PRIVATE: bool(false),
    /** agent-worker: CIDR ranges (comma-separated) image URLs of chat messages may resolve to although they are private or reserved, e.g. an internal image host; every redirect is checked too. */
    IMAGE_FETCH_ALLOWED_RANGES: ipRanges,

    /** none | catalog | any: who may run user-added stdio servers. */
    MCP_USER_STDIO: z.enum(['none', 'catalog', 'any']).default('catalog'),
    /** CIDR ranges user-added URL servers may resolve to despite being private/loopback (comma-separated). */
    MCP_ALLOWED_URL_RANGES: ipRanges,
    /** Longest an MCP server may take to start and initialize, in milliseconds. */
    MCP_START_TIMEOUT_MS: int(30_000, 100),
    /** Default timeout of one tool call, in milliseconds. */
    TOOL_CALL_TIMEOUT_MS: int(120_000, 100),
    /** Tool results larger than this (bytes of text + base64) are cut with a marker. */
    TOOL_RESULT_MAX_BYTES: int(200_000, 1024),
    /**
     * Longest MCP message (bytes) the pool reads from a server: one stdio line, one HTTP JSON body or
     * SSE event. Results are cut to TOOL_RESULT_MAX_BYTES only after they are parsed, so this bounds
     * the memory one server can make the pool hold; a server that sends more is stopped with an error.
     */
    MCP_MAX_MESSAGE_BYTES: int(8 * 1024 * 1024, 64 * 1024),
    /** Tools one MCP server may list; a server listing more fails with an error naming the limit. */
    MCP_MAX_TOOLS_PER_SERVER: int(256, 1, 10_000),
    /** Running MCP servers per user; the least recently used idle one is evicted when full. */
    POOL_MAX_SERVERS_PER_USER: int(10, 1),
    /** Running MCP servers per pool replica, all users together. */
    POOL_MAX_SERVERS: int(200, 1),
    /** Milliseconds each step of stopping a stdio server waits: stdin closed → SIGTERM to its process group → SIGKILL. */
    MCP_STOP_GRACE_MS: int(2000, 10, 60_000),
    /** First restart delay (ms) after a server failed twice in a row; doubles per failure up to MCP_RESTART_BACKOFF_MAX_MS. */
    MCP_RESTART_BACKOFF_MS: int(1000, 0),
    /** Longest restart delay (ms) after repeated failures. */
    MCP_RESTART_BACKOFF_MAX_MS: int(60_000, 0),
    /** Milliseconds the pool reuses a user's server config it read, for tool calls (catalog and ensure always read it fresh). */
    POOL_CONFIG_CACHE_MS: int(2000, 0),
    /** This pool replica's id (default: hostname-pid). */
    POOL_REPLICA_ID: optionalString,
    /** Base URL other pool replicas reach this one at (default: http://127.0.0.1:<MCP_POOL_PORT>). */
    POOL_ADVERTISE_URL: optionalString,
    /** Milliseconds between a pool replica's heartbeats; its heartbeat and its users' ownership expire after 3×. */
    POOL_HEARTBEAT_MS: int(5000, 50, 600_000),
    /** Folder holding each user's workspace (`${USER_WORKSPACE}` in conf servers). */
    USER_WORKSPACES_DIR: z.string().default('data/workspaces'),

    /** Requests per user per minute on the chat endpoints. */
    RATE_LIMIT_PER_MINUTE: int(120, 1),
    /** Largest accepted JSON body (bytes), attachments included. */
    MAX_BODY_BYTES: int(25 * 1024 * 1024, 1024),
    /** Largest single attachment (image or file part) a chat message may carry, in decoded bytes. */
    MAX_ATTACHMENT_BYTES: int(10 * 1024 * 1024, 1024),
    /** Messages one chat request may carry (system, assistant and tool messages included); more is refused with 400 naming `messages`. */
    MAX_MESSAGES_PER_REQUEST: int(500, 1),
    /** Image parts one chat request may carry (Bedrock accepts at most 20 images per request); more is refused with 400. */
    MAX_IMAGES_PER_REQUEST: int(20, 0),
    /** File (document) parts one chat request may carry (Bedrock accepts at most 5 documents per request); more is refused with 400. */
    MAX_DOCUMENTS_PER_REQUEST: int(5, 0),
    /** Chat turns one user may have running or queued at once, across all gateways; more is refused with 429 until one ends. */
    MAX_CONCURRENT_TURNS_PER_USER: int(10, 1),
    /** MCP server adds and tool listings (each may start a server process) per user per minute; more is refused with 429. */
    MCP_SERVER_STARTS_PER_MINUTE: int(30, 1),
    /** MCP server listings with live status (`GET /v1/mcp_servers`; the web UI polls it every 2 s while a server starts) per user per minute; more is refused with 429. */
    MCP_SERVER_LISTINGS_PER_MINUTE: int(120, 1),
    /** Bytes a chat WebSocket client may send before it is authenticated (its `auth` frame included); more closes the socket with 1009. After authentication frames may be up to MAX_BODY_BYTES. */
    WS_PREAUTH_MAX_BYTES: int(16 * 1024, 256),
    /** WebSockets (chat and voice) one gateway keeps open while they are not yet authenticated; more are closed with 1013 (try again later). */
    WS_MAX_UNAUTHENTICATED: int(256, 1),
    /** Milliseconds a chat WebSocket has to send its `auth` frame before it is closed with 4401. */
    WS_AUTH_TIMEOUT_MS: int(10_000, 100),
    /** agent-worker: bytes all http(s) image URLs of one turn may download together (each also within IMAGE_FETCH_MAX_BYTES); past that the turn ends with invalid_request. */
    IMAGE_FETCH_MAX_TOTAL_BYTES: int(20 * 1024 * 1024, 1024),
    /** Browser origins the gateway answers CORS requests from (comma-separated); `*`: any. */
    CORS_ORIGINS: z
      .string()
      .default('*')
      .transform((value) => value.split(',').map((origin) => origin.trim()).filter(Boolean)),
    /** Events kept per turn for resume, and for how long (seconds). */
    STREAM_REPLAY_MAX_EVENTS: int(10_000, 100),
    /** Seconds a turn's events are kept for resume after its last event. */
    STREAM_REPLAY_TTL_S: int(3600, 10),
    /** Seconds SIGTERM waits for in-flight work before exiting. */
    SHUTDOWN_TIMEOUT_S: int(30, 1, 3600),

    /** Voice (Nova Sonic speech-to-speech): the Bedrock model id of InvokeModelWithBidirectionalStream. */
    VOICE_MODEL_ID: z.string().min(1).default('amazon.nova-sonic-v1:0'),
    /** Voice: the system prompt of every voice conversation. */
    VOICE_SYSTEM_PROMPT: z
      .string()
      .min(1)
      .default(
        'You are a helpful voice assistant. The user and you are having a spoken conversation: keep answers short, ' +
          'two or three sentences, and use the tools you are given when they help.',
      ),
    /** Voice: ids the user may pick (comma-separated; the first is the default); Nova Sonic has matthew, tiffany, amy and more. */
    VOICE_IDS: z
      .string()
      .default('matthew,tiffany,amy')
      .transform((value) => value.split(',').map((id) => id.trim()).filter(Boolean))
      .pipe(z.array(z.string().regex(/^[a-z][a-z0-9_-]*$/)).min(1)),
    /** Voice: milliseconds after which a Sonic stream is replaced by a new one carrying the conversation (Bedrock ends a session at 8 minutes). */
    VOICE_SESSION_RENEW_MS: int(450_000, 1000, 480_000),
    /** Voice: milliseconds a due renewal may wait for the assistant to finish its turn before it happens anyway. */
    VOICE_SESSION_RENEW_GRACE_MS: int(20_000, 0, 120_000),
    /** Voice: prior text turns replayed into a new Sonic stream (Nova Sonic accepts at most 40). */
    VOICE_HISTORY_MAX_MESSAGES: int(40, 0, 40),
    /** Voice: UTF-8 bytes kept of each replayed turn (Nova Sonic accepts at most 1000; longer turns keep their end). */
    VOICE_HISTORY_MAX_BYTES: int(1000, 50, 1000),
    /** Voice: most tokens Sonic generates per response. */
    VOICE_MAX_TOKENS: int(1024, 1, 10_000),
    /** Voice: Sonic nucleus sampling (0–1). */
    VOICE_TOP_P: z.coerce.number().min(0).max(1).default(0.9),
    /** Voice: Sonic temperature (0–1). */
    VOICE_TEMPERATURE: z.coerce.number().min(0).max(1).default(0.7),
    /** Voice: seconds a WebSocket ticket issued by the REST API stays valid (single use). */
    VOICE_TICKET_TTL_S: int(60, 5, 600),
    /** Voice: 1 also accepts the seed's `token` query parameter (an API key in the URL, logged by proxies) on /ws/user-audio. */
    VOICE_ALLOW_QUERY_TOKEN: bool(false),
  })
  .loose();
export type Settings = z.infer<typeof SettingsSchema>;

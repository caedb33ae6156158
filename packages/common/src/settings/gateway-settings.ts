import { z } from 'zod';
import { int, port, optionalString } from './setting-fields.js';

/** The gateway: sign-in, its bind address, request limits and WebSockets. */
export const GATEWAY_SETTINGS = {
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
  OIDC_ISSUER_URL: optionalString.pipe(z.url({ protocol: /^https?$/ }).optional()).meta({ examples: ['https://login.example.com/realms/main'] }),
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
  /** Gateway bind address (the seed's name); loopback by default (containers set 0.0.0.0; see AUTH_MODE for what a non-loopback bind requires). */
  MCP_SERVICE_HOST: z.string().default('127.0.0.1'),
  /** Gateway port (the seed's name). */
  MCP_SERVICE_PORT: port(7002),
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
  /** Browser origins the gateway answers CORS requests from (comma-separated); `*`: any. */
  CORS_ORIGINS: z
    .string()
    .default('*')
    .transform((value) => value.split(',').map((origin) => origin.trim()).filter(Boolean)),
};

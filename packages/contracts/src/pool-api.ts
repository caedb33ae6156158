import { z } from 'zod';
import { ServerIdSchema, UserIdSchema } from './ids.js';
import { HttpUrlSchema } from './mcp-server-config.js';
import { RequestServerSchema } from './request-mcp-server.js';
import { ApprovalPolicySchema } from './tool-approval.js';
import { ToolResultSchema } from './tool-result.js';
import { ElicitationSchemaSchema } from './turn-asks.js';

/**
 * The mcp-pool's internal HTTP API; its routes are POOL_ROUTES (pool-routes.ts). Every route is
 * scoped by user:
 *   POST   /v1/users/:userId/servers/:serverId/ensure  → PoolServerStatus
 *   GET    /v1/users/:userId/servers                   → PoolServerListResponse
 *   DELETE /v1/users/:userId/servers/:serverId         → PoolServerStatus (state stopped)
 *   POST   /v1/users/:userId/catalog   CatalogRequest  → CatalogResponse
 *   POST   /v1/users/:userId/call      CallToolRequest → NDJSON stream of CallToolStreamLine
 *   POST   /v1/users/:userId/request-servers/check  RequestServerCheck → 204 (403 `forbidden`: refused address)
 *   DELETE /v1/users/:userId/turns/:turnId/servers  → 204 (the turn's request servers closed)
 *
 * Request servers: a chat request's own remote MCP servers (RequestServerSchema) come with the
 * catalog request and with each call to one of them, so whichever replica serves the user can
 * connect. The pool runs one per (user, turn, server id), never lists it among the user's servers,
 * checks its URL like a user-added one (MCP_ALLOWED_URL_RANGES), offers and calls only its
 * `allowedTools`, and closes it when the turn's worker says the turn ended, or once idle.
 * Errors: PoolErrorBody with the status of POOL_ERROR_STATUS. The call route answers
 * `application/x-ndjson`: a failure before its first line still gets a PoolErrorBody and its status;
 * after a progress line it is the closing `error` line. Closing the call request cancels the call.
 * Any replica accepts any user: it serves the user or forwards to the replica that owns the user.
 *
 * Elicitation: a call whose request has `elicitationTimeoutMs` opts in to answering its MCP
 * server's `elicitation/create` (form mode). The question reaches the caller as an `elicitation`
 * line (or call-socket frame) with a pool-chosen `elicitationId`; the caller answers once with
 *   POST   /v1/users/:userId/elicitations/:elicitationId   ElicitationResponse → 204
 * (404 `tool_not_found` for an id that is unknown, answered, expired, or another user's). While it waits, the call's
 * own timeout is paused (and starts over once answered); after `elicitationTimeoutMs` without an
 * answer, or when the call ends, the server gets `cancel`. A call that did not opt in has every
 * elicitation declined. On stdio nothing in MCP ties an elicitation to the call it belongs to, so
 * it goes to the one call in flight on that server connection; with several (a shared server used
 * by many calls at once) it is declined, since it cannot be told whom it asks.
 *
 * Tool calls can also go over the call socket, `GET /v1/calls` upgraded to a WebSocket: many calls
 * at once on one connection, each a CallSocketClientFrame `call` answered by CallSocketServerFrames
 * with its `id` (progress, then one result or error). It saves a tool call the HTTP request and
 * response. A replica serves there only users it owns; for any other it answers `reroute`, and the
 * caller makes that call over HTTP (which routes it). Closing the socket cancels its calls. A
 * replica shutting down closes it with 1001 only once none of its calls runs there: calls the
 * caller still awaits then were never run, and go over HTTP.
 *
 * Every route, the call socket's upgrade and `/metrics` require the platform's internal credential,
 * INTERNAL_API_KEY, as `Authorization: Bearer <key>` (internalAuthorization). Without it, or with
 * another key, the answer is 401 with a PoolErrorBody (code `unauthorized`) and nothing is done;
 * the call socket is refused before its handshake. Replicas forward with the same header. Only
 * `/healthz` and `/readyz` are open (probes; they tell nothing about users).
 */
export const PoolServerStateSchema = z.enum(['stopped', 'starting', 'ready', 'error']);
export type PoolServerState = z.infer<typeof PoolServerStateSchema>;

export const PoolServerStatusSchema = z.object({
  serverId: z.string(),
  scope: z.enum(['global', 'user']),
  transport: z.enum(['stdio', 'sse', 'streamable_http']),
  state: PoolServerStateSchema,
  error: z.string().optional(),
  /** Last lines the server wrote to stderr (stdio only). */
  stderrTail: z.array(z.string()).optional(),
  pid: z.number().int().optional(),
  startedAt: z.number().optional(),
  lastUsedAt: z.number().optional(),
  toolCount: z.number().int().optional(),
  restarts: z.number().int().optional(),
});
export type PoolServerStatus = z.infer<typeof PoolServerStatusSchema>;
export const PoolServerListResponseSchema = z.object({ servers: z.array(PoolServerStatusSchema) });

export const CatalogRequestSchema = z
  .object({
    serverIds: z.array(ServerIdSchema).max(50),
    /** The turn's own remote servers, listed with the others. */
    requestServers: z.array(RequestServerSchema).max(10).optional(),
  })
  .strict();
export type CatalogRequest = z.infer<typeof CatalogRequestSchema>;

export const CatalogToolSchema = z.object({
  /** Bedrock-safe, unique across the requested servers: what the model sees and calls. */
  name: z.string(),
  serverId: z.string(),
  /** The tool's own name on its server. */
  toolName: z.string(),
  description: z.string(),
  inputSchema: z.record(z.string(), z.unknown()),
  /** The server's approval policy: the admin's for a global server, the owner's for a user's own; absent: none. */
  requireApproval: ApprovalPolicySchema.optional(),
});
export type CatalogTool = z.infer<typeof CatalogToolSchema>;

export const CatalogResponseSchema = z.object({
  tools: z.array(CatalogToolSchema),
  /** Servers that could not be listed; the others' tools are still returned. */
  errors: z.array(z.object({ serverId: z.string(), message: z.string() })),
});
export type CatalogResponse = z.infer<typeof CatalogResponseSchema>;

export const CallToolRequestSchema = z
  .object({
    serverId: ServerIdSchema,
    toolName: z.string().min(1),
    arguments: z.record(z.string(), z.unknown()).default({}),
    /** Milliseconds; the pool's default applies when absent. */
    timeoutMs: z.number().int().positive().max(3_600_000).optional(),
    /** For logs and idempotency bookkeeping. */
    toolUseId: z.string().optional(),
    /**
     * Present: the caller answers the server's elicitations (see above), each within this many
     * milliseconds. Absent: they are declined.
     */
    elicitationTimeoutMs: z.number().int().positive().max(7 * 24 * 3_600_000).optional(),
    /** The call is to this request server of the turn (its serverId is `serverId`), not to a registered one. */
    requestServer: RequestServerSchema.optional(),
  })
  .strict()
  .refine((request) => request.requestServer === undefined || request.requestServer.serverId === request.serverId, { message: 'requestServer.serverId must be the serverId', path: ['requestServer'] });
export type CallToolRequest = z.infer<typeof CallToolRequestSchema>;

/** URLs of request servers to check against the pool's address policy before a turn starts. */
export const RequestServerCheckSchema = z.object({ urls: z.array(HttpUrlSchema).min(1).max(10) }).strict();

export const PoolErrorCodeSchema = z.enum([
  'invalid_request',
  /** The caller did not present the internal credential (INTERNAL_API_KEY). */
  'unauthorized',
  'server_not_found',
  'server_disabled',
  'server_start_failed',
  'tool_not_found',
  'forbidden',
  'capacity_exhausted',
  'timeout',
  'cancelled',
  'not_owner',
  'internal',
]);
export type PoolErrorCode = z.infer<typeof PoolErrorCodeSchema>;

export const POOL_ERROR_STATUS = {
  invalid_request: 400,
  unauthorized: 401,
  server_not_found: 404,
  server_disabled: 409,
  server_start_failed: 502,
  tool_not_found: 404,
  forbidden: 403,
  capacity_exhausted: 503,
  timeout: 504,
  cancelled: 499,
  not_owner: 421,
  internal: 500,
} as const satisfies Record<PoolErrorCode, number>;

export const PoolErrorSchema = z.object({ code: PoolErrorCodeSchema, message: z.string() });
export type PoolError = z.infer<typeof PoolErrorSchema>;
export const PoolErrorBodySchema = z.object({ error: PoolErrorSchema });

/** One line of the `call` route's NDJSON response; exactly one `result` or `error` line ends it. */
const CallProgressSchema = z.object({ type: z.literal('progress'), progress: z.number(), total: z.number().optional(), message: z.string().optional() });
const CallResultSchema = z.object({ type: z.literal('result'), result: ToolResultSchema, durationMs: z.number() });
const CallErrorSchema = z.object({ type: z.literal('error'), error: PoolErrorSchema });

/** The pool's id of one elicitation waiting for its caller's answer. */
export const PoolElicitationIdSchema = z.string().regex(/^eli_[A-Za-z0-9_-]{16,64}$/, 'not an elicitation id');

/** The MCP server asks the caller for input (elicitation/create, form mode); answer it with POOL_ROUTES.answerElicitation. */
const CallElicitationSchema = z.object({
  type: z.literal('elicitation'),
  elicitationId: PoolElicitationIdSchema,
  message: z.string(),
  requestedSchema: ElicitationSchemaSchema,
});
export type CallElicitation = z.infer<typeof CallElicitationSchema>;

/** The caller's answer to an elicitation, relayed to the server as MCP's ElicitResult. */
export const ElicitationResponseSchema = z
  .object({
    action: z.enum(['accept', 'decline', 'cancel']),
    content: z.record(z.string(), z.union([z.string().max(10_000), z.number(), z.boolean(), z.array(z.string().max(1000)).max(100)])).optional(),
  })
  .strict()
  .refine((answer) => answer.action === 'accept' || answer.content === undefined, { message: 'content goes only with action "accept"' });
export type ElicitationResponse = z.infer<typeof ElicitationResponseSchema>;

export const CallToolStreamLineSchema = z.discriminatedUnion('type', [CallProgressSchema, CallResultSchema, CallErrorSchema, CallElicitationSchema]);
export type CallToolStreamLine = z.infer<typeof CallToolStreamLineSchema>;

/** The `Authorization` header value that carries the internal credential to the mcp-pool (and to `/metrics`). */
export function internalAuthorization(internalApiKey: string): string {
  return `Bearer ${internalApiKey}`;
}

/** The key an `Authorization` header presents as `Bearer <key>`, or undefined. */
export function presentedInternalKey(authorization: string | undefined): string | undefined {
  const match = authorization === undefined ? null : /^Bearer +(\S+) *$/i.exec(authorization);
  return match?.[1];
}

/** Unique among the calls in flight on one socket. */
const CallIdSchema = z.number().int().nonnegative();

export const CallSocketClientFrameSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('call'), id: CallIdSchema, userId: UserIdSchema, request: CallToolRequestSchema }),
  /** Cancels the call at its MCP server; no answer follows. */
  z.object({ type: z.literal('cancel'), id: CallIdSchema }),
]);
export type CallSocketClientFrame = z.input<typeof CallSocketClientFrameSchema>;

export const CallSocketServerFrameSchema = z.discriminatedUnion('type', [
  CallProgressSchema.extend({ id: CallIdSchema }),
  CallResultSchema.extend({ id: CallIdSchema }),
  CallErrorSchema.extend({ id: CallIdSchema }),
  CallElicitationSchema.extend({ id: CallIdSchema }),
  /** This replica does not own the user: make the call over HTTP. */
  z.object({ type: z.literal('reroute'), id: CallIdSchema }),
]);
export type CallSocketServerFrame = z.infer<typeof CallSocketServerFrameSchema>;

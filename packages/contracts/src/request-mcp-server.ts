import { z } from 'zod';
import { ServerIdSchema, TurnIdSchema } from './ids.js';
import { HttpHeaderNameSchema, HttpHeadersSchema, HttpUrlSchema } from './mcp-server-config.js';
import { ApprovalPolicySchema } from './tool-approval.js';

/**
 * A request's own remote MCP server: an entry `{"type": "mcp", …}` of a chat request's `tools`, in
 * the shape of OpenAI's Responses API. It lives for that request only: never stored among the
 * user's servers, its connection closed when the turn ends.
 */
export const McpToolSchema = z.object({
  type: z.literal('mcp'),
  server_label: z.string().regex(/^[A-Za-z0-9_-]{1,40}$/, 'server_label must be 1 to 40 letters, digits, _ or -'),
  server_url: z.url({ protocol: /^https?$/, error: 'server_url must be an http(s) URL' }),
  server_description: z.string().max(500).optional(),
  /** Sent with every request to the server (secrets: never logged nor sent in events). */
  headers: HttpHeadersSchema.optional(),
  /** An OAuth access token, sent as `Authorization: Bearer <token>`. */
  authorization: z.string().min(1).optional(),
  /** Only these of the server's tools (their own names) are offered to the model and may be called. */
  allowed_tools: z.union([z.array(z.string().min(1).max(256)).max(500), z.object({ tool_names: z.array(z.string().min(1).max(256)).max(500) })]).optional(),
  require_approval: ApprovalPolicySchema.optional(),
});
export type McpTool = z.infer<typeof McpToolSchema>;

/** The server id a request's server goes by: never a registered server's in the same request (the gateway checks). */
export function requestServerIdOf(serverLabel: string): string {
  return `req-${serverLabel}`;
}

/**
 * A secret value sealed by the gateway (AES-256-GCM, `enc:v1:<key id>:<base64url>`, SecretCipher
 * in config-store): only the gateway and the mcp-pool hold SECRETS_KEY to seal and open it.
 */
export const SEALED_SECRET_PATTERN = /^enc:v1:([0-9a-f]{8}):([A-Za-z0-9_-]+)$/;
const SealedSecretSchema = z.string().regex(SEALED_SECRET_PATTERN, 'must be a value sealed by the gateway, never plain text');

/**
 * A request's own server as the agent worker hands it to the mcp-pool with the catalog and each
 * call of its turn (pool-api.ts): the pool runs it for (user, turn), apart from the user's servers.
 * Its token and header values are sealed (RequestServerSecrets in config-store) from the gateway
 * to the pool: the job in Redis and the worker never hold them in plain text.
 */
export const RequestServerSchema = z
  .object({
    serverId: ServerIdSchema,
    /** The turn it belongs to: the pool keys its connection by it and closes it when the turn ends. */
    turnId: TurnIdSchema,
    transport: z.literal('streamable_http'),
    url: HttpUrlSchema,
    token: SealedSecretSchema.optional(),
    headers: z.record(HttpHeaderNameSchema, SealedSecretSchema).default({}),
    description: z.string().max(500).optional(),
    allowedTools: z.array(z.string().min(1)).optional(),
    requireApproval: ApprovalPolicySchema.optional(),
  })
  .strict();
export type RequestServer = z.infer<typeof RequestServerSchema>;

/** A request's `mcp` tool → the server its turn runs with, its secrets still in plain text (the gateway seals them). */
export function requestServerOf(tool: McpTool, turnId: string): RequestServer {
  const allowed = Array.isArray(tool.allowed_tools) ? tool.allowed_tools : tool.allowed_tools?.tool_names;
  return {
    serverId: requestServerIdOf(tool.server_label),
    turnId,
    transport: 'streamable_http',
    url: tool.server_url,
    headers: tool.headers ?? {},
    ...(tool.authorization === undefined ? {} : { token: tool.authorization }),
    ...(tool.server_description === undefined ? {} : { description: tool.server_description }),
    ...(allowed === undefined ? {} : { allowedTools: allowed }),
    ...(tool.require_approval === undefined ? {} : { requireApproval: tool.require_approval }),
  };
}

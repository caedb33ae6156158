import { z } from 'zod';
import { ServerIdSchema } from './ids.js';
import { ApprovalPolicySchema } from './tool-approval.js';

const EnvSchema = z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'env names must be shell-style identifiers'), z.string());
/** HTTP header names and their values (secrets: never logged). */
export const HttpHeaderNameSchema = z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'not an HTTP header name');
export const HttpHeadersSchema = z.record(HttpHeaderNameSchema, z.string());
export const HttpUrlSchema = z.url({ protocol: /^https?$/, error: 'url must be an http(s) URL' });

const common = {
  description: z.string().max(500).optional(),
  /** Whether the server is offered to the model by default. */
  enabled: z.boolean().default(true),
  /** Which of the server's tools a person must approve before they run (tool-approval.ts); none when absent. */
  requireApproval: ApprovalPolicySchema.optional(),
};

export const StdioServerConfigSchema = z
  .object({
    transport: z.literal('stdio'),
    command: z.string().min(1).max(500),
    args: z.array(z.string().max(4000)).max(100).default([]),
    env: EnvSchema.default({}),
    cwd: z.string().max(1000).optional(),
    ...common,
  })
  .strict();

export const SseServerConfigSchema = z
  .object({
    transport: z.literal('sse'),
    url: HttpUrlSchema,
    token: z.string().optional(),
    headers: HttpHeadersSchema.default({}),
    ...common,
  })
  .strict();

export const StreamableHttpServerConfigSchema = z
  .object({
    transport: z.literal('streamable_http'),
    url: HttpUrlSchema,
    /** Sent as `Authorization: Bearer <token>`. */
    token: z.string().optional(),
    headers: HttpHeadersSchema.default({}),
    ...common,
  })
  .strict();

/** A normalized MCP server configuration: what the pool connects with. */
export const McpServerConfigSchema = z.discriminatedUnion('transport', [
  StdioServerConfigSchema,
  SseServerConfigSchema,
  StreamableHttpServerConfigSchema,
]);
export type McpServerConfig = z.infer<typeof McpServerConfigSchema>;
export type StdioServerConfig = z.infer<typeof StdioServerConfigSchema>;
export type UrlServerConfig = Exclude<McpServerConfig, StdioServerConfig>;

/**
 * One entry of the `{"mcpServers": {…}}` format of Claude Desktop and the seed (and of
 * conf/config.json): stdio when it has `command`, else a URL server. The seed's `status`
 * (1 on, 0 off) and Claude Desktop's `disabled` both map to `enabled`.
 */
export const McpServerEntrySchema = z.object({
  command: z.string().optional(),
  args: z.array(z.string()).optional(),
  env: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String)).optional(),
  cwd: z.string().optional(),
  url: z.string().optional(),
  token: z.string().optional(),
  headers: z.record(z.string(), z.string()).optional(),
  /** Explicit transport; otherwise a URL path ending in /sse means legacy SSE. */
  type: z.enum(['stdio', 'sse', 'streamable_http', 'streamable-http', 'http']).optional(),
  transport: z.enum(['stdio', 'sse', 'streamable_http', 'streamable-http', 'http']).optional(),
  description: z.string().optional(),
  status: z.union([z.literal(0), z.literal(1)]).optional(),
  disabled: z.boolean().optional(),
  /**
   * conf/config.json only: run one instance per user (default for stdio) or one shared by all
   * users (`false`). `${USER_ID}` and `${USER_WORKSPACE}` in args, env and cwd are replaced per user.
   */
  per_user: z.boolean().optional(),
  /**
   * conf/config.json only: a sandboxed stdio server gets the host network (default: none, not even
   * loopback, so it cannot reach Redis or the platform's services). Ignored in users' own configs.
   */
  network: z.boolean().optional(),
  /**
   * Which of the server's tools a person must approve before they run (`"always"`, `"never"`, or
   * `{ always?: { tool_names }, never?: { tool_names } }`); set by the admin in conf/config.json,
   * by the owner on their own servers. A request cannot lower it.
   */
  require_approval: ApprovalPolicySchema.optional(),
});
export type McpServerEntry = z.infer<typeof McpServerEntrySchema>;

export const McpServersImportSchema = z.object({ mcpServers: z.record(ServerIdSchema, McpServerEntrySchema) });
export type McpServersImport = z.infer<typeof McpServersImportSchema>;

/** An import-format entry → a validated, normalized config (throws a ZodError naming the field). */
export function normalizeMcpServerEntry(entry: McpServerEntry): McpServerConfig {
  const enabled = entry.disabled === true ? false : entry.status !== 0;
  const declared = entry.transport ?? entry.type;
  const common = {
    description: entry.description,
    enabled,
    ...(entry.require_approval === undefined ? {} : { requireApproval: entry.require_approval }),
  };
  if (entry.command !== undefined || declared === 'stdio') {
    return McpServerConfigSchema.parse({
      transport: 'stdio',
      command: entry.command,
      args: entry.args ?? [],
      env: entry.env ?? {},
      cwd: entry.cwd,
      ...common,
    });
  }
  const transport =
    declared === 'sse' || (declared === undefined && isLegacySseUrl(entry.url)) ? 'sse' : 'streamable_http';
  return McpServerConfigSchema.parse({
    transport,
    url: entry.url,
    token: entry.token,
    headers: entry.headers ?? {},
    ...common,
  });
}

function isLegacySseUrl(url: string | undefined): boolean {
  if (!url) return false;
  try {
    return new URL(url).pathname.replace(/\/+$/, '').endsWith('/sse');
  } catch {
    return false;
  }
}

/** The config with every secret value (env values, token, header values) replaced, for display and logs. */
export function redactMcpServerConfig(config: McpServerConfig): McpServerConfig {
  const mask = (record: Record<string, string>) => Object.fromEntries(Object.keys(record).map((key) => [key, '***']));
  if (config.transport === 'stdio') return { ...config, env: mask(config.env) };
  return { ...config, headers: mask(config.headers), ...(config.token ? { token: '***' } : {}) };
}

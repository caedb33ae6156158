import { z } from 'zod';
import { ConversationIdSchema, ServerIdSchema } from './ids.js';
import { McpServerEntrySchema } from './mcp-server-config.js';
import { ApprovalPolicySchema } from './tool-approval.js';

/** The seed's management envelope: errno 0 on success, -1 on failure. */
export function seedResponseSchema<T extends z.ZodType>(data: T) {
  return z.object({ errno: z.number().int(), msg: z.string(), data: data.optional() });
}
export const SeedResponseSchema = seedResponseSchema(z.unknown());
export type SeedResponse<T = unknown> = { errno: number; msg: string; data?: T };

/**
 * `POST /v1/remove/history`: which keep_session history to clear, the `conversation_id`'s or,
 * without one (or without a body, as the seed's clients send it), the user's default conversation.
 * Other fields are ignored, as the seed did.
 */
export const RemoveHistoryRequestSchema = z.object({ conversation_id: ConversationIdSchema.optional() });

/** `POST /v1/add/mcp_server`: the seed's fields; a non-empty `config_json` wins. */
export const AddMcpServerRequestSchema = z
  .object({
    server_id: z.string().default(''),
    server_desc: z.string().max(500).default(''),
    command: z.string().default(''),
    args: z.array(z.string()).default([]),
    env: z.record(z.string(), z.string()).default({}),
    config_json: z.record(z.string(), z.unknown()).default({}),
    /** Extensions for URL servers added by fields. */
    url: z.string().optional(),
    token: z.string().optional(),
    headers: z.record(z.string(), z.string()).optional(),
  })
  .transform((body, ctx) => {
    const json = body.config_json;
    if (Object.keys(json).length > 0) {
      const servers = (json.mcpServers ?? json) as Record<string, unknown>;
      const [id, raw] = Object.entries(servers)[0] ?? [];
      const entry = McpServerEntrySchema.safeParse(raw);
      const parsedId = ServerIdSchema.safeParse(id);
      if (!parsedId.success || !entry.success) {
        ctx.addIssue({ code: 'custom', path: ['config_json'], message: 'config_json must be {"mcpServers": {"<id>": {command|url, …}}}' });
        return z.NEVER;
      }
      return { serverId: parsedId.data, entry: { description: body.server_desc || undefined, ...entry.data } };
    }
    const parsedId = ServerIdSchema.safeParse(body.server_id);
    if (!parsedId.success) {
      ctx.addIssue({ code: 'custom', path: ['server_id'], message: parsedId.error.issues[0]?.message ?? 'invalid server id' });
      return z.NEVER;
    }
    if (!body.command && !body.url) {
      ctx.addIssue({ code: 'custom', path: ['command'], message: 'command (stdio) or url is required' });
      return z.NEVER;
    }
    return {
      serverId: parsedId.data,
      entry: {
        description: body.server_desc || undefined,
        ...(body.command ? { command: body.command, args: body.args, env: body.env } : { url: body.url, token: body.token, headers: body.headers }),
      },
    };
  });
export type AddMcpServerRequest = z.output<typeof AddMcpServerRequestSchema>;

/** A tool as the seed's add-server response lists it (Bedrock toolSpec). */
export const SeedToolSpecSchema = z.object({
  toolSpec: z.object({ name: z.string(), description: z.string(), inputSchema: z.object({ json: z.unknown() }) }),
});

const ModelListingSchema = z.object({
  model_id: z.string(),
  model_name: z.string(),
  supports_thinking: z.boolean(),
  supports_images: z.boolean(),
  supports_documents: z.boolean(),
});
/** `GET /v1/list/models`. */
export const ListModelsResponseSchema = z.object({ models: z.array(ModelListingSchema) });
export type ListModelsResponse = z.infer<typeof ListModelsResponseSchema>;
/**
 * `GET /v1/list/models` as a client reads it: older gateways listed models without the capability
 * flags, which then default to no thinking, images and documents accepted.
 */
export const ListModelsResponseLenientSchema = z.object({
  models: z.array(
    ModelListingSchema.extend({
      supports_thinking: z.boolean().default(false),
      supports_images: z.boolean().default(true),
      supports_documents: z.boolean().default(true),
    }),
  ),
});
export type ModelListing = z.output<typeof ListModelsResponseLenientSchema>['models'][number];

export const McpServerListItemSchema = z.object({
  server_id: z.string(),
  server_name: z.string(),
  scope: z.enum(['global', 'user']),
  enabled: z.boolean(),
  transport: z.enum(['stdio', 'sse', 'streamable_http']),
});
export const ListMcpServersResponseSchema = z.object({ servers: z.array(McpServerListItemSchema) });
export type ListMcpServersResponse = z.infer<typeof ListMcpServersResponseSchema>;

/** `GET /v1/models`: OpenAI's model list. */
export const OpenAiModelListSchema = z.object({
  object: z.literal('list'),
  data: z.array(
    z.object({
      id: z.string(),
      object: z.literal('model'),
      created: z.number().int(),
      /** The provider id serving it (`bedrock`, `openai` or one of conf/config.json's `providers`). */
      owned_by: z.string(),
      /** Extensions: the display name and what the model can do, from conf/config.json. */
      name: z.string().optional(),
      capabilities: z
        .object({ thinking: z.boolean(), images: z.boolean(), documents: z.boolean(), tool_use: z.boolean(), prompt_caching: z.boolean() })
        .optional(),
      context_window: z.number().int().optional(),
      max_output_tokens: z.number().int().optional(),
    }),
  ),
});
export type OpenAiModelList = z.infer<typeof OpenAiModelListSchema>;

/** The `data` of the add-server and server-tools responses: the server's tools as Bedrock toolSpecs. */
export const McpServerToolsDataSchema = z.object({ tools: z.array(SeedToolSpecSchema) });
export type McpServerToolsData = z.infer<typeof McpServerToolsDataSchema>;
export const McpServerToolsResponseSchema = seedResponseSchema(McpServerToolsDataSchema);

/**
 * `GET /v1/mcp_servers` (for the web UI): every server the user may enable, with the pool's live
 * status. `status` is `unknown` when the pool could not be asked (then `poolError` says why).
 */
export const McpServerDetailSchema = McpServerListItemSchema.extend({
  description: z.string().optional(),
  status: z.enum(['stopped', 'starting', 'ready', 'error', 'unknown']),
  error: z.string().optional(),
  stderrTail: z.array(z.string()).optional(),
  toolCount: z.number().int().optional(),
  /** epoch ms */
  startedAt: z.number().optional(),
  lastUsedAt: z.number().optional(),
  /** Which of the server's tools a person must approve (its admin's or owner's policy); absent: none. */
  require_approval: ApprovalPolicySchema.optional(),
});
export type McpServerDetail = z.infer<typeof McpServerDetailSchema>;
export const McpServerDetailListResponseSchema = z.object({ servers: z.array(McpServerDetailSchema), poolError: z.string().optional() });
export type McpServerDetailListResponse = z.infer<typeof McpServerDetailListResponseSchema>;

/**
 * A server row as a client reads either listing: `/v1/mcp_servers`, the gateway's
 * `/v1/list/mcp_server`, or the seed's own list (only `server_id` and `server_name`). Missing, a
 * row is the user's, not enabled by default, of unknown transport and status; a status this
 * client does not know (a newer gateway's) is `unknown` too; a null description or error is none.
 */
export const McpServerRowLenientSchema = McpServerDetailSchema.extend({
  server_name: z.string().optional(),
  description: z.string().nullish(),
  scope: McpServerListItemSchema.shape.scope.default('user'),
  enabled: z.boolean().default(false),
  transport: z.string().optional(),
  status: McpServerDetailSchema.shape.status.catch('unknown'),
  error: z.string().nullish(),
  toolCount: z.number().optional(),
  /** A policy shape this client does not know is read as none rather than failing the list. */
  require_approval: ApprovalPolicySchema.optional().catch(undefined),
});
export type McpServerRow = z.output<typeof McpServerRowLenientSchema>;
/** Either server listing as a client reads it (see McpServerRowLenientSchema). */
export const McpServerListLenientSchema = z.object({ servers: z.array(McpServerRowLenientSchema), poolError: z.string().optional() });

/**
 * A management failure: the seed's envelope (`errno: -1`, `msg`) for the seed's clients plus
 * OpenAI's `error` object, sent with the HTTP status of the error code (never 200).
 */
export const ManagementErrorBodySchema = z.object({
  errno: z.literal(-1),
  msg: z.string(),
  error: z.object({ message: z.string(), type: z.string(), code: z.string().nullable(), param: z.string().nullable() }),
});
export type ManagementErrorBody = z.infer<typeof ManagementErrorBodySchema>;

import { z } from 'zod';
import { SeedToolSpecSchema } from '@bedrock-mcp/contracts';

/** Lenient: older gateways list models without the capability flags. */
export const ModelListSchema = z.object({
  models: z.array(
    z.object({
      model_id: z.string(),
      model_name: z.string(),
      supports_thinking: z.boolean().default(false),
      supports_images: z.boolean().default(true),
      supports_documents: z.boolean().default(true),
    }),
  ),
});
export type ModelInfo = z.output<typeof ModelListSchema>['models'][number];

/**
 * Where a server is in its life on the pool: `stopped` (starts on first use), `starting`,
 * `ready`, `error`, or `unknown` (the pool could not be asked, or the gateway has no status).
 */
export type ServerStatus = 'stopped' | 'starting' | 'ready' | 'error' | 'unknown';

const StatusSchema = z
  .string()
  .optional()
  .transform((status): ServerStatus => {
    if (status === 'stopped' || status === 'starting' || status === 'ready' || status === 'error') return status;
    return 'unknown';
  });

/**
 * One row of `GET /v1/mcp_servers` (scope, enabled, transport, status) or of the seed's
 * `GET /v1/list/mcp_server` (id and name only). Lenient, so either shape parses.
 */
export const McpServerRowSchema = z
  .object({
    server_id: z.string(),
    server_name: z.string().optional(),
    description: z.string().nullish(),
    scope: z.enum(['global', 'user']).optional(),
    enabled: z.boolean().optional(),
    transport: z.string().optional(),
    status: StatusSchema,
    error: z.string().nullish(),
    stderrTail: z.array(z.string()).optional(),
    toolCount: z.number().optional(),
  })
  .transform((row) => ({
    id: row.server_id,
    name: row.server_name || row.description || row.server_id,
    scope: row.scope ?? 'user',
    enabledByDefault: row.enabled ?? false,
    transport: row.transport,
    status: row.status,
    message: row.error ?? undefined,
    stderrTail: row.stderrTail ?? [],
    toolCount: row.toolCount,
  }));
export type McpServerInfo = z.output<typeof McpServerRowSchema>;
/** `poolError`: why statuses are unknown (the pool could not be asked). */
export const McpServerListSchema = z.object({ servers: z.array(McpServerRowSchema), poolError: z.string().optional() });
export type McpServerList = z.output<typeof McpServerListSchema>;

export interface ToolInfo {
  name: string;
  description: string;
  inputSchema: unknown;
}

/** Tools in either MCP's shape (`{name, description, inputSchema}`) or the seed's Bedrock toolSpec shape. */
const ToolRowSchema = z.union([
  SeedToolSpecSchema.transform((tool): ToolInfo => ({
    name: tool.toolSpec.name,
    description: tool.toolSpec.description,
    inputSchema: tool.toolSpec.inputSchema.json,
  })),
  z
    .object({ name: z.string(), description: z.string().nullish(), inputSchema: z.unknown().optional(), input_schema: z.unknown().optional() })
    .transform((tool): ToolInfo => ({ name: tool.name, description: tool.description ?? '', inputSchema: tool.inputSchema ?? tool.input_schema })),
]);
export const ToolListSchema = z.union([
  z.object({ tools: z.array(ToolRowSchema) }).transform((body) => body.tools),
  z.object({ data: z.object({ tools: z.array(ToolRowSchema) }) }).transform((body) => body.data.tools),
]);

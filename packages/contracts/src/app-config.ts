import { z } from 'zod';
import { ServerIdSchema } from './ids.js';
import { McpServerEntrySchema } from './mcp-server-config.js';

export const ModelConfigSchema = z
  .object({
    model_id: z.string().min(1),
    model_name: z.string().min(1),
    /** Which provider serves it; defaults from `use_bedrock`. */
    provider: z.enum(['bedrock', 'openai']).optional(),
    /** Claude extended thinking available: the UI shows the thinking switch only then. */
    supports_thinking: z.boolean().default(false),
    supports_images: z.boolean().default(true),
    supports_documents: z.boolean().default(true),
  })
  .strict();
export type ModelConfig = z.infer<typeof ModelConfigSchema>;

/**
 * A stdio server the admin lets users enable under MCP_USER_STDIO=catalog: the user supplies
 * only values for `env_keys` (their own API keys); command and args are the admin's.
 */
export const CatalogServerSchema = z
  .object({
    command: z.string().min(1),
    args: z.array(z.string()).default([]),
    env_keys: z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/)).default([]),
    /** The sandboxed server gets the host network (default: none, not even loopback). */
    network: z.boolean().default(false),
    description: z.string().optional(),
  })
  .strict();
export type CatalogServer = z.infer<typeof CatalogServerSchema>;

/** conf/config.json */
export const AppConfigFileSchema = z
  .object({
    models: z.array(ModelConfigSchema).min(1, 'conf/config.json must list at least one model'),
    /** Global servers, trusted, shared by every user (one instance per user for stdio ones). */
    mcpServers: z.record(ServerIdSchema, McpServerEntrySchema).default({}),
    userServerCatalog: z.record(ServerIdSchema, CatalogServerSchema).default({}),
  })
  .strict();
export type AppConfigFile = z.infer<typeof AppConfigFileSchema>;

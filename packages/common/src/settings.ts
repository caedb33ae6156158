import { z } from 'zod';
import { AGENT_WORKER_SETTINGS } from './settings/agent-worker-settings.js';
import { CONFIG_STORE_SETTINGS } from './settings/config-store-settings.js';
import { CONVERSATION_SETTINGS } from './settings/conversation-settings.js';
import { CORE_SETTINGS } from './settings/core-settings.js';
import { GATEWAY_SETTINGS } from './settings/gateway-settings.js';
import { MCP_POOL_SETTINGS } from './settings/mcp-pool-settings.js';
import { MODEL_PROVIDER_SETTINGS } from './settings/model-provider-settings.js';
import { TOOL_CALL_SETTINGS } from './settings/tool-call-settings.js';
import { TURN_SETTINGS } from './settings/turn-settings.js';
import { VOICE_SETTINGS } from './settings/voice-settings.js';
import { WEB_SETTINGS } from './settings/web-settings.js';

export { canonicalSettingName, SETTING_ALIASES } from './settings/setting-aliases.js';

// Each service parses only the settings it reads: the core and its own slices. A setting of
// another service is neither required nor validated there. The seed's names are kept
// (`use_bedrock`, `ddb_table`, …; old names in SETTING_ALIASES); units are in the names or the
// doc comments of the slice modules under ./settings/.

export const GatewaySettingsSchema = z
  .object({
    ...CORE_SETTINGS,
    ...CONFIG_STORE_SETTINGS,
    ...CONVERSATION_SETTINGS,
    ...TOOL_CALL_SETTINGS,
    ...TURN_SETTINGS,
    WEB_PORT: WEB_SETTINGS.WEB_PORT,
    ...GATEWAY_SETTINGS,
    ...VOICE_SETTINGS,
    ...MODEL_PROVIDER_SETTINGS,
  })
  .loose();
export type GatewaySettings = z.infer<typeof GatewaySettingsSchema>;

export const AgentWorkerSettingsSchema = z
  .object({ ...CORE_SETTINGS, ...CONVERSATION_SETTINGS, ...TOOL_CALL_SETTINGS, ...TURN_SETTINGS, ...MODEL_PROVIDER_SETTINGS, ...AGENT_WORKER_SETTINGS })
  .loose();
export type AgentWorkerSettings = z.infer<typeof AgentWorkerSettingsSchema>;

export const McpPoolSettingsSchema = z
  .object({
    ...CORE_SETTINGS,
    ...CONFIG_STORE_SETTINGS,
    MCP_START_TIMEOUT_MS: TOOL_CALL_SETTINGS.MCP_START_TIMEOUT_MS,
    TOOL_CALL_TIMEOUT_MS: TOOL_CALL_SETTINGS.TOOL_CALL_TIMEOUT_MS,
    MAX_BODY_BYTES: GATEWAY_SETTINGS.MAX_BODY_BYTES,
    ...MCP_POOL_SETTINGS,
  })
  .loose();
export type McpPoolSettings = z.infer<typeof McpPoolSettingsSchema>;

/** What services/web/server.mjs reads (it reads them from the environment itself; listed here for the docs). */
export const WebSettingsSchema = z.object({ ...WEB_SETTINGS }).loose();

/** Each service's settings schema, by service name. */
export const SERVICE_SETTINGS_SCHEMAS = {
  gateway: GatewaySettingsSchema,
  'agent-worker': AgentWorkerSettingsSchema,
  'mcp-pool': McpPoolSettingsSchema,
  web: WebSettingsSchema,
} as const;
export type SettingsOf<Service extends keyof typeof SERVICE_SETTINGS_SCHEMAS> = z.infer<(typeof SERVICE_SETTINGS_SCHEMAS)[Service]>;

/** The slices in documentation order, each with a heading for the generated docs. */
export const SETTINGS_SLICES = [
  { title: 'Every service', settings: CORE_SETTINGS },
  { title: "Users' MCP server configurations", settings: CONFIG_STORE_SETTINGS },
  { title: 'Conversations', settings: CONVERSATION_SETTINGS },
  { title: 'Tool calls through the mcp-pool', settings: TOOL_CALL_SETTINGS },
  { title: 'Chat turns and history', settings: TURN_SETTINGS },
  { title: 'Gateway', settings: GATEWAY_SETTINGS },
  { title: 'Voice', settings: VOICE_SETTINGS },
  { title: 'Model providers', settings: MODEL_PROVIDER_SETTINGS },
  { title: 'Agent worker', settings: AGENT_WORKER_SETTINGS },
  { title: 'MCP pool', settings: MCP_POOL_SETTINGS },
  { title: 'Web server', settings: WEB_SETTINGS },
] as const;

/**
 * Every setting of the platform, all slices together: for the generated docs, the deployment
 * checks and tests that build settings for several services. Services parse their own schema.
 */
export const SettingsSchema = z
  .object({
    ...CORE_SETTINGS,
    ...CONFIG_STORE_SETTINGS,
    ...CONVERSATION_SETTINGS,
    ...TOOL_CALL_SETTINGS,
    ...TURN_SETTINGS,
    ...GATEWAY_SETTINGS,
    ...VOICE_SETTINGS,
    ...MODEL_PROVIDER_SETTINGS,
    ...AGENT_WORKER_SETTINGS,
    ...MCP_POOL_SETTINGS,
    ...WEB_SETTINGS,
  })
  .loose();
export type Settings = z.infer<typeof SettingsSchema>;

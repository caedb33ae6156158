import { z } from 'zod';
import { ServerIdSchema } from './ids.js';
import { McpServerEntrySchema } from './mcp-server-config.js';

/** The providers every deployment has: Bedrock (AWS_REGION, conf/credential.csv, the AWS chain) and COMPATIBLE_API_BASE. */
export const BUILT_IN_PROVIDER_IDS = ['bedrock', 'openai'] as const;
export type BuiltInProviderId = (typeof BUILT_IN_PROVIDER_IDS)[number];

const ProviderIdSchema = z.string().regex(/^[a-z][a-z0-9_-]{0,39}$/, 'a provider id is lower case letters, digits, _ and -');
const EnvNameSchema = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name');

export const BedrockProviderConfigSchema = z
  .object({
    kind: z.literal('bedrock'),
    /** Default: AWS_REGION. */
    region: z.string().min(1).optional(),
    /** A profile of the shared AWS config/credentials files (the SDK resolves it, including its role_arn + source_profile). */
    aws_profile: z.string().min(1).optional(),
    /** Validated only: the worker refuses to start with it (no STS client is bundled); use an aws_profile with role_arn. */
    role_arn: z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/, 'an IAM role ARN').optional(),
    /** A Bedrock Runtime endpoint (VPC endpoint, emulator); default: the SDK's (AWS_ENDPOINT_URL_BEDROCK_RUNTIME applies). */
    endpoint_url: z.url().optional(),
  })
  .strict();

export const OpenAiProviderConfigSchema = z
  .object({
    kind: z.literal('openai'),
    /** An OpenAI-compatible API; a bare host (`https://api.siliconflow.cn`) gets `/v1` appended. */
    base_url: z.url(),
    /** The environment variable of the agent worker that holds the API key (never logged, never listed). */
    api_key_env: EnvNameSchema.optional(),
    /** A file holding the API key (a mounted Kubernetes or Docker secret). */
    api_key_file: z.string().min(1).optional(),
    /** Extra request headers (no secrets here: the file is not secret; use api_key_env / api_key_file). */
    headers: z.record(z.string().regex(/^[A-Za-z0-9-]+$/), z.string()).default({}),
  })
  .strict()
  .refine((provider) => !(provider.api_key_env && provider.api_key_file), 'give api_key_env or api_key_file, not both');

export const ProviderConfigSchema = z.discriminatedUnion('kind', [BedrockProviderConfigSchema, OpenAiProviderConfigSchema]);
export type ProviderConfig = z.infer<typeof ProviderConfigSchema>;

export const ModelConfigSchema = z
  .object({
    model_id: z.string().min(1),
    model_name: z.string().min(1),
    /**
     * Which provider serves it: `bedrock` or `openai` (the built-in ones) or an id of `providers`.
     * Absent: `bedrock` with use_bedrock=1, `openai` with use_bedrock=0.
     */
    provider: ProviderIdSchema.optional(),
    /** Claude extended thinking available: the UI shows the thinking switch only then. */
    supports_thinking: z.boolean().default(false),
    supports_images: z.boolean().default(true),
    supports_documents: z.boolean().default(true),
    supports_tool_use: z.boolean().default(true),
    /** Bedrock prompt caching (cachePoint blocks) is available for this model. */
    supports_prompt_caching: z.boolean().default(false),
    /** Send cache points by default (a request's `extra_params.prompt_caching` overrides); default: supports_prompt_caching. */
    prompt_caching: z.boolean().optional(),
    /** Tokens, for clients (listed by /v1/models). */
    context_window: z.number().int().positive().optional(),
    max_output_tokens: z.number().int().positive().optional(),
  })
  .strict();
export type ModelConfig = z.infer<typeof ModelConfigSchema>;

/** The provider id serving `model`: its own, or the built-in one `use_bedrock` picks. */
export function providerIdOf(model: Pick<ModelConfig, 'provider'>, useBedrock: boolean): string {
  return model.provider ?? (useBedrock ? 'bedrock' : 'openai');
}

/**
 * Whether a model's provider is set up in this deployment: the built-in Bedrock with
 * use_bedrock=1, the built-in OpenAI-compatible one with COMPATIBLE_API_BASE, a named one always.
 * The seed's mode (use_bedrock=0 + COMPATIBLE_API_BASE) thus offers only OpenAI-compatible models.
 */
export function isModelAvailable(model: Pick<ModelConfig, 'provider'>, deployment: { useBedrock: boolean; compatibleApiBase: string | undefined }): boolean {
  const provider = providerIdOf(model, deployment.useBedrock);
  if (provider === 'bedrock') return deployment.useBedrock;
  if (provider === 'openai') return Boolean(deployment.compatibleApiBase);
  return true;
}

/**
 * An OpenAI-compatible base URL as the openai client wants it: the seed's `.env` example gives a
 * bare host (`https://api.siliconflow.cn`), which gets `/v1`; any other path is kept as given.
 */
export function normalizeOpenAiBaseUrl(baseUrl: string): string {
  const url = new URL(baseUrl);
  if (url.pathname === '' || url.pathname === '/') url.pathname = '/v1';
  return url.toString().replace(/\/+$/, '');
}

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
    /** Named model providers; `bedrock` and `openai` are built in and cannot be redefined. */
    providers: z.record(ProviderIdSchema, ProviderConfigSchema).default({}),
    models: z.array(ModelConfigSchema).min(1, 'conf/config.json must list at least one model'),
    /** Global servers, trusted, shared by every user (one instance per user for stdio ones). */
    mcpServers: z.record(ServerIdSchema, McpServerEntrySchema).default({}),
    userServerCatalog: z.record(ServerIdSchema, CatalogServerSchema).default({}),
  })
  .strict()
  .superRefine((config, context) => {
    for (const id of Object.keys(config.providers)) {
      if ((BUILT_IN_PROVIDER_IDS as readonly string[]).includes(id)) context.addIssue({ code: 'custom', path: ['providers', id], message: `'${id}' is a built-in provider; name yours differently` });
    }
    config.models.forEach((model, index) => {
      if (model.provider && !(BUILT_IN_PROVIDER_IDS as readonly string[]).includes(model.provider) && !config.providers[model.provider]) {
        context.addIssue({ code: 'custom', path: ['models', index, 'provider'], message: `no provider '${model.provider}' (built in: bedrock, openai; providers lists: ${Object.keys(config.providers).join(', ') || 'none'})` });
      }
    });
  });
export type AppConfigFile = z.infer<typeof AppConfigFileSchema>;

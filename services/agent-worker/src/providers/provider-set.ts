import { readFileSync } from 'node:fs';
import { normalizeOpenAiBaseUrl, type ProviderConfig } from '@bedrock-mcp/contracts';
import type { Logger } from '@bedrock-mcp/common';
import { BedrockClientPool, type StaticCredential } from './bedrock-client-pool.js';
import { BedrockProvider } from './bedrock-provider.js';
import type { ModelProvider } from './model-provider.js';
import { OpenAiProvider } from './openai-provider.js';
import { RetryingProvider, type RetryPolicy } from './retrying-provider.js';

export interface ProviderSetOptions {
  /** conf/config.json `providers`. */
  providers: Readonly<Record<string, ProviderConfig>>;
  /** The built-in `bedrock`: AWS_REGION, conf/credential.csv (empty: the AWS default chain). */
  bedrock: { region: string; credentials: StaticCredential[] };
  /** The built-in `openai`: COMPATIBLE_API_BASE and COMPATIBLE_API_KEY. */
  compatible: { baseUrl: string | undefined; apiKey: string | undefined };
  timeoutMs: number;
  retry: RetryPolicy;
  /** Where api_key_env is read; default process.env. */
  env?: Readonly<Record<string, string | undefined>>;
  logger: Logger;
}

export class ProviderConfigError extends Error {
  override readonly name = 'ProviderConfigError';
}

/** Every model provider of the deployment by id, each with the retry policy around it; `close` ends their connections. */
export interface ProviderSet {
  providers: ReadonlyMap<string, ModelProvider>;
  close(): void;
}

export function buildProviderSet(options: ProviderSetOptions): ProviderSet {
  const { logger, retry, timeoutMs } = options;
  const env = options.env ?? process.env;
  const pools: BedrockClientPool[] = [];
  const providers = new Map<string, ModelProvider>();

  const bedrock = (id: string, pool: BedrockClientPool): ModelProvider => {
    pools.push(pool);
    const onRotate = (info: { from: string; to: string }) => logger.warn({ ...info, provider: id }, 'Bedrock throttled a credential; rotating');
    return new RetryingProvider(new BedrockProvider({ clients: pool, onRotate }), retry);
  };
  const sharedSessions = { idleSessionMs: timeoutMs };

  providers.set('bedrock', bedrock('bedrock', new BedrockClientPool({ ...options.bedrock, sharedSessions })));
  const compatibleBase = options.compatible.baseUrl ? normalizedBase('openai', options.compatible.baseUrl, logger) : undefined;
  providers.set('openai', new RetryingProvider(new OpenAiProvider({ baseURL: compatibleBase, apiKey: options.compatible.apiKey, timeoutMs }), retry));

  for (const [id, config] of Object.entries(options.providers)) {
    if (config.kind === 'bedrock') {
      if (config.role_arn) {
        throw new ProviderConfigError(
          `provider ${id}: role_arn is not supported (no STS client is bundled); use aws_profile with a profile that has role_arn and source_profile in the AWS config file`,
        );
      }
      const clientConfig = { ...(config.aws_profile ? { profile: config.aws_profile } : {}), ...(config.endpoint_url ? { endpoint: config.endpoint_url } : {}) };
      providers.set(id, bedrock(id, new BedrockClientPool({ region: config.region ?? options.bedrock.region, credentials: [], clientConfig, sharedSessions })));
      logger.info({ provider: id, kind: 'bedrock', region: config.region ?? options.bedrock.region, profile: config.aws_profile, endpoint: config.endpoint_url }, 'model provider configured');
    } else {
      const apiKey = apiKeyOf(id, config, env);
      const baseURL = normalizedBase(id, config.base_url, logger);
      providers.set(id, new RetryingProvider(new OpenAiProvider({ baseURL, apiKey, headers: config.headers, timeoutMs }), retry));
      logger.info({ provider: id, kind: 'openai', baseUrl: baseURL, apiKey: apiKey ? 'set' : 'none', headers: Object.keys(config.headers) }, 'model provider configured');
    }
  }
  return { providers, close: () => pools.forEach((pool) => pool.close()) };
}

function normalizedBase(id: string, baseUrl: string, logger: Logger): string {
  const normalized = normalizeOpenAiBaseUrl(baseUrl);
  if (normalized !== baseUrl.replace(/\/+$/, '')) logger.info({ provider: id, given: baseUrl, used: normalized }, 'OpenAI-compatible base URL had no path: using /v1');
  return normalized;
}

function apiKeyOf(id: string, config: Extract<ProviderConfig, { kind: 'openai' }>, env: Readonly<Record<string, string | undefined>>): string | undefined {
  if (config.api_key_env) {
    const key = env[config.api_key_env];
    if (!key) throw new ProviderConfigError(`provider ${id}: the environment variable ${config.api_key_env} (api_key_env) is not set`);
    return key;
  }
  if (config.api_key_file) {
    try {
      return readFileSync(config.api_key_file, 'utf8').trim();
    } catch (error) {
      throw new ProviderConfigError(`provider ${id}: cannot read api_key_file ${config.api_key_file}: ${(error as Error).message}`);
    }
  }
  return undefined;
}

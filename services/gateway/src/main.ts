import { createUserServerStore } from '@bedrock-mcp/config-store';
import { createRedis, createRedisKeys, requireInternalApiKey, runService } from '@bedrock-mcp/common';
import { PoolClient } from '@bedrock-mcp/pool-client';
import { checkAuthConfiguration } from './domain/auth-startup-check.js';
import { UserApiKeyStore } from './domain/user-api-key-store.js';
import { createGatewayApp } from './gateway-app.js';

/** Kept free of the shutdown deadline for closing connections after the drain, in ms. */
const CLOSE_MARGIN_MS = 2000;

await runService('gateway', async ({ config, logger }) => {
  const { settings } = config;
  const internalApiKey = requireInternalApiKey(settings);
  const redis = createRedis(settings.REDIS_URL, 'gateway');
  redis.on('error', (error) => logger.error({ err: error }, 'redis error'));
  const store = createUserServerStore({ settings, redis, logger: logger.child({ component: 'config-store' }) });
  await checkAuthConfiguration(settings, new UserApiKeyStore(redis, createRedisKeys(settings.REDIS_PREFIX)), logger);

  const gateway = createGatewayApp({
    settings,
    app: config.app,
    logger,
    redis,
    store,
    pool: new PoolClient({ baseUrl: settings.MCP_POOL_URL, internalApiKey }),
  });
  const address = await gateway.listen(settings.MCP_SERVICE_PORT, settings.MCP_SERVICE_HOST);
  const base = settings.PUBLIC_GATEWAY_URL ?? `http://localhost:${address.port}`;
  logger.info({ host: address.address, port: address.port, api: `${base}/v1`, docs: `${base}/docs` }, `gateway listening: API ${base}/v1 · API docs ${base}/docs`);

  const drainMs = Math.max(0, settings.SHUTDOWN_TIMEOUT_S * 1000 - CLOSE_MARGIN_MS);
  return [
    { name: 'gateway', close: () => gateway.close(drainMs) },
    { name: 'config-store', close: () => store.close() },
    { name: 'redis', close: () => redis.quit() },
  ];
});

import { createConversationStore, createUserServerStore } from '@bedrock-mcp/config-store';
import { createRedis, requireInternalApiKey, runService } from '@bedrock-mcp/common';
import { PoolClient } from '@bedrock-mcp/pool-client';
import { checkAuthConfiguration } from './domain/auth-startup-check.js';
import { createGatewayApp } from './gateway-app.js';
import { publicUrl } from './identity/auth-mode.js';

/** Kept free of the shutdown deadline for closing connections after the drain, in ms. */
const CLOSE_MARGIN_MS = 2000;

await runService('gateway', async ({ config, logger }) => {
  const { settings } = config;
  const internalApiKey = requireInternalApiKey(settings);
  checkAuthConfiguration(settings, logger);
  const redis = createRedis(settings.REDIS_URL, 'gateway');
  redis.on('error', (error) => logger.error({ err: error }, 'redis error'));
  const store = createUserServerStore({ settings, redis, logger: logger.child({ component: 'config-store' }) });
  const conversations = createConversationStore({ settings, redis, logger: logger.child({ component: 'conversation-store' }) });

  const gateway = createGatewayApp({
    settings,
    app: config.app,
    logger,
    redis,
    store,
    conversations,
    pool: new PoolClient({ baseUrl: settings.MCP_POOL_URL, internalApiKey }),
  });
  const address = await gateway.listen(settings.MCP_SERVICE_PORT, settings.MCP_SERVICE_HOST);
  const base = publicUrl(settings).origin;
  logger.info({ host: address.address, port: address.port, api: `${base}/v1`, docs: `${base}/docs` }, `gateway listening on ${address.address}:${address.port}; people use ${base}/chat (API ${base}/v1 · API docs ${base}/docs, through the web server)`);

  const drainMs = Math.max(0, settings.SHUTDOWN_TIMEOUT_S * 1000 - CLOSE_MARGIN_MS);
  return [
    { name: 'gateway', close: () => gateway.close(drainMs) },
    { name: 'config-store', close: () => store.close() },
    { name: 'conversation-store', close: () => conversations.close() },
    { name: 'redis', close: () => redis.quit() },
  ];
});

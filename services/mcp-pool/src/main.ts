import { createRedis, runService } from '@bedrock-mcp/common';
import { createUserServerStore } from '@bedrock-mcp/config-store';
import { startPoolService } from './pool-service.js';

await runService('mcp-pool', async ({ config, logger }) => {
  const redis = createRedis(config.settings.REDIS_URL, 'mcp-pool', { commandTimeout: 5000 });
  const store = createUserServerStore({ settings: config.settings, redis, logger });
  const service = await startPoolService({ config, redis, store, logger });
  return [...service.steps, { name: 'config store', close: () => store.close() }, { name: 'redis', close: () => redis.quit() }];
});

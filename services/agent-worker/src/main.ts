import { createServer } from 'node:http';
import { createMetricsRegistry, createOpsHandler, InternalCredential, requireInternalApiKey, runService } from '@bedrock-mcp/common';
import { startAgentWorker } from './agent-worker.js';

await runService('agent-worker', async ({ config, logger }) => {
  const metricsCredential = new InternalCredential(requireInternalApiKey(config.settings));
  const registry = createMetricsRegistry('agent-worker');
  const agent = await startAgentWorker(config, logger, registry);
  let draining = false;
  const ops = createOpsHandler({ registry, metricsCredential, readiness: { redis: () => agent.ping() }, isDraining: () => draining });
  const server = createServer((req, res) => {
    void ops(req, res).then((handled) => {
      if (!handled) res.writeHead(404).end();
    });
  });
  const { AGENT_WORKER_PORT: port, AGENT_WORKER_HOST: host } = config.settings;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  logger.info({ host, port }, `agent-worker listening: health http://localhost:${port}/healthz`);
  return [
    // Running turns finish (up to the shutdown deadline; a turn cut off there is resumed by another worker).
    {
      name: 'agent worker',
      close: () => {
        draining = true;
        return agent.close();
      },
    },
    { name: 'http', close: () => new Promise((resolve) => server.close(resolve)) },
  ];
});

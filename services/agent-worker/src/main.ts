import { createServer } from 'node:http';
import { createMetricsRegistry, createOpsHandler, runService } from '@bedrock-mcp/common';
import { startAgentWorker } from './agent-worker.js';

await runService('agent-worker', async ({ config, logger }) => {
  const registry = createMetricsRegistry('agent-worker');
  const agent = await startAgentWorker(config, logger, registry);
  let draining = false;
  const ops = createOpsHandler({ registry, readiness: { redis: () => agent.ping() }, isDraining: () => draining });
  const server = createServer((req, res) => {
    void ops(req, res).then((handled) => {
      if (!handled) res.writeHead(404).end();
    });
  });
  const port = config.settings.AGENT_WORKER_PORT;
  await new Promise<void>((resolve) => server.listen(port, resolve));
  logger.info({ port }, `agent-worker listening: health http://localhost:${port}/healthz`);
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

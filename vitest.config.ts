import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = fileURLToPath(new URL('.', import.meta.url));
/** Workspace packages resolve to their TypeScript sources, so tests need no build step. */
const alias = [
  {
    find: /^@bedrock-mcp\/(contracts|common|config-store|test-support|pool-client|turns|voice)$/,
    replacement: `${root}packages/$1/src/index.ts`,
  },
];

export default defineConfig({
  resolve: { alias },
  test: {
    projects: [
      'services/web',
      // Deployment files (compose, chart, Dockerfiles) checked as data: no Docker engine or helm here.
      { resolve: { alias }, test: { name: 'deploy', environment: 'node', include: ['tests/deploy/**/*.test.ts'] } },
      {
        resolve: { alias },
        test: {
          name: 'node',
          environment: 'node',
          // services/web/*.test.ts: the web server (server.mjs), real HTTP and WebSockets.
          include: ['packages/*/src/**/*.test.ts', 'services/{gateway,agent-worker,mcp-pool}/src/**/*.test.ts', 'services/web/*.test.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        resolve: { alias },
        test: {
          name: 'e2e',
          environment: 'node',
          include: ['tests/e2e/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          // A browser or a stack that runs beside the other projects' tests on two cores can take
          // more than expect.poll's default second to show what it will show.
          expect: { poll: { timeout: 10_000 } },
          fileParallelism: false,
        },
      },
    ],
  },
});

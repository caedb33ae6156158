import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/** `npm run test:deploy` only (deploy/scripts/test-deploy.sh): docker-compose.yml brought up for real. Not a project of the default run. */
const root = fileURLToPath(new URL('.', import.meta.url));
export default defineConfig({
  resolve: {
    alias: [{ find: /^@bedrock-mcp\/(contracts|test-support)$/, replacement: `${root}packages/$1/src/index.ts` }],
  },
  test: {
    name: 'docker',
    environment: 'node',
    include: ['tests/docker/**/*.test.ts'],
    testTimeout: 300_000,
    hookTimeout: 600_000,
    fileParallelism: false,
  },
});

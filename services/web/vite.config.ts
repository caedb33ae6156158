import { fileURLToPath } from 'node:url';
import type { ServerResponse } from 'node:http';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

const contractsEntry = fileURLToPath(new URL('../../packages/contracts/src/index.ts', import.meta.url));

/** The dev server answers `/chat/runtime-config.json` as server.mjs does in production. */
function runtimeConfigPlugin(): Plugin {
  const send = (res: ServerResponse) => {
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    res.setHeader('Cache-Control', 'no-store');
    res.end(JSON.stringify({ gatewayUrl: process.env.PUBLIC_GATEWAY_URL?.trim() ?? '' }));
  };
  return {
    name: 'bedrock-mcp-runtime-config',
    configureServer(server) {
      server.middlewares.use('/chat/runtime-config.json', (_req, res) => send(res));
    },
    configurePreviewServer(server) {
      server.middlewares.use('/chat/runtime-config.json', (_req, res) => send(res));
    },
  };
}

export default defineConfig({
  base: '/chat/',
  plugins: [react(), runtimeConfigPlugin()],
  resolve: { alias: { '@bedrock-mcp/contracts': contractsEntry } },
  server: { port: Number(process.env.WEB_PORT ?? 3000), strictPort: false },
  build: { outDir: 'dist', sourcemap: true, chunkSizeWarningLimit: 1500 },
});

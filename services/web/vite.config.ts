import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const contractsEntry = fileURLToPath(new URL('../../packages/contracts/src/index.ts', import.meta.url));

/** Paths the gateway answers: the dev server proxies them as server.mjs does, so the UI sees one origin. */
const gatewayUrl = process.env.GATEWAY_URL?.trim() || 'http://127.0.0.1:7002';
const gatewayProxy = Object.fromEntries(
  ['/v1', '/auth', '/docs', '/openapi.json'].map((path) => [path, { target: gatewayUrl, changeOrigin: false, xfwd: true }] as const),
);
const proxy = { ...gatewayProxy, '/ws': { target: gatewayUrl, ws: true, changeOrigin: false, xfwd: true } };

export default defineConfig({
  base: '/chat/',
  plugins: [react()],
  resolve: { alias: { '@bedrock-mcp/contracts': contractsEntry } },
  server: { port: Number(process.env.WEB_PORT ?? 3000), strictPort: false, proxy },
  preview: { proxy },
  build: { outDir: 'dist', sourcemap: true, chunkSizeWarningLimit: 1500 },
});

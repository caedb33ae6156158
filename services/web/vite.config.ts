import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig, type ProxyOptions } from 'vite';

const contractsEntry = fileURLToPath(new URL('../../packages/contracts/src/index.ts', import.meta.url));

/**
 * The browser talks only to this origin: like server.mjs in production, the dev and preview
 * servers pass the API, sign-in and WebSocket paths to the gateway at GATEWAY_URL.
 */
const gateway: ProxyOptions = { target: process.env.GATEWAY_URL?.trim() || 'http://127.0.0.1:7002', xfwd: true };
const proxy: Record<string, ProxyOptions> = {
  '/v1': gateway,
  '/auth': gateway,
  '/ws': { ...gateway, ws: true },
  '/docs': gateway,
  '/openapi.json': gateway,
};

export default defineConfig({
  base: '/chat/',
  plugins: [react()],
  resolve: { alias: { '@bedrock-mcp/contracts': contractsEntry } },
  server: { port: Number(process.env.WEB_PORT ?? 3000), strictPort: false, proxy },
  preview: { proxy },
  build: { outDir: 'dist', sourcemap: true, chunkSizeWarningLimit: 1500 },
});

// Production server for the built chat UI: plain node:http, no dependencies.
// Serves dist/ under /chat (SPA fallback to index.html), /chat/runtime-config.json (the
// gateway URL the browser should use, from PUBLIC_GATEWAY_URL), /healthz, and redirects / to /chat/.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const BASE = '/chat';
const CONTENT_TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};
const SECURITY_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
};

/**
 * @param {{ distDir?: string, publicGatewayUrl?: string }} [options]
 * @returns {import('node:http').Server}
 */
export function createWebServer(options = {}) {
  const distDir = path.resolve(options.distDir ?? fileURLToPath(new URL('./dist/', import.meta.url)));
  const runtimeConfig = JSON.stringify({ gatewayUrl: (options.publicGatewayUrl ?? '').trim() });

  return createServer((req, res) => {
    const send = (status, headers, body) => {
      res.writeHead(status, { ...SECURITY_HEADERS, ...headers });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' }, 'Method Not Allowed\n');
      return;
    }
    let pathname;
    try {
      pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    } catch {
      send(400, { 'Content-Type': 'text/plain; charset=utf-8' }, 'Bad Request\n');
      return;
    }
    if (pathname === '/healthz') {
      send(200, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' }, '{"status":"ok"}');
      return;
    }
    if (pathname === '/' || pathname === BASE) {
      send(302, { Location: `${BASE}/` }, '');
      return;
    }
    if (!pathname.startsWith(`${BASE}/`)) {
      send(404, { 'Content-Type': 'text/plain; charset=utf-8' }, 'Not Found\n');
      return;
    }
    if (pathname === `${BASE}/runtime-config.json`) {
      send(200, { 'Content-Type': CONTENT_TYPES['.json'], 'Cache-Control': 'no-store' }, runtimeConfig);
      return;
    }
    const relative = pathname.slice(BASE.length + 1);
    const filePath = path.resolve(distDir, relative);
    if (filePath !== distDir && !filePath.startsWith(distDir + path.sep)) {
      send(404, { 'Content-Type': 'text/plain; charset=utf-8' }, 'Not Found\n');
      return;
    }
    void serveFile(req, res, filePath, relative, distDir, send);
  });
}

async function serveFile(req, res, filePath, relative, distDir, send) {
  const file = await statFile(filePath);
  if (file) {
    // Vite names built assets by content hash: they never change, so browsers may keep them for a year.
    const immutable = relative.startsWith('assets/');
    streamFile(req, res, filePath, file.size, immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
    return;
  }
  // A missing asset is a 404; any other path is a client-side route and gets the app.
  if (relative.startsWith('assets/') || path.extname(relative)) {
    send(404, { 'Content-Type': 'text/plain; charset=utf-8' }, 'Not Found\n');
    return;
  }
  const indexPath = path.join(distDir, 'index.html');
  const index = await statFile(indexPath);
  if (!index) {
    send(503, { 'Content-Type': 'text/plain; charset=utf-8' }, 'The web UI is not built: run npm run build -w services/web\n');
    return;
  }
  streamFile(req, res, indexPath, index.size, 'no-cache');
}

async function statFile(filePath) {
  try {
    const info = await stat(filePath);
    return info.isFile() ? info : undefined;
  } catch {
    return undefined;
  }
}

function streamFile(req, res, filePath, size, cacheControl) {
  res.writeHead(200, {
    ...SECURITY_HEADERS,
    'Content-Type': CONTENT_TYPES[path.extname(filePath).toLowerCase()] ?? 'application/octet-stream',
    'Content-Length': size,
    'Cache-Control': cacheControl,
  });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  const stream = createReadStream(filePath);
  stream.on('error', () => res.destroy());
  stream.pipe(res);
}

function parsePort(value, fallback) {
  if (value === undefined || value.trim() === '') return fallback;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`WEB_PORT must be a port number (0-65535), got "${value}"`);
    process.exit(1);
  }
  return port;
}

const isMain = process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const port = parsePort(process.env.WEB_PORT, 3000);
  const host = process.env.WEB_HOST ?? '0.0.0.0';
  const server = createWebServer({ publicGatewayUrl: process.env.PUBLIC_GATEWAY_URL, distDir: process.env.WEB_DIST_DIR });
  server.listen(port, host, () => {
    const address = server.address();
    const actual = typeof address === 'object' && address ? address.port : port;
    console.log(JSON.stringify({ level: 30, time: Date.now(), service: 'web', msg: `chat UI on http://${host === '0.0.0.0' ? 'localhost' : host}:${actual}${BASE}/`, port: actual }));
  });
  const shutdown = () => {
    server.close(() => process.exit(0));
    server.closeAllConnections?.();
    setTimeout(() => process.exit(0), 5000).unref();
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

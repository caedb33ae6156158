// Production server for the built chat UI: plain node:http, no dependencies.
// Serves dist/ under /chat (SPA fallback to index.html), /healthz, redirects / to /chat/, and
// proxies the gateway's public paths (/v1, /auth, /ws — WebSocket upgrades too —, /docs,
// /openapi.json) to GATEWAY_URL: the browser talks to one origin only, so the session cookie is a
// first-party cookie and no gateway URL or CORS is involved.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
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

/** Paths answered by the gateway: exact matches, and prefixes (`/v1/…`). */
const GATEWAY_EXACT = new Set(['/docs', '/openapi.json']);
const GATEWAY_PREFIXES = ['/v1/', '/auth/', '/ws/', '/docs/'];
/** Headers that describe one connection, not the message: never forwarded (RFC 9110 §7.6.1). */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade']);
const DEFAULT_GATEWAY_URL = 'http://127.0.0.1:7002';

/** True for a request path the gateway answers. */
export function isGatewayPath(pathname) {
  return GATEWAY_EXACT.has(pathname) || GATEWAY_PREFIXES.some((prefix) => pathname.startsWith(prefix));
}

/**
 * @param {{ distDir?: string, gatewayUrl?: string }} [options]
 * @returns {import('node:http').Server}
 */
export function createWebServer(options = {}) {
  const distDir = path.resolve(options.distDir ?? fileURLToPath(new URL('./dist/', import.meta.url)));
  const gateway = new URL(options.gatewayUrl?.trim() || DEFAULT_GATEWAY_URL);

  // Idle kept-alive connections outlive the clients' and load balancers' own (see the gateway's).
  const server = createServer({ keepAliveTimeout: 65_000, headersTimeout: 66_000 }, (req, res) => {
    const send = (status, headers, body) => {
      res.writeHead(status, { ...SECURITY_HEADERS, ...headers });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (isGatewayPath(pathOf(req.url))) {
      proxyRequest(req, res, gateway);
      return;
    }
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
    const relative = pathname.slice(BASE.length + 1);
    const filePath = path.resolve(distDir, relative);
    if (filePath !== distDir && !filePath.startsWith(distDir + path.sep)) {
      send(404, { 'Content-Type': 'text/plain; charset=utf-8' }, 'Not Found\n');
      return;
    }
    void serveFile(req, res, filePath, relative, distDir, send);
  });
  server.on('upgrade', (req, socket, head) => {
    if (pathOf(req.url).startsWith('/ws/')) proxyUpgrade(req, socket, head, gateway);
    else socket.end('HTTP/1.1 404 Not Found\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
  });
  // Chat answers stream (Server-Sent Events) for as long as a turn runs.
  server.requestTimeout = 0;
  return server;
}

function pathOf(url) {
  const end = (url ?? '/').search(/[?#]/);
  return end === -1 ? (url ?? '/') : url.slice(0, end);
}

/** The request's headers for the gateway: hop-by-hop ones dropped, X-Forwarded-For/-Proto/-Host set. */
function forwardedHeaders(req, keepUpgrade) {
  const headers = {};
  const named = new Set(String(req.headers.connection ?? '').toLowerCase().split(',').map((name) => name.trim()));
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || named.has(name)) continue;
    if (name.startsWith('x-forwarded-')) continue;
    headers[name] = value;
  }
  if (keepUpgrade) {
    headers.connection = 'Upgrade';
    headers.upgrade = req.headers.upgrade ?? 'websocket';
  }
  // Set from what this server saw, not passed on: a client could send any X-Forwarded-For.
  headers['x-forwarded-for'] = req.socket.remoteAddress ?? '';
  headers['x-forwarded-proto'] = req.socket.encrypted ? 'https' : 'http';
  if (req.headers.host) headers['x-forwarded-host'] = req.headers.host;
  return headers;
}

function gatewayRequest(gateway, req, headers) {
  const send = gateway.protocol === 'https:' ? httpsRequest : httpRequest;
  return send({
    protocol: gateway.protocol,
    hostname: gateway.hostname.replace(/^\[|\]$/g, ''),
    port: gateway.port || (gateway.protocol === 'https:' ? 443 : 80),
    method: req.method,
    path: req.url,
    headers,
  });
}

/** Forwards one HTTP request to the gateway and streams the answer back (SSE included); 502 when the gateway cannot be reached. */
function proxyRequest(req, res, gateway) {
  const upstream = gatewayRequest(gateway, req, forwardedHeaders(req, false));
  upstream.on('response', (answer) => {
    const headers = {};
    for (const [name, value] of Object.entries(answer.headers)) if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
    res.writeHead(answer.statusCode ?? 502, headers);
    answer.pipe(res);
    answer.on('error', () => res.destroy());
  });
  upstream.on('error', (error) => {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    logLine(40, 'gateway unreachable', { err: error.message });
    const body = JSON.stringify({ error: { message: 'The gateway cannot be reached.', type: 'server_error', code: 'upstream_error', param: null } });
    res.writeHead(502, { ...SECURITY_HEADERS, 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
    res.end(body);
  });
  // The browser went away (a closed stream): stop the gateway's side too.
  res.on('close', () => {
    if (!res.writableFinished) upstream.destroy();
  });
  req.on('error', () => upstream.destroy());
  req.pipe(upstream);
}

/** Forwards a WebSocket upgrade: the gateway's 101 and then raw bytes both ways, or its refusal (401/403/404) as is. */
function proxyUpgrade(req, socket, head, gateway) {
  const upstream = gatewayRequest(gateway, req, forwardedHeaders(req, true));
  socket.on('error', () => upstream.destroy());
  upstream.on('upgrade', (answer, upstreamSocket, upstreamHead) => {
    const lines = [`HTTP/1.1 ${answer.statusCode} ${answer.statusMessage}`];
    for (let i = 0; i < answer.rawHeaders.length; i += 2) lines.push(`${answer.rawHeaders[i]}: ${answer.rawHeaders[i + 1]}`);
    socket.write(`${lines.join('\r\n')}\r\n\r\n`);
    if (upstreamHead.length > 0) socket.write(upstreamHead);
    if (head.length > 0) upstreamSocket.write(head);
    upstreamSocket.on('error', () => socket.destroy());
    socket.on('close', () => upstreamSocket.destroy());
    upstreamSocket.on('close', () => socket.destroy());
    upstreamSocket.pipe(socket);
    socket.pipe(upstreamSocket);
  });
  upstream.on('response', (answer) => {
    const lines = [`HTTP/1.1 ${answer.statusCode} ${answer.statusMessage}`];
    for (let i = 0; i < answer.rawHeaders.length; i += 2) {
      if (!HOP_BY_HOP.has(answer.rawHeaders[i].toLowerCase())) lines.push(`${answer.rawHeaders[i]}: ${answer.rawHeaders[i + 1]}`);
    }
    const chunks = [];
    answer.on('data', (chunk) => chunks.push(chunk));
    answer.on('end', () => {
      const body = Buffer.concat(chunks);
      socket.end(Buffer.concat([Buffer.from(`${lines.filter((line) => !/^content-length:/i.test(line)).join('\r\n')}\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n`), body]));
    });
  });
  upstream.on('error', (error) => {
    logLine(40, 'gateway unreachable (websocket)', { err: error.message });
    socket.end('HTTP/1.1 502 Bad Gateway\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
  });
  upstream.end();
}

function logLine(level, msg, fields = {}) {
  console.log(JSON.stringify({ level, time: Date.now(), service: 'web', msg, ...fields }));
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
  const host = process.env.WEB_HOST?.trim() || '127.0.0.1';
  const server = createWebServer({ gatewayUrl: process.env.GATEWAY_URL, distDir: process.env.WEB_DIST_DIR });
  server.listen(port, host, () => {
    const address = server.address();
    const actual = typeof address === 'object' && address ? address.port : port;
    logLine(30, `chat UI on http://${host === '0.0.0.0' ? 'localhost' : host}:${actual}${BASE}/ (API through it to ${process.env.GATEWAY_URL?.trim() || DEFAULT_GATEWAY_URL})`, { port: actual });
  });
  const shutdown = () => {
    server.close(() => process.exit(0));
    server.closeAllConnections?.();
    setTimeout(() => process.exit(0), 5000).unref();
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

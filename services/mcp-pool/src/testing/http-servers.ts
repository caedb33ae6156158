import { spawn } from 'node:child_process';
import { createServer, request, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { freePort } from '@bedrock-mcp/test-support';
import { PROJECT_ROOT, waitFor } from './processes.js';

export interface RunningHttpServer {
  url: string;
  close(): Promise<void>;
}

/**
 * server-everything over HTTP (`streamableHttp` serves /mcp, `sse` serves /sse): a real child
 * process in its own process group on a free port (it cannot report a port 0 choice).
 */
export async function startEverythingOverHttp(mode: 'streamableHttp' | 'sse'): Promise<RunningHttpServer> {
  const port = await freePort();
  const child = spawn(join(PROJECT_ROOT, 'node_modules/.bin/mcp-server-everything'), [mode], {
    env: { PATH: process.env.PATH ?? '', PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await waitFor(() => /listening on port|running on port/i.test(output) || child.exitCode !== null, 10_000, `server-everything ${mode}`);
  if (child.exitCode !== null) throw new Error(`server-everything ${mode} exited: ${output}`);
  return {
    url: `http://127.0.0.1:${port}${mode === 'sse' ? '/sse' : '/mcp'}`,
    close: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
      await exited;
    },
  };
}

/** A pass-through HTTP proxy that records the headers of every request it forwards. */
export async function startRecordingProxy(target: string): Promise<RunningHttpServer & { requests: IncomingHttpHeaders[] }> {
  const requests: IncomingHttpHeaders[] = [];
  const targetUrl = new URL(target);
  const server: Server = createServer((req, res) => {
    requests.push(req.headers);
    const upstream = request({ host: targetUrl.hostname, port: targetUrl.port, path: req.url, method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${targetUrl.pathname}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A server on `host` that answers every request with `status` and a Location of `location` (relative ones resolve against it); counts requests in `hits`. */
export async function startRedirectingServer(location: string, options: { status?: number; host?: string } = {}): Promise<RunningHttpServer & { hits: IncomingHttpHeaders[] }> {
  return startAnsweringServer(options.host ?? '127.0.0.1', (res) => res.writeHead(options.status ?? 307, { location }).end());
}

/** A server on `host` that answers every request with 200 `reached`, recording each request's headers in `hits`. */
export async function startCountingServer(host = '127.0.0.1'): Promise<RunningHttpServer & { hits: IncomingHttpHeaders[] }> {
  return startAnsweringServer(host, (res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('reached'));
}

async function startAnsweringServer(host: string, answer: (res: ServerResponse) => void): Promise<RunningHttpServer & { hits: IncomingHttpHeaders[] }> {
  const hits: IncomingHttpHeaders[] = [];
  const server: Server = createServer((req, res) => {
    hits.push(req.headers);
    req.resume();
    answer(res);
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}/mcp`,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

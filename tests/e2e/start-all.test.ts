import { spawn, type ChildProcess } from 'node:child_process';
import { freePort, startTestRedis, type TestRedis } from '@bedrock-mcp/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT as root } from './support/service-process.js';

async function waitHealthy(url: string, deadline: number): Promise<number> {
  for (;;) {
    try {
      const response = await fetch(url);
      if (response.ok) return response.status;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer in time`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

// `npm start` = build + scripts/start-all.mjs; the build is done by `npm test`'s pretest step.
describe('npm start (scripts/start-all.mjs)', () => {
  let redis: TestRedis;
  let child: ChildProcess;
  let output = '';
  const ports: Record<string, number> = {};

  beforeAll(async () => {
    redis = await startTestRedis('start-all');
    for (const name of ['MCP_SERVICE_PORT', 'MCP_POOL_PORT', 'AGENT_WORKER_PORT', 'WEB_PORT']) ports[name] = await freePort();
    child = spawn(process.execPath, ['scripts/start-all.mjs'], {
      cwd: root,
      env: {
        ...process.env,
        ...Object.fromEntries(Object.entries(ports).map(([name, port]) => [name, String(port)])),
        MCP_POOL_URL: `http://127.0.0.1:${ports.MCP_POOL_PORT}`,
        REDIS_URL: redis.url,
        REDIS_PREFIX: redis.prefix,
        API_KEY: 'start-all-test-key',
        ENV_FILE: '/nonexistent/.env',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  });

  afterAll(async () => {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    await redis.close();
  });

  it('brings up four processes that answer /healthz and prints each URL', async () => {
    const deadline = Date.now() + 60_000;
    for (const name of ['MCP_SERVICE_PORT', 'MCP_POOL_PORT', 'AGENT_WORKER_PORT', 'WEB_PORT']) {
      expect(await waitHealthy(`http://127.0.0.1:${ports[name]}/healthz`, deadline), `${name}\n${output}`).toBe(200);
    }
    expect(output).toContain(`/chat (chat UI)`);
    expect(output).toContain(`:${ports.WEB_PORT}/docs (API docs)`);
  });

  it('ends with the chat UI, signed in as the local user, and the web server signs the browser in with no input', async () => {
    const deadline = Date.now() + 30_000;
    while (!output.includes('[start]   chat UI') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
    const lines = output.trimEnd().split('\n');
    expect(lines.at(-1)).toBe(`[start]   chat UI   http://localhost:${ports.WEB_PORT}/chat (signed in as the local user; no identity provider configured)`);
    const web = `http://127.0.0.1:${ports.WEB_PORT}`;
    expect(await (await fetch(`${web}/auth/config`)).json()).toEqual({ mode: 'local' });
    const login = await fetch(`${web}/auth/login?return_to=/chat/`, { redirect: 'manual' });
    expect(login.status).toBe(303);
    expect(login.headers.get('location')).toBe('/chat/');
    const cookie = login.headers.getSetCookie()[0]!.split(';')[0]!;
    const me = await fetch(`${web}/v1/me`, { headers: { cookie } });
    expect(await me.json()).toMatchObject({ user_id: 'local', display_name: 'local', auth_method: 'local' });
  });

  it('stops all four on SIGTERM', async () => {
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    for (const name of ['MCP_SERVICE_PORT', 'MCP_POOL_PORT', 'AGENT_WORKER_PORT', 'WEB_PORT']) {
      await expect(fetch(`http://127.0.0.1:${ports[name]}/healthz`)).rejects.toThrow();
    }
  });
});

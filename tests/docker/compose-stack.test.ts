import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { chromium } from 'playwright-core';
import { freePort, startModelEmulator, type ModelEmulator } from '@bedrock-mcp/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { composeIsV1, composeProject, docker, leftovers, processUid, repoRoot, tearDown, waitHealthy, type ComposeProject } from './compose-project.js';

// docker-compose.yml brought up for real: images built by deploy/scripts/test-deploy.sh (which also
// starts the Docker daemon and makes stand-in base images where no registry is reachable), the
// model emulator on this host standing in for Bedrock, the `https` profile (Caddy) included.
// The `dynamodb` profile has a stack of its own: compose-dynamodb.test.ts.

const PROJECT = 'bmcp-deploy-test';
const APP_SERVICES = ['gateway', 'agent-worker', 'mcp-pool', 'web'] as const;
const ALL_SERVICES = ['redis', ...APP_SERVICES, 'proxy'] as const;
const MODEL = 'us.anthropic.claude-sonnet-4-6';
const API_KEY = 'deploy-test-service-key';
const USER = 'deploy-user';
const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const REDIS_GATEWAY_PASSWORD = 'insecure-dev-gateway-password';

let project: ComposeProject;
let emulator: ModelEmulator;
let dir: string;
let ports: { gateway: number; web: number; https: number };
let client: OpenAI;

/**
 * The Caddyfile the proxy can load. Debian's Caddy (2.6, the stand-in for caddy:2 where no registry
 * answers) lacks reverse_proxy's stream_timeout and stream_close_delay (Caddy 2.7): for it, a copy
 * without those two lines, said so in the log. Any other Caddy gets the repository's file.
 */
async function proxyCaddyfile(): Promise<string | undefined> {
  const original = join(repoRoot, 'deploy/caddy/Caddyfile');
  const adapt = (file: string) => docker(['run', '--rm', '-v', `${file}:/etc/caddy/Caddyfile:ro`, 'caddy:2', 'caddy', 'adapt', '--config', '/etc/caddy/Caddyfile', '--adapter', 'caddyfile']);
  try {
    await adapt(original);
    return undefined;
  } catch (error) {
    if (!/unrecognized subdirective stream_(timeout|close_delay)/.test(String(error))) throw error;
  }
  const reduced = join(dir, 'Caddyfile');
  writeFileSync(reduced, readFileSync(original, 'utf8').replace(/^\s*stream_(timeout|close_delay) .*\n/gm, ''));
  await adapt(reduced);
  console.warn('caddy:2 here is Caddy < 2.7 (a stand-in): the proxy runs deploy/caddy/Caddyfile without stream_timeout and stream_close_delay');
  return reduced;
}

/** The one place the test points the platform at the emulator: environment in a compose override file. */
function overrideFile(emulatorPort: number, caddyfile: string | undefined): string {
  const modelEnv = {
    AWS_ENDPOINT_URL_BEDROCK_RUNTIME: `http://host.docker.internal:${emulatorPort}`,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'emulator',
    AWS_SECRET_ACCESS_KEY: 'emulator',
    API_KEY,
  };
  const withEmulator = { environment: modelEnv, extra_hosts: ['host.docker.internal:host-gateway'] };
  const proxy = caddyfile ? { proxy: { volumes: [`${caddyfile}:/etc/caddy/Caddyfile:ro`] } } : {};
  // Compose v1 cannot unmask the pool's /proc, so bubblewrap cannot run there (docs/deployment.md, Compose v1).
  const pool = composeIsV1 ? { 'mcp-pool': { environment: { MCP_SANDBOX: 'none' } } } : {};
  return JSON.stringify({ services: { gateway: withEmulator, 'agent-worker': withEmulator, ...proxy, ...pool } }, null, 2);
}

/** The proxy has no health check: running is what it can say. */
const waitAllHealthy = () => waitHealthy(project, ALL_SERVICES, { runningOnly: ['proxy'] });

beforeAll(async () => {
  emulator = await startModelEmulator({
    host: '0.0.0.0',
    rules: [
      { when: { lastUserText: 'list my folders' }, reply: { toolUses: [{ name: 'local_fs__list_allowed_directories', input: {} }] } },
      { when: { afterToolResult: 'local_fs__list_allowed_directories' }, reply: (context) => ({ text: `Folders: ${context.lastToolResultText}` }) },
      { when: { lastUserText: 'echo on my server' }, reply: { toolUses: [{ name: 'mine__echo', input: { message: 'from a container' } }] } },
      { when: { afterToolResult: 'mine__echo' }, reply: (context) => ({ text: `Mine said: ${context.lastToolResultText}` }) },
    ],
  });
  dir = mkdtempSync(join(tmpdir(), 'bmcp-deploy-'));
  const override = join(dir, 'docker-compose.test.yml');
  writeFileSync(override, overrideFile(emulator.port, await proxyCaddyfile()));
  ports = { gateway: await freePort(), web: await freePort(), https: await freePort() };
  project = composeProject(PROJECT, override, {
    COMPOSE_PROFILES: 'https',
    PUBLISH_GATEWAY_PORT: String(ports.gateway),
    PUBLISH_WEB_PORT: String(ports.web),
    HTTPS_PORT: String(ports.https),
    // The UI's origin: a signed-in WebSocket from any other is refused (403), so the browser opens this one.
    PUBLIC_URL: `http://localhost:${ports.web}`,
    ...(composeIsV1 ? { MCP_POOL_UNMASK_PROC: 'no-new-privileges' } : {}),
  });
  if (composeIsV1) console.warn('Compose v1: the pool runs without systempaths=unconfined and MCP_SANDBOX=none (its MCP servers unsandboxed)');
  await project.compose(['down', '-v', '--remove-orphans']);
  await project.compose(['up', '-d', '--no-build']);
  await waitAllHealthy();
  client = new OpenAI({ baseURL: `http://127.0.0.1:${ports.gateway}/v1`, apiKey: API_KEY, defaultHeaders: { 'X-User-ID': USER }, maxRetries: 0 });
}, 600_000);

afterAll(() => tearDown(project, emulator, dir), 180_000);

const toolChat = (content: string, serverIds: string[]) =>
  client.chat.completions.create({
    model: MODEL,
    messages: [{ role: 'user', content }],
    // @ts-expect-error the platform's extension
    mcp_server_ids: serverIds,
  });

/** GET over TLS to the proxy, as a browser asking for `localhost` (Caddy's internal CA: not trusted here). */
function httpsGet(path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    // Caddy picks the site by the Host header: with Host 127.0.0.1 no site matches and it answers 200 with an empty body.
    const req = request({ host: '127.0.0.1', port: ports.https, path, servername: 'localhost', rejectUnauthorized: false, headers: { host: `localhost:${ports.https}`, ...headers } }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('docker compose up: the stack as the README starts it', () => {
  it('brings every container to healthy, each as its non-root user, with a read-only root where the file says so', async () => {
    const config = await project.resolvedConfig();
    for (const service of ALL_SERVICES) {
      const [id] = await project.containers(service);
      const state = await project.inspect(id!);
      if (service !== 'proxy') expect(state.State.Health?.Status, service).toBe('healthy');
      expect(state.HostConfig.ReadonlyRootfs, service).toBe(config.services[service]?.read_only ?? false);
      // Caddy's official image runs as root (it binds 443); every other service has its own user.
      if (service !== 'proxy') expect(processUid(state.State.Pid), service).not.toBe(0);
    }
    const [gateway] = await project.containers('gateway');
    await expect(docker(['exec', gateway!, 'sh', '-c', 'touch /app/written'])).rejects.toThrow(/Read-only file system/);
  });

  it('chats through the published gateway port with the official openai client, with a tool call on a preset server', async () => {
    const completion = await toolChat('please list my folders', ['local_fs']);
    const answer = completion.choices[0]?.message.content ?? '';
    // mcp-server-filesystem ran inside the pool container, on the user's folder in the workspaces volume.
    expect(answer).toMatch(/^Folders: .*\/app\/data\/workspaces\//s);
    expect(emulator.requests.some((recorded) => recorded.provider === 'bedrock' && JSON.stringify(recorded.body).includes('local_fs__list_allowed_directories'))).toBe(true);
  });

  it('serves the web UI at its published port: Chromium loads it and it connects to the gateway', async () => {
    const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: ['--no-sandbox'] });
    try {
      const page = await browser.newPage();
      await page.goto(`http://localhost:${ports.web}/chat/`);
      await expect.poll(() => page.getByRole('status').filter({ hasText: 'Connected' }).count(), { timeout: 30_000 }).toBe(1);
      await page.locator('[data-server-id="local_fs"]').waitFor({ state: 'attached', timeout: 30_000 });
      const models = await page.getByRole('combobox', { name: 'Model' }).locator('option').allTextContents();
      expect(models).toContain('Claude Sonnet 4.6');
    } finally {
      await browser.close();
    }
  });

  it('serves the same origin over HTTPS through Caddy (--profile https)', async () => {
    const page = await httpsGet('/chat/');
    expect(page.status).toBe(200);
    expect(page.body).toContain('<div id="root"');
    const models = await httpsGet('/v1/models', { authorization: `Bearer ${API_KEY}`, 'x-user-id': USER });
    expect(models.status).toBe(200);
    expect(JSON.parse(models.body).data.map((model: { id: string }) => model.id)).toContain(MODEL);
  });

  it('keeps a user server and Redis data (append-only file) through `docker compose restart`', async () => {
    const added = await fetch(`http://127.0.0.1:${ports.gateway}/v1/add/mcp_server`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_KEY}`, 'x-user-id': USER, 'content-type': 'application/json' },
      body: JSON.stringify({ config_json: { mcpServers: { mine: { command: 'mcp-server-everything', args: ['stdio'] } } } }),
    });
    expect(((await added.json()) as { errno: number }).errno).toBe(0);
    expect((await toolChat('echo on my server', ['mine'])).choices[0]?.message.content).toBe('Mine said: Echo: from a container');

    const [redisBefore] = await project.containers('redis');
    await project.compose(['restart'], 300_000);
    await waitAllHealthy();
    const [redis] = await project.containers('redis');
    expect(redis).toBe(redisBefore);
    const persistence = await docker(['exec', redis!, 'redis-cli', '--user', 'gateway', '--pass', REDIS_GATEWAY_PASSWORD, '--no-auth-warning', 'INFO', 'persistence']);
    expect(persistence).toMatch(/aof_enabled:1/);

    const listed = await fetch(`http://127.0.0.1:${ports.gateway}/v1/list/mcp_server`, { headers: { authorization: `Bearer ${API_KEY}`, 'x-user-id': USER } });
    expect(JSON.stringify(await listed.json())).toContain('"mine"');
    expect((await toolChat('echo on my server', ['mine'])).choices[0]?.message.content).toBe('Mine said: Echo: from a container');
  });

  it('ships no dev dependencies and no TypeScript sources in the runtime images', async () => {
    const check = `
      const fs = require('node:fs'), path = require('node:path');
      const found = [];
      const walk = (dir, inModules) => {
        for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
          const full = path.join(dir, entry.name);
          if (entry.isSymbolicLink()) continue;
          if (entry.isDirectory()) {
            // A package's own folder only: node_modules/socks/docs/examples/typescript is not TypeScript.
            if (path.basename(dir) === 'node_modules' && ['typescript', 'vitest', 'eslint', 'vite', 'tsx', 'knip', '@types'].includes(entry.name)) found.push(full);
            else walk(full, inModules || entry.name === 'node_modules');
          } else if (!inModules && /\\.tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts')) found.push(full);
          else if (!inModules && entry.name.endsWith('.map') && fs.readFileSync(full, 'utf8').includes('"sourcesContent"')) found.push(full);
        }
      };
      walk('/app', false);
      console.log(JSON.stringify(found));`;
    for (const service of APP_SERVICES) {
      const [id] = await project.containers(service);
      const image = (await project.inspect(id!)).Config.Image;
      const found = JSON.parse(await docker(['run', '--rm', '--entrypoint', 'node', image, '-e', check])) as string[];
      expect(found, image).toEqual([]);
      const size = Number((await docker(['image', 'inspect', '-f', '{{.Size}}', image])).trim());
      console.log(`image ${image}: ${(size / 1e6).toFixed(0)} MB`);
    }
  });

  it('leaves no containers, networks or volumes after `docker compose down -v`', async () => {
    await project.compose(['down', '-v', '--remove-orphans']);
    expect(await leftovers(PROJECT)).toEqual([]);
  });
});

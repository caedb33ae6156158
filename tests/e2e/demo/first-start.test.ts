import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startModelEmulator, startTestRedis, type TestRedis } from '@bedrock-mcp/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../support/service-process.js';
import { freeStartAllPorts, startAllEnv } from '../support/start-all-env.js';

// `npm start` on a newcomer's machine: no .env, no API_KEY, no NODE_ENV, no model credentials.
// (`npm start` builds first; like tests/e2e/start-all.test.ts this runs the built services.)

interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

let redis: TestRedis;
let dir: string;
const ports: Record<string, number> = {};
const running: Started[] = [];

beforeAll(async () => {
  redis = await startTestRedis('first-start');
  dir = mkdtempSync(join(tmpdir(), 'bmcp-first-start-'));
  Object.assign(ports, await freeStartAllPorts());
});

afterAll(async () => {
  await Promise.all(running.map((started) => stop(started)));
  await redis?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** scripts/start-all.mjs with only what a fresh shell has, plus free ports, a test Redis prefix and `envFile` as the .env. */
function startAll(envFile: string, extra: Record<string, string> = {}): Started {
  const child = spawn(process.execPath, ['scripts/start-all.mjs'], {
    cwd: PROJECT_ROOT,
    env: { ...startAllEnv({ ports, redis, dir, envFile }), ...extra },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const started = { child, output: () => output, exited: new Promise<number | null>((done) => child.once('exit', (code) => done(code))) };
  running.push(started);
  return started;
}

async function stop(started: Started): Promise<number | null> {
  if (started.child.exitCode === null && started.child.signalCode === null) started.child.kill('SIGTERM');
  return started.exited;
}

async function waitForOutput(started: Started, text: string, timeoutMs = 90_000): Promise<void> {
  await expect.poll(() => started.output(), { timeout: timeoutMs, interval: 200, message: `waiting for "${text}"` }).toContain(text);
}

describe('npm start on a fresh machine (no .env)', () => {
  it('generates an API key into .env once, prints it with the URLs, and the gateway accepts it', async () => {
    const envFile = join(dir, 'first.env');
    const first = startAll(envFile);
    await waitForOutput(first, '[start] ready');
    const key = /^API_KEY=(dev-[A-Za-z0-9_-]{32})$/m.exec(readFileSync(envFile, 'utf8'))?.[1];
    expect(key, first.output()).toBeDefined();
    expect(statSync(envFile).mode & 0o777).toBe(0o600);
    const web = `http://localhost:${ports.WEB_PORT}`;
    for (const line of [
      `[start]   API       ${web}/v1  (personal keys: create them in the UI under API keys)`,
      `[start]   API docs  ${web}/docs`,
      `[start]   API key   ${key}  (service key for curl and back-ends, acts for any X-User-ID; generated now into ${envFile}; the UI needs none)`,
      `[start]   chat UI   ${web}/chat (signed in as the local user; no identity provider configured)`,
    ]) {
      expect(first.output()).toContain(`${line}\n`);
    }
    // The services' own credential is generated beside it, never printed, and the pool (on loopback) requires it.
    const internalKey = /^INTERNAL_API_KEY=([A-Za-z0-9_-]{43})$/m.exec(readFileSync(envFile, 'utf8'))?.[1];
    expect(internalKey, first.output()).toBeDefined();
    expect(first.output()).not.toContain(internalKey);
    const poolServers = `http://127.0.0.1:${ports.MCP_POOL_PORT}/v1/users/alice/servers`;
    expect((await fetch(poolServers)).status).toBe(401);
    expect((await fetch(poolServers, { headers: { authorization: `Bearer ${internalKey}` } })).status).toBe(200);
    const models = await fetch(`http://127.0.0.1:${ports.MCP_SERVICE_PORT}/v1/models`, { headers: { authorization: `Bearer ${key}` } });
    expect(models.status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${ports.MCP_SERVICE_PORT}/v1/models`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    expect((await fetch(`http://127.0.0.1:${ports.MCP_SERVICE_PORT}/docs`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${ports.WEB_PORT}/docs`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${ports.WEB_PORT}/chat/`)).status).toBe(200);
    // The browser needs no key: the local user is signed in by visiting /auth/login.
    const login = await fetch(`http://127.0.0.1:${ports.WEB_PORT}/auth/login?return_to=/chat/`, { redirect: 'manual' });
    const me = await fetch(`http://127.0.0.1:${ports.WEB_PORT}/v1/me`, { headers: { cookie: login.headers.getSetCookie()[0]!.split(';')[0]! } });
    expect(await me.json()).toMatchObject({ user_id: 'local', auth_method: 'local' });
    expect(await stop(first)).toBe(0);

    // The next start keeps the same key and shows it again.
    const before = readFileSync(envFile, 'utf8');
    const second = startAll(envFile);
    await waitForOutput(second, '[start] ready');
    expect(second.output()).toContain(`[start]   API key   ${key}  (service key for curl and back-ends, acts for any X-User-ID; from ${envFile}; the UI needs none)\n`);
    expect(readFileSync(envFile, 'utf8')).toBe(before);
    expect(await stop(second)).toBe(0);
  });

  it('never generates or prints a key in production', async () => {
    const envFile = join(dir, 'production.env');
    const production = startAll(envFile, { NODE_ENV: 'production' });
    // Production refuses the missing INTERNAL_API_KEY and SECRETS_KEY (nothing is generated), and start-all stops the rest.
    expect(await production.exited).toBe(1);
    expect(existsSync(envFile)).toBe(false);
    expect(production.output()).not.toMatch(/dev-[A-Za-z0-9_-]{32}|API key {3}/);
  });

  it('hands model credentials written to .env to the AWS SDK (which reads only the process environment)', async () => {
    const emulator = await startModelEmulator({ rules: [{ reply: { text: 'Hello from Bedrock.' } }] });
    try {
      const envFile = join(dir, 'credentials.env');
      writeFileSync(
        envFile,
        ['API_KEY=my-own-key', 'AWS_REGION=us-west-2', 'AWS_ACCESS_KEY_ID=AKIDFROMDOTENV', 'AWS_SECRET_ACCESS_KEY=secret-from-dotenv', `AWS_ENDPOINT_URL_BEDROCK_RUNTIME=${emulator.bedrockEndpoint}`].join('\n'),
      );
      const started = startAll(envFile);
      await waitForOutput(started, '[start] ready');
      // A key someone set is never printed.
      expect(started.output()).not.toContain('my-own-key');
      const response = await fetch(`http://127.0.0.1:${ports.MCP_SERVICE_PORT}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: 'Bearer my-own-key', 'content-type': 'application/json', 'x-user-id': 'alice' },
        body: JSON.stringify({ model: 'us.anthropic.claude-sonnet-4-6', messages: [{ role: 'user', content: 'hello' }] }),
      });
      const completion = (await response.json()) as { choices?: Array<{ message: { content: string } }> };
      expect(completion.choices?.[0]?.message.content, JSON.stringify(completion)).toBe('Hello from Bedrock.');
      expect(String(emulator.requests[0]?.headers.authorization)).toContain('Credential=AKIDFROMDOTENV/');
      expect(String(emulator.requests[0]?.headers.authorization)).toContain('/us-west-2/bedrock/aws4_request');
      expect(await stop(started)).toBe(0);
    } finally {
      await emulator.close();
    }
  });
});

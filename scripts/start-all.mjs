#!/usr/bin/env node
// Starts the four services in one terminal (for a machine without Docker): mcp-pool, agent-worker,
// gateway and web, from their builds (`npm run build` first; `npm start` does it). Each line of
// output is prefixed with its service; SIGINT/SIGTERM stop them all; if one dies, all stop.
// Prints one line per service with its URL, and once all answer, where to go. The browser talks only
// to the web server (it proxies the gateway's /v1, /auth, /ws and /docs), and with no identity
// provider configured the gateway signs the local person in as the local user: nothing to paste.
// In development a service API key (for curl and integrations) and the services' INTERNAL_API_KEY
// are generated into .env when none is set: see dev-secrets.mjs.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parse as parseDotenv } from 'dotenv';
import { ensureDevelopmentApiKey, ensureDevelopmentInternalApiKey, generateInternalApiKey } from './dev-secrets.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// The services read the same file (ENV_FILE, relative to the project root, or .env).
const envFile = process.env.ENV_FILE ? resolve(root, process.env.ENV_FILE) : join(root, '.env');
const readEnvFile = () => (existsSync(envFile) ? parseDotenv(readFileSync(envFile)) : {});
const apiKey = ensureDevelopmentApiKey({ envFile, env: process.env, fileEnv: readEnvFile() });
const internalKey = ensureDevelopmentInternalApiKey({ envFile, env: process.env, fileEnv: readEnvFile() });
const fileEnv = readEnvFile();
const setting = (name, fallback) => process.env[name] ?? fileEnv[name] ?? fallback;

const gatewayPort = setting('MCP_SERVICE_PORT', '7002');
const webPort = setting('WEB_PORT', '3000');
const poolPort = setting('MCP_POOL_PORT', '7003');
const workerPort = setting('AGENT_WORKER_PORT', '7004');
const host = 'localhost';
const webUrl = `http://${host}:${webPort}`;
const chatUrl = `${webUrl}/chat`;
const apiUrl = `${webUrl}/v1`;
const docsUrl = `${webUrl}/docs`;
// Every child gets the env file's variables too (real ones win, as in the services' own reading
// of it): the AWS SDK finds credentials (AWS_ACCESS_KEY_ID, AWS_PROFILE…) only in the process
// environment, and the web server reads no env file. MCP servers still get only the pool's
// allowlisted variables.
// An INTERNAL_API_KEY that could not be saved is made up for this run: the four start together, so
// they still agree on it.
const oneRunInternalKey = internalKey.error ? generateInternalApiKey() : undefined;
// Both bind loopback unless told otherwise (the settings' defaults); the web server finds the gateway here.
const childEnv = {
  GATEWAY_URL: `http://127.0.0.1:${gatewayPort}`,
  ...fileEnv,
  ...process.env,
  ...(oneRunInternalKey ? { INTERNAL_API_KEY: oneRunInternalKey } : {}),
};
const services = [
  { name: 'mcp-pool', entry: 'services/mcp-pool/dist/main.js', url: `http://${host}:${poolPort} (internal)`, ready: `http://127.0.0.1:${poolPort}/readyz` },
  { name: 'agent-worker', entry: 'services/agent-worker/dist/main.js', url: `http://${host}:${workerPort}/healthz`, ready: `http://127.0.0.1:${workerPort}/readyz` },
  { name: 'gateway', entry: 'services/gateway/dist/main.js', url: `http://127.0.0.1:${gatewayPort} (behind the web server)`, ready: `http://127.0.0.1:${gatewayPort}/readyz` },
  { name: 'web', entry: 'services/web/server.mjs', url: `${chatUrl} (chat UI) · ${apiUrl} (API) · ${docsUrl} (API docs)`, ready: `http://127.0.0.1:${webPort}/healthz` },
].filter((service) => {
  if (existsSync(join(root, service.entry))) return true;
  console.error(`[start] ${service.name}: ${service.entry} is missing — run \`npm run build\` first`);
  return false;
});
if (services.length < 4) process.exit(1);
if (apiKey.error) console.error(`[start] no API_KEY is set and none could be generated (${apiKey.error}): set API_KEY yourself`);
if (internalKey.error) console.error(`[start] no INTERNAL_API_KEY is set and none could be saved (${internalKey.error}): this run uses a one-time key`);

const width = Math.max(...services.map((service) => service.name.length));
const children = new Map();
let stopping = false;

for (const service of services) {
  const child = spawn(process.execPath, [join(root, service.entry)], { cwd: root, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  children.set(service.name, child);
  const prefix = `${service.name.padEnd(width)} |`;
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', (line) => process.stdout.write(`${prefix} ${line}\n`));
  }
  child.on('exit', (code, signal) => {
    children.delete(service.name);
    if (!stopping) {
      console.error(`[start] ${service.name} exited (${signal ?? code}); stopping the others`);
      stopAll(1);
    } else if (children.size === 0) {
      process.exit(process.exitCode ?? 0);
    }
  });
  console.log(`[start] ${service.name.padEnd(width)} ${service.url}`);
}
void announceWhenReady();

/** Once every service answers (or after 2 minutes), says where to go, how people sign in, and the service key for curl. */
async function announceWhenReady() {
  const deadline = Date.now() + 120_000;
  let waiting = services;
  while (waiting.length > 0 && Date.now() < deadline && !stopping) {
    const answers = await Promise.all(waiting.map((service) => fetch(service.ready, { signal: AbortSignal.timeout(2000) }).then((response) => response.ok, () => false)));
    waiting = waiting.filter((_, index) => !answers[index]);
    if (waiting.length > 0) await new Promise((done) => setTimeout(done, 500));
  }
  if (stopping) return;
  if (waiting.length > 0) {
    console.error(`[start] not ready after 2 minutes: ${waiting.map((service) => service.name).join(', ')} (see their lines above)`);
    return;
  }
  const keyLine = apiKey.printable
    ? `${apiKey.key}  (service key for curl and back-ends, acts for any X-User-ID; ${apiKey.generated ? 'generated now into' : 'from'} ${envFile}; the UI needs none)`
    : 'the API_KEY value this platform was started with (service key for curl and back-ends; the UI needs none)';
  const mode = await fetch(`http://127.0.0.1:${webPort}/auth/config`, { signal: AbortSignal.timeout(2000) })
    .then((response) => response.json())
    .then((config) => config.mode, () => undefined);
  const signIn = mode === 'oidc' ? 'sign in with your identity provider' : 'signed in as the local user; no identity provider configured';
  console.log(
    [
      '[start] ready',
      `[start]   API       ${apiUrl}  (personal keys: create them in the UI under API keys)`,
      `[start]   API docs  ${docsUrl}`,
      `[start]   API key   ${keyLine}`,
      '[start]   first try: "show all of tables in the db" (docs/quick-start.md has the whole demo and how to add model credentials)',
      `[start]   chat UI   ${chatUrl} (${signIn})`,
    ].join('\n'),
  );
}

function stopAll(exitCode) {
  if (stopping) return;
  stopping = true;
  process.exitCode = exitCode;
  for (const child of children.values()) child.kill('SIGTERM');
  setTimeout(() => {
    for (const child of children.values()) child.kill('SIGKILL');
    process.exit(exitCode || 1);
  }, 35_000).unref();
  if (children.size === 0) process.exit(exitCode);
}

process.on('SIGINT', () => stopAll(0));
process.on('SIGTERM', () => stopAll(0));

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ssePayloads } from '../support/sse.js';
import { startStack, type Stack } from '../support/stack.js';
import { closeBrowserTest, lastAnswer, launchChromium, reserveWebOrigin, screenshot, sendMessage, signedInContext, startWebServer, type WebServer } from '../web/web-harness.js';
import { HANDS_ON_QUESTIONS } from './hands-on-script.js';
import { DEMO_SERVER_IDS, realConf } from './real-conf.js';

// A newcomer's first start: the repository's conf/config.json and NO model credentials at all —
// no AWS keys, no profile, no credentials file, no instance role, no OpenAI-compatible base. The
// platform must start, list its models, and answer a chat with an error naming what to set.

const conf = realConf();
const MODEL = conf.models[0]!.model_id;
/** Settings the worker's message must name: Bedrock's, and the OpenAI-compatible alternative's. */
const NAMED_SETTINGS = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_REGION', 'use_bedrock=0', 'COMPATIBLE_API_BASE'];

let stack: Stack;
let web: WebServer;
let browser: Browser;
let emptyHome: string;
const pages: Page[] = [];

beforeAll(async () => {
  emptyHome = mkdtempSync(join(tmpdir(), 'bmcp-no-aws-home-'));
  const origin = await reserveWebOrigin();
  stack = await startStack({
    label: 'no-credentials',
    app: { models: conf.models, mcpServers: conf.mcpServers, userServerCatalog: conf.userServerCatalog },
    // The stack's defaults give every service emulator credentials; take them all away. The
    // Bedrock endpoint stays the emulator's, so a request that went out anyway would be seen.
    env: {
      AWS_ACCESS_KEY_ID: '',
      AWS_SECRET_ACCESS_KEY: '',
      AWS_SESSION_TOKEN: '',
      HOME: emptyHome,
      AWS_SHARED_CREDENTIALS_FILE: join(emptyHome, 'no-credentials'),
      AWS_CONFIG_FILE: join(emptyHome, 'no-config'),
      AWS_EC2_METADATA_DISABLED: 'true',
      COMPATIBLE_API_BASE: '',
      COMPATIBLE_API_KEY: '',
    },
    gatewayEnv: { PUBLIC_URL: origin.url },
  });
  [web, browser] = await Promise.all([startWebServer(stack.gatewayUrl, { port: origin.port }), launchChromium()]);
}, 180_000);

afterAll(async () => {
  await closeBrowserTest({ pages, browser, web, stack });
  if (emptyHome) rmSync(emptyHome, { recursive: true, force: true });
});

describe('a first start without model credentials', () => {
  it('starts, lists the models and the preset servers', async () => {
    const models = (await (await stack.fetch('/v1/models')).json()) as { data: Array<{ id: string }> };
    // Bedrock's models; the OpenAI-compatible ones (the seed's DeepSeek and Qwen) need COMPATIBLE_API_BASE.
    expect(models.data.map((model) => model.id)).toEqual(conf.models.filter((model) => model.provider !== 'openai').map((model) => model.model_id));
    const servers = (await (await stack.fetch('/v1/list/mcp_server', { userId: 'newcomer' })).json()) as { servers: Array<{ server_id: string }> };
    expect(servers.servers.map((server) => server.server_id)).toEqual(expect.arrayContaining([...DEMO_SERVER_IDS]));
  });

  it('answers a chat with model_not_configured, naming what to set, and calls no model', async () => {
    const body = { model: MODEL, messages: [{ role: 'user', content: HANDS_ON_QUESTIONS[0] }], mcp_server_ids: [...DEMO_SERVER_IDS] };
    const plain = await stack.fetch('/v1/chat/completions', { method: 'POST', userId: 'newcomer', body: JSON.stringify(body) });
    const error = ((await plain.json()) as { error: { code: string; message: string } }).error;
    expect({ status: plain.status, code: error.code }).toEqual({ status: 503, code: 'model_not_configured' });
    // The official clients retry 5xx; a failed turn must not be started again by them.
    expect(plain.headers.get('x-should-retry')).toBe('false');
    for (const setting of NAMED_SETTINGS) expect(error.message).toContain(setting);

    const streamed = await stack.fetch('/v1/chat/completions', { method: 'POST', userId: 'newcomer', body: JSON.stringify({ ...body, stream: true }) });
    expect(streamed.status).toBe(200);
    const payloads = ssePayloads<{ error?: { code: string; message: string } }>(await streamed.text());
    expect(payloads.at(-1)?.error).toEqual({ ...error, type: expect.any(String), param: null });

    expect(stack.emulator.requests).toEqual([]);
  });

  it('shows the chat UI with a banner saying what to set, not a broken chat', async () => {
    const context = await signedInContext(browser, stack, web, 'newcomer-ui');
    const page = await context.newPage();
    pages.push(page);
    await page.goto(`${web.url}/chat/`);
    await page.getByRole('region', { name: 'Global servers' }).locator('[data-server-id="db_sqlite"]').waitFor();
    await sendMessage(page, HANDS_ON_QUESTIONS[0]);
    const banner = page.getByRole('alert').filter({ hasText: 'No model provider is configured on the server' });
    await banner.waitFor({ timeout: 15_000 });
    const text = (await banner.textContent()) ?? '';
    for (const setting of NAMED_SETTINGS) expect(text).toContain(setting);
    expect(await lastAnswer(page).getAttribute('data-status')).toBe('error');
    // The composer stays usable: the newcomer can set credentials, restart, and ask again.
    await page.getByRole('textbox', { name: 'Message' }).waitFor();
    await screenshot(page, 'demo-without-credentials');
    expect(stack.emulator.requests).toEqual([]);
  });
});

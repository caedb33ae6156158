import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startModelEmulator, startTestRedis, type ModelEmulator, type TestRedis } from '@bedrock-mcp/test-support';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../support/service-process.js';
import { freeStartAllPorts, startAllEnv } from '../support/start-all-env.js';
import { lastAnswer, launchChromium, newContext, reportFailedPage, screenshot, sendMessage } from './web-harness.js';

// The embedded default: `npm start` (scripts/start-all.mjs, the built services; `npm start` builds
// first) with no identity provider, no key to paste, a newcomer's shell. Chromium opens the chat
// URL start-all prints and reaches an answer with no typing but the question.

const QUESTION = 'What can this platform do?';
const ANSWER = 'It lets a model use tools from MCP servers for you.';

let redis: TestRedis;
let emulator: ModelEmulator;
let dir: string;
let child: ChildProcess | undefined;
let output = '';
let browser: Browser;
const ports: Record<string, number> = {};
const pages: Page[] = [];

beforeAll(async () => {
  [redis, emulator, browser] = await Promise.all([
    startTestRedis('embedded-default'),
    startModelEmulator({ rules: [{ when: { lastUserText: QUESTION }, reply: { text: ANSWER } }] }),
    launchChromium(),
  ]);
  dir = mkdtempSync(join(tmpdir(), 'bmcp-embedded-default-'));
  Object.assign(ports, await freeStartAllPorts());
  // The model credentials a newcomer would put in .env (pointing at the emulator); nothing about sign-in.
  const envFile = join(dir, '.env');
  writeFileSync(envFile, ['AWS_REGION=us-east-1', 'AWS_ACCESS_KEY_ID=emulator', 'AWS_SECRET_ACCESS_KEY=emulator', `AWS_ENDPOINT_URL_BEDROCK_RUNTIME=${emulator.bedrockEndpoint}`].join('\n'));
  child = spawn(process.execPath, ['scripts/start-all.mjs'], {
    cwd: PROJECT_ROOT,
    env: startAllEnv({ ports, redis, dir, envFile }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const deadline = Date.now() + 90_000;
  while (!output.includes('[start] ready')) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`start-all did not get ready:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}, 180_000);

afterAll(async () => {
  await Promise.all(pages.map((page) => page.context().close().catch(() => undefined)));
  await browser?.close();
  if (child && child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolve) => child!.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
  await emulator?.close();
  await redis?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

// A failure leaves the page's screenshot and text, and what start-all printed.
afterEach(async (context) => {
  if (context.task.result?.state !== 'fail') return;
  await reportFailedPage(pages.at(-1), 'failed-embedded-default');
  console.error(`[embedded-default] start-all output:\n${output.slice(-6000)}`);
});

describe('the embedded default (npm start, no identity provider)', () => {
  it('reaches a chat in Chromium with no typing but the question, signed in as the local user', async () => {
    const chatUrl = `http://localhost:${ports.WEB_PORT}/chat`;
    expect(output).toContain(`chat UI   ${chatUrl} (signed in as the local user; no identity provider configured)`);
    const page = await (await newContext(browser)).newPage();
    pages.push(page);
    await page.goto(chatUrl);
    const composer = page.getByRole('textbox', { name: 'Message' });
    await composer.waitFor({ timeout: 20_000 });
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'Connected' }).count(), { timeout: 15_000 }).toBe(1);
    expect(await page.getByTestId('user-button').textContent()).toContain('local user — no identity provider configured');
    // The message box is the only thing to type in.
    expect(await page.getByRole('textbox').count()).toBe(1);
    // Sending waits for the server list (a message before it would offer the model no tools).
    await page.getByRole('region', { name: 'Global servers' }).locator('[data-server-id="local_fs"]').waitFor();
    await sendMessage(page, QUESTION);
    await expect.poll(() => lastAnswer(page).getAttribute('data-status'), { timeout: 30_000 }).toBe('done');
    expect(await lastAnswer(page).locator('.markdown').innerText()).toBe(ANSWER);
    await screenshot(page, 'embedded-default');
  });
});

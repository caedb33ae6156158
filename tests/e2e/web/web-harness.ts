import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { freePort } from '@bedrock-mcp/test-support';
import { sessionCookieName } from '../../../services/gateway/src/identity/session-cookie.js';
import { SessionStore } from '../../../services/gateway/src/identity/session-store.js';
import { PROJECT_ROOT } from '../support/service-process.js';
import type { Stack } from '../support/stack.js';
import type { TestContext } from 'vitest';

const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOT_DIR = join(PROJECT_ROOT, 'artifacts', 'screenshots');
const WEB_DIR = join(PROJECT_ROOT, 'services', 'web');

function run(command: string, args: string[], cwd: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    // NODE_ENV=test (vitest's) would make Vite bundle React's development build.
    const child = spawn(command, args, { cwd, env: { ...process.env, NODE_ENV: 'production' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`${command} ${args.join(' ')} exited ${code}:\n${output.slice(-3000)}`));
    });
  });
}

export interface WebServer {
  url: string;
  /** The built app's folder (temporary). */
  distDir: string;
  stop(): Promise<void>;
}

/** A free port for the web server and the origin the browser will open, chosen before the gateway starts (its PUBLIC_URL). */
export async function reserveWebOrigin(): Promise<{ port: number; url: string }> {
  const port = await freePort();
  return { port, url: `http://127.0.0.1:${port}` };
}

/**
 * Builds the web app into a temp folder (vite build, base /chat/) and serves it with the
 * production server (services/web/server.mjs), which proxies the API and the sockets to
 * `gatewayUrl`: the browser talks to the web origin only. `port`: one from reserveWebOrigin.
 */
export async function startWebServer(gatewayUrl: string, options: { port?: number } = {}): Promise<WebServer> {
  const distDir = mkdtempSync(join(tmpdir(), 'bmcp-web-dist-'));
  await run(process.execPath, [join(PROJECT_ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--outDir', distDir, '--emptyOutDir', '--logLevel', 'warn'], WEB_DIR, 120_000);
  const port = options.port ?? (await freePort());
  const child: ChildProcess = spawn(process.execPath, [join(WEB_DIR, 'server.mjs')], {
    cwd: PROJECT_ROOT,
    env: { PATH: process.env.PATH ?? '', WEB_PORT: String(port), WEB_HOST: '127.0.0.1', WEB_DIST_DIR: distDir, GATEWAY_URL: gatewayUrl },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`web server exited ${child.exitCode}: ${output}`);
    const ok = await fetch(`${url}/healthz`).then(
      (response) => response.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) throw new Error(`web server not ready: ${output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  let stopping: Promise<void> | undefined;
  return {
    url,
    distDir,
    stop: () =>
      (stopping ??= (async () => {
        if (child.exitCode === null) {
          const exited = new Promise((resolve) => child.once('exit', resolve));
          child.kill('SIGTERM');
          await exited;
        }
        rmSync(distDir, { recursive: true, force: true });
      })()),
  };
}

/** Headless Chromium; `extraArgs` add to the usual flags (e.g. fake media devices). */
export async function launchChromium(extraArgs: readonly string[] = []): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium not found at ${CHROMIUM_PATH}: install it with apt-get install -y chromium (or set CHROMIUM_PATH)`);
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', ...extraArgs],
  });
}

export interface ContextOptions {
  viewport?: { width: number; height: number };
  colorScheme?: 'light' | 'dark';
}

export async function newContext(browser: Browser, options: ContextOptions = {}): Promise<BrowserContext> {
  return browser.newContext({ viewport: options.viewport ?? { width: 1280, height: 860 }, colorScheme: options.colorScheme ?? 'light', deviceScaleFactor: 1 });
}

/**
 * A fresh browser context already signed in as `userId`: a session made by the gateway's own
 * session store in the stack's Redis, its cookie set for the web origin as the sign-in would set
 * it. (Signing in itself is tested in sign-in.test.ts; here each test gets its own user at no cost.)
 */
export async function signedInContext(browser: Browser, stack: Stack, web: WebServer, userId: string, options: ContextOptions = {}): Promise<BrowserContext> {
  const sessions = new SessionStore(stack.redis.client, stack.keys, { idleTimeoutS: 3600, maxAgeS: 3600 });
  const { cookieValue } = await sessions.create({ userId, displayName: userId, method: 'oidc' });
  const context = await newContext(browser, options);
  await context.addCookies([{ name: sessionCookieName(false), value: cookieValue, url: web.url, httpOnly: true, sameSite: 'Lax' }]);
  return context;
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  // Caret and animations frozen so screenshots are stable.
  await page.screenshot({ path, animations: 'disabled', caret: 'hide' });
  return path;
}

/** Closes what a Chromium test file opened, in reverse: its pages' contexts, the browser, the web server, the stack. */
export async function closeBrowserTest(opened: { pages: readonly Page[]; browser?: Browser; web?: WebServer; stack?: Stack }): Promise<void> {
  await Promise.all(opened.pages.map((page) => page.context().close().catch(() => undefined)));
  await opened.browser?.close();
  await opened.web?.stop();
  await opened.stack?.stop();
}

/** Leaves a screenshot of a failed test's page and the page's text in the log, for CI to keep. */
export async function reportFailedPage(page: Page | undefined, name: string): Promise<void> {
  if (!page || page.isClosed()) return;
  await screenshot(page, name).catch(() => undefined);
  console.error(`[${name}] ${page.url()} page text:\n${await page.locator('body').innerText().catch(() => '(unavailable)')}`);
}

/** An afterEach hook: when a test failed, reports the last page it opened (see reportFailedPage). */
export function reportFailedTest(pages: readonly Page[], prefix: string): (context: TestContext) => Promise<void> {
  return async (context) => {
    if (context.task.result?.state !== 'fail') return;
    await reportFailedPage(pages.at(-1), `${prefix}-${context.task.name.replace(/[^a-z0-9]+/gi, '-').slice(0, 60)}`);
  };
}

/** Sends a message through the composer, once the page lets it be sent (models and servers loaded, nothing streaming). */
export async function sendMessage(page: Page, text: string): Promise<void> {
  const box = page.getByRole('textbox', { name: 'Message' });
  await box.fill(text);
  await page.locator('button[aria-label="Send message"]:enabled').waitFor();
  await box.press('Enter');
}

/** The text of the last answer's markdown blocks. */
export function lastAnswer(page: Page) {
  return page.getByTestId('assistant-message').last();
}

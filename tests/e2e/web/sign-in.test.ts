import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startTestOidcProvider, TEST_OIDC_CLIENT_ID, TEST_OIDC_CLIENT_SECRET, type TestOidcProvider } from '@bedrock-mcp/test-support';
import { saveCommittedScreenshot } from '../demo/committed-screenshot.js';
import { PROJECT_ROOT } from '../support/service-process.js';
import { startStack, type Stack } from '../support/stack.js';
import { closeBrowserTest, lastAnswer, launchChromium, newContext, reserveWebOrigin, screenshot, sendMessage, startWebServer, type WebServer, reportFailedTest } from './web-harness.js';

// Sign-in with a real OpenID provider (oidc-provider on loopback, its development login and
// consent pages) in Chromium, through the production web server (one origin) to the real gateway.

const SIGN_IN_SCREENSHOT = join(PROJECT_ROOT, 'docs', 'images', 'sign-in.png');
const API_KEYS_SCREENSHOT = join(PROJECT_ROOT, 'docs', 'images', 'api-keys.png');
/** Redaction bars over what changes on every run (the key, its prefix, times, the test's port), in the theme's grey. */
const MASK_COLOR = '#dfe3e9';

let provider: TestOidcProvider;
let stack: Stack;
let web: WebServer;
let browser: Browser;
const pages: Page[] = [];

beforeAll(async () => {
  const origin = await reserveWebOrigin();
  provider = await startTestOidcProvider(`${origin.url}/auth/callback`, {
    alice: { name: 'Alice Martin', email: 'alice@example.com', email_verified: true },
    bob: { name: 'Bob Stone', email: 'bob@example.com', email_verified: true },
    carol: { name: 'Carol Diaz', email: 'carol@example.com', email_verified: true },
  });
  stack = await startStack({
    label: 'web-sign-in',
    gatewayEnv: { PUBLIC_URL: origin.url, OIDC_ISSUER_URL: provider.issuer, OIDC_CLIENT_ID: TEST_OIDC_CLIENT_ID, OIDC_CLIENT_SECRET: TEST_OIDC_CLIENT_SECRET },
  });
  stack.emulator.script([{ when: { lastUserText: 'who am I talking to' }, reply: { text: 'You are talking to the emulated model.' } }]);
  [web, browser] = await Promise.all([startWebServer(stack.gatewayUrl, { port: origin.port }), launchChromium()]);
}, 180_000);

afterAll(async () => {
  await closeBrowserTest({ pages, browser, web, stack });
  await provider?.close();
});

afterEach(reportFailedTest(pages, 'failed'));

async function openPage(context?: BrowserContext): Promise<Page> {
  const page = await (context ?? (await newContext(browser))).newPage();
  pages.push(page);
  return page;
}

/** From the UI's sign-in screen through the provider's login and consent pages, back to the chat. */
async function signIn(page: Page, login: string): Promise<void> {
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${provider.issuer}/**`);
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill('any password');
  await page.getByRole('button', { name: 'Sign-in' }).click();
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.waitForURL(`${web.url}/chat/`);
  await page.getByTestId('user-button').waitFor();
}

const connected = (page: Page) => expect.poll(() => page.getByRole('status').filter({ hasText: 'Connected' }).count(), { timeout: 15_000 }).toBe(1);
const sessionCookieOf = async (context: BrowserContext) => (await context.cookies(web.url)).find((cookie) => cookie.name === 'bmcp_session')?.value;
const meWith = (headers: Record<string, string>) => fetch(`${web.url}/v1/me`, { headers, signal: AbortSignal.timeout(10_000) });

/** The chat WebSocket opened with `cookie` from the UI's origin: 'ready', or how the gateway refused it. */
function openChatSocket(cookie: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = new WebSocket(`${web.url.replace('http:', 'ws:')}/ws/chat`, { headers: { cookie, origin: web.url } });
    const done = (outcome: string) => {
      socket.terminate();
      resolve(outcome);
    };
    socket.on('unexpected-response', (_request, response) => done(`HTTP ${response.statusCode}`));
    socket.on('message', (data: Buffer) => done(String(JSON.parse(data.toString('utf8')).type)));
    socket.on('close', (code) => done(`closed ${code}`));
    socket.on('error', (error) => done(`error ${error.message}`));
  });
}

describe('signing in with an OpenID provider, in Chromium', () => {
  it('signs in through the provider\'s login page, chats, stays signed in across a reload, signs out and is refused', async () => {
    const page = await openPage();
    await page.goto(`${web.url}/chat/`);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect(await page.getByRole('button').count()).toBe(1);
    const saved = await saveCommittedScreenshot(browser, SIGN_IN_SCREENSHOT, await page.screenshot({ animations: 'disabled', caret: 'hide' }));
    if (saved.written) console.info(`wrote ${SIGN_IN_SCREENSHOT} (${saved.changedPixels ?? 'new file,'} changed pixels)`);

    const started = performance.now();
    await signIn(page, 'alice');
    await connected(page);
    console.info(`OIDC sign-in in Chromium (button → provider's login and consent → chat connected): ${Math.round(performance.now() - started)} ms`);
    const person = page.getByTestId('user-button');
    expect(await person.textContent()).toContain('Alice Martin');
    expect(await person.getAttribute('title')).toBe('Signed in as alice');
    expect(await person.textContent()).not.toContain('no identity provider');
    await connected(page);
    await sendMessage(page, 'who am I talking to?');
    await expect.poll(() => lastAnswer(page).getAttribute('data-status'), { timeout: 15_000 }).toBe('done');
    expect(await lastAnswer(page).locator('.markdown').innerText()).toBe('You are talking to the emulated model.');
    const cookie = await sessionCookieOf(page.context());
    expect(cookie).toBeDefined();

    await page.reload();
    await connected(page);
    expect(await page.getByTestId('user-button').textContent()).toContain('Alice Martin');
    // Polled: a new message's contents are skipped until Chromium has found it on screen, two
    // frames after it is added (`content-visibility: auto`), and until then its innerText is empty,
    // however right the message is. On a loaded machine two frames can take a while.
    await expect.poll(() => lastAnswer(page).locator('.markdown').innerText(), { timeout: 10_000 }).toBe('You are talking to the emulated model.');
    await screenshot(page, 'signed-in-oidc');

    await page.getByTestId('user-button').click();
    await page.getByRole('menuitem', { name: 'Sign out', exact: true }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect(await page.getByRole('status').textContent()).toBe('You signed out.');
    // The signed-out session's cookie is refused on REST and on the WebSocket, from this page and from anywhere.
    expect(await page.evaluate(() => fetch('/v1/me').then((response) => response.status))).toBe(401);
    expect((await meWith({ cookie: `bmcp_session=${cookie}` })).status).toBe(401);
    expect(await openChatSocket(`bmcp_session=${cookie}`)).not.toBe('ready');
  });

  it('refuses a forged cookie and shows the sign-in, without going round in circles', async () => {
    const context = await newContext(browser);
    await context.addCookies([{ name: 'bmcp_session', value: 'forged-0123456789abcdefghijklmnopqrstuvwxyzABCD', url: web.url, httpOnly: true, sameSite: 'Lax' }]);
    const page = await openPage(context);
    const visited: string[] = [];
    page.on('framenavigated', (frame) => frame === page.mainFrame() && visited.push(frame.url()));
    await page.goto(`${web.url}/chat/`);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect(visited).toEqual([`${web.url}/chat/`]);
    expect(await openChatSocket('bmcp_session=forged-0123456789abcdefghijklmnopqrstuvwxyzABCD')).not.toBe('ready');
  });

  it('a page of another origin cannot use the session on the chat WebSocket (cross-site WebSocket hijacking)', async () => {
    const page = await openPage();
    await page.goto(`${web.url}/chat/`);
    await signIn(page, 'alice');
    // Opens the chat socket from whatever page it runs in: 'ready' (the cookie went with it and was accepted) or how it ended.
    // (The browser's WebSocket: `WebSocket` in this file is the ws package's.)
    const tryChatSocket = (url: string) =>
      new Promise<string>((resolve) => {
        const socket = new globalThis.WebSocket(url);
        socket.onmessage = (event) => {
          resolve(String(JSON.parse(String(event.data)).type));
          socket.close();
        };
        socket.onclose = (event) => resolve(`closed ${event.code}`);
      });
    const socketUrl = `${web.url.replace('http:', 'ws:')}/ws/chat`;
    expect(await page.evaluate(tryChatSocket, socketUrl)).toBe('ready');
    // Another origin on the same site (another loopback port): the browser sends the cookie, the Origin gives it away.
    const foreign = await openPage(page.context());
    await foreign.goto(`${provider.issuer}/.well-known/openid-configuration`);
    expect(await foreign.evaluate(tryChatSocket, socketUrl)).toBe('closed 1006');
  });

  it('a session ended from another device (sign out everywhere) sends this page back to the sign-in', async () => {
    const laptop = await openPage();
    await laptop.goto(`${web.url}/chat/`);
    await signIn(laptop, 'carol');
    await connected(laptop);
    const phone = await openPage();
    await phone.goto(`${web.url}/chat/`);
    await signIn(phone, 'carol');
    await phone.getByTestId('user-button').click();
    await phone.getByRole('menuitem', { name: 'Sign out everywhere' }).click();
    await phone.getByRole('heading', { name: 'Sign in' }).waitFor();
    // The laptop's next request is refused, and it says why instead of failing quietly.
    await sendMessage(laptop, 'who am I talking to?');
    await laptop.getByRole('heading', { name: 'Sign in' }).waitFor({ timeout: 15_000 });
    expect(await laptop.getByRole('status').textContent()).toBe('Your session ended. Sign in again to carry on.');
  });

  it('the API keys page creates a key shown once, lists it, revokes it, and the revoked key is refused at once', async () => {
    const page = await openPage(await newContext(browser, { viewport: { width: 1280, height: 860 } }));
    await page.goto(`${web.url}/chat/`);
    await signIn(page, 'bob');
    await page.getByTestId('user-button').click();
    await page.getByRole('menuitem', { name: 'API keys' }).click();
    const dialog = page.getByRole('dialog', { name: 'API keys' });
    await dialog.getByText('No keys yet.').waitFor();
    await dialog.getByLabel('Name').fill('nightly report script');
    await dialog.getByLabel('Expires after (days)').fill('90');
    await dialog.getByRole('button', { name: 'Create key' }).click();
    const shown = dialog.getByTestId('new-key');
    await shown.waitFor();
    const key = await shown.getByLabel('New API key').inputValue();
    expect(await shown.getByRole('alert').textContent()).toContain('It will not be shown again');
    const row = dialog.getByRole('row', { name: /nightly report script/ });
    await row.waitFor();
    expect(await row.textContent()).toContain(`${key.slice(0, 8)}`);
    expect(await row.textContent()).toContain('Never used');
    const png = await page.screenshot({
      animations: 'disabled',
      caret: 'hide',
      mask: [shown.getByLabel('New API key'), row.locator('td:nth-child(2) code'), row.locator('time'), dialog.locator('.api-base-url')],
      maskColor: MASK_COLOR,
    });
    const saved = await saveCommittedScreenshot(browser, API_KEYS_SCREENSHOT, png);
    if (saved.written) console.info(`wrote ${API_KEYS_SCREENSHOT} (${saved.changedPixels ?? 'new file,'} changed pixels)`);

    // The key acts as bob, and only as bob.
    const asBob = await meWith({ authorization: `Bearer ${key}` });
    expect(await asBob.json()).toMatchObject({ user_id: 'bob', auth_method: 'user_key' });
    expect((await meWith({ authorization: `Bearer ${key}`, 'x-user-id': 'alice' })).status).toBe(403);

    await dialog.getByRole('button', { name: 'Done, I have copied it' }).click();
    expect(await dialog.getByTestId('new-key').count()).toBe(0);
    expect(await page.locator('body').innerText()).not.toContain(key);
    // Reopened, the list shows the use.
    await page.keyboard.press('Escape');
    await page.getByTestId('user-button').click();
    await page.getByRole('menuitem', { name: 'API keys' }).click();
    await expect.poll(() => dialog.getByRole('row', { name: /nightly report script/ }).textContent()).not.toContain('Never used');

    await dialog.getByRole('button', { name: 'Revoke nightly report script' }).click();
    await dialog.getByRole('button', { name: 'Yes, revoke' }).click();
    await dialog.getByRole('row', { name: /nightly report script/ }).waitFor({ state: 'detached' });
    expect((await meWith({ authorization: `Bearer ${key}` })).status).toBe(401);
  });
});

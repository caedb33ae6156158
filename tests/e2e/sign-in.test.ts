import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startTestOidcProvider, TEST_OIDC_CLIENT_ID, TEST_OIDC_CLIENT_SECRET, type TestOidcProvider } from '@bedrock-mcp/test-support';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from './support/service-process.js';
import { startStack, STACK_MODEL, type Stack } from './support/stack.js';
import { launchChromium } from './web/web-harness.js';

// A real browser, a real OpenID provider, the real gateway behind the real web server (which
// proxies /v1, /auth and /ws): what a person's browser does, apart from the React app (a stand-in
// page here, so this tests the platform's sign-in rather than the UI).
let provider: TestOidcProvider;
let stack: Stack;
let web: ChildProcess;
let webUrl: string;
let distDir: string;
let browser: Browser;

async function waitFor(url: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await fetch(url).then((response) => response.ok, () => false))) {
    if (Date.now() > deadline) throw new Error(`${url} did not answer`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

beforeAll(async () => {
  const webPort = await freePort();
  webUrl = `http://localhost:${webPort}`;
  provider = await startTestOidcProvider(`${webUrl}/auth/callback`, { alice: { name: 'Alice Example', email: 'alice@example.com', email_verified: true } });
  stack = await startStack({
    label: 'sign-in',
    gatewayEnv: { OIDC_ISSUER_URL: provider.issuer, OIDC_CLIENT_ID: TEST_OIDC_CLIENT_ID, OIDC_CLIENT_SECRET: TEST_OIDC_CLIENT_SECRET, PUBLIC_URL: webUrl, WS_AUTH_TIMEOUT_MS: '1000' },
  });
  stack.emulator.script([{ when: { lastUserText: 'hello' }, reply: { text: 'Hello, Alice.' } }]);
  distDir = mkdtempSync(join(tmpdir(), 'bmcp-sign-in-'));
  writeFileSync(join(distDir, 'index.html'), '<!doctype html><title>chat</title><p>chat</p>');
  web = spawn(process.execPath, [join(PROJECT_ROOT, 'services/web/server.mjs')], {
    env: { PATH: process.env.PATH ?? '', WEB_PORT: String(webPort), WEB_HOST: '127.0.0.1', WEB_DIST_DIR: distDir, GATEWAY_URL: stack.gatewayUrl },
    stdio: 'ignore',
  });
  await waitFor(`http://127.0.0.1:${webPort}/healthz`);
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  web?.kill('SIGTERM');
  await stack?.stop();
  await provider?.close();
  if (distDir) rmSync(distDir, { recursive: true, force: true });
});

/** In the page: who /v1/me says is signed in (status and body). */
const whoAmI = (page: Page) =>
  page.evaluate(async () => {
    const response = await fetch('/v1/me');
    return { status: response.status, body: (await response.json()) as { user_id?: string; display_name?: string; auth_method?: string; csrf_token?: string } };
  });

/** In the page: opens the chat WebSocket (cookie sent by the browser), sends `hello`, returns the frames' types and the answer text. */
const chatOverWebSocket = (page: Page, model: string) =>
  page.evaluate(
    (chatModel) =>
      new Promise<{ first: unknown; text: string; closeCode?: number }>((resolve) => {
        const socket = new WebSocket(`${location.origin.replace('http', 'ws')}/ws/chat`);
        let first: unknown;
        let text = '';
        socket.onmessage = (message) => {
          const frame = JSON.parse(String(message.data)) as { type: string; event?: { type: string; text?: string } };
          first ??= frame;
          if (frame.type === 'ready') socket.send(JSON.stringify({ type: 'chat', requestId: 'r1', body: { model: chatModel, messages: [{ role: 'user', content: 'hello' }] } }));
          if (frame.event?.type === 'text_delta') text += frame.event.text ?? '';
          if (frame.event?.type === 'done') {
            socket.close();
            resolve({ first, text });
          }
        };
        socket.onclose = (event) => resolve({ first, text, closeCode: event.code });
      }),
    model,
  );

describe('sign-in in Chromium through the web server', () => {
  it('signs in at the provider’s page, chats over the signed-in WebSocket, stays signed in after a reload, signs out and is refused', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${webUrl}/auth/login?return_to=/chat/`);
    expect(page.url().startsWith(provider.issuer)).toBe(true);
    await page.locator('input[name="login"]').fill('alice');
    await page.locator('input[name="password"]').fill('anything');
    await page.locator('button[type="submit"]').click();
    await page.waitForURL((url) => url.pathname.startsWith('/interaction/'));
    await page.locator('button[type="submit"]').click();
    await page.waitForURL(`${webUrl}/chat/`);

    const cookies = await context.cookies(webUrl);
    expect(cookies.find((cookie) => cookie.name === 'bmcp_session')).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
    expect(await whoAmI(page)).toMatchObject({ status: 200, body: { user_id: 'alice', display_name: 'Alice Example', auth_method: 'oidc' } });

    const chat = await chatOverWebSocket(page, STACK_MODEL);
    expect(chat.first).toEqual({ type: 'ready', userId: 'alice' });
    expect(chat.text).toBe('Hello, Alice.');

    await page.reload();
    const after = await whoAmI(page);
    expect(after).toMatchObject({ status: 200, body: { user_id: 'alice' } });

    const signedOut = await page.evaluate(async (csrf) => (await fetch('/auth/logout', { method: 'POST', headers: { 'X-CSRF-Token': csrf } })).status, after.body.csrf_token!);
    expect(signedOut).toBe(204);
    expect((await whoAmI(page)).status).toBe(401);
    // No cookie any more: the socket opens but must authenticate with a key, and is closed without one.
    const refused = await chatOverWebSocket(page, STACK_MODEL);
    expect(refused.text).toBe('');
    expect(refused.closeCode).toBe(4401);
    await context.close();
  });

  it('a signed-in session does not reach a page of another origin (no CSRF, no WebSocket hijack)', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${webUrl}/auth/login?return_to=/chat/`);
    await page.locator('input[name="login"]').fill('alice');
    await page.locator('input[name="password"]').fill('x');
    await page.locator('button[type="submit"]').click();
    // The provider remembers the consent: back at the UI at once, or after one more click.
    await page.waitForURL((url) => url.href.startsWith(webUrl) || url.pathname.startsWith('/interaction/'));
    if (!page.url().startsWith(webUrl)) await page.locator('button[type="submit"]').click();
    await page.waitForURL(`${webUrl}/chat/`);

    // Another site (the provider's origin stands in for it) posts to the API and opens the socket.
    const evil = await context.newPage();
    await evil.goto(`${provider.issuer}/.well-known/openid-configuration`);
    const attempt = await evil.evaluate(
      async (target) => {
        const post = await fetch(`${target}/v1/keys`, { method: 'POST', body: '{"name":"stolen"}', mode: 'no-cors', credentials: 'include' }).then(() => 'sent', () => 'failed');
        const socket = await new Promise<string>((resolve) => {
          const ws = new WebSocket(`${target.replace('http', 'ws')}/ws/chat`);
          ws.onmessage = (message) => resolve(`message ${String(message.data)}`);
          ws.onclose = (event) => resolve(`closed ${event.code}`);
          setTimeout(() => resolve('silent'), 1500);
        });
        return { post, socket };
      },
      webUrl,
    );
    // The POST may be sent, but without the session (SameSite) and without the CSRF token it created nothing.
    const keys = await page.evaluate(async () => ((await (await fetch('/v1/keys')).json()) as { data: unknown[] }).data);
    expect(keys).toEqual([]);
    expect(attempt.socket).not.toMatch(/ready/);
    await context.close();
  });
});

import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startStack, STACK_OPENAI_MODEL, type Stack } from '../support/stack.js';
import { closeBrowserTest, lastAnswer, launchChromium, newContext, reserveWebOrigin, screenshot, sendMessage, signedInContext, startWebServer, type ContextOptions, type WebServer, reportFailedTest } from './web-harness.js';

/** "w001 w002 … wNNN": numbered words make a gap or a duplicate visible in the final text. */
const numberedWords = (count: number) => Array.from({ length: count }, (_, index) => `w${String(index + 1).padStart(3, '0')}`).join(' ');
const RELOAD_TEXT = numberedWords(120);
const DROP_TEXT = numberedWords(150);
const LONG_STORY = `Once upon a time ${'there was a very long story that kept going '.repeat(60)}The end.`;
const MARKDOWN_ANSWER = [
  'Here are the **tables** in the demo database:',
  '',
  '| table | rows | description |',
  '| --- | ---: | --- |',
  '| `users` | 3 | people who can sign in |',
  '| `orders` | 12 | what they bought |',
  '',
  'Query them like this:',
  '',
  '```sql',
  'SELECT name, COUNT(*) AS orders',
  'FROM users JOIN orders ON orders.user_id = users.id',
  'GROUP BY name;',
  '```',
  '',
  'See [the SQLite docs](https://sqlite.org/lang_select.html) for more.',
].join('\n');

let stack: Stack;
let web: WebServer;
let browser: Browser;
const pages: Page[] = [];

beforeAll(async () => {
  const origin = await reserveWebOrigin();
  stack = await startStack({
    label: 'web',
    // No OpenAI-compatible base on the worker: that model's turns fail with model_not_configured.
    workerEnv: { COMPATIBLE_API_BASE: '' },
    // The gateway binds loopback with no identity provider: the local user (AUTH_MODE=auto → local).
    gatewayEnv: { PUBLIC_URL: origin.url },
  });
  stack.emulator.script([
    { when: { lastUserText: 'echo through a tool' }, reply: { toolUses: [{ name: 'everything__echo', input: { message: 'ping from the browser' } }] } },
    { when: { afterToolResult: 'everything__echo' }, reply: (context) => ({ text: `The tool answered: **${context.lastToolResultText}**` }) },
    { when: { lastUserText: 'tiny image' }, reply: { text: 'Fetching the image.', toolUses: [{ name: 'everything__get-tiny-image', input: {} }] } },
    { when: { afterToolResult: 'everything__get-tiny-image' }, reply: { text: 'I saw the image: a tiny MCP logo.' } },
    { when: { lastUserText: 'run the long operation' }, reply: { toolUses: [{ name: 'everything__trigger-long-running-operation', input: { duration: 3, steps: 3 } }] } },
    { when: { afterToolResult: 'everything__trigger-long-running-operation' }, reply: { text: 'The long operation finished.' } },
    { when: { lastUserText: 'describe the attachments' }, reply: { text: 'I see a picture and a note.' } },
    { when: { lastUserText: 'remember the number' }, reply: { text: 'I will remember it.' } },
    { when: { lastUserText: 'which number' }, reply: { text: 'Let me look at our conversation.' } },
    { when: { lastUserText: 'long story' }, reply: { text: LONG_STORY, chunkCount: 300, chunkDelayMs: 40 } },
    { when: { lastUserText: 'count for the reload' }, reply: { text: RELOAD_TEXT, chunkCount: 120, chunkDelayMs: 40 } },
    { when: { lastUserText: 'count through a dropped connection' }, reply: { text: DROP_TEXT, chunkCount: 150, chunkDelayMs: 60 } },
    {
      when: { lastUserText: 'show all of tables' },
      reply: { reasoning: { text: 'The user wants the tables. I will list them in a table and show a query.', signature: 'sig' }, text: MARKDOWN_ANSWER, chunkCount: 12 },
    },
  ]);
  web = await startWebServer(stack.gatewayUrl, { port: origin.port });
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await closeBrowserTest({ pages, browser, web, stack });
});

afterEach(reportFailedTest(pages, 'failed'));

async function openChat(userId: string, options: ContextOptions = {}): Promise<Page> {
  const context = await signedInContext(browser, stack, web, userId, options);
  const page = await context.newPage();
  pages.push(page);
  await page.goto(`${web.url}/chat/`);
  await expect.poll(() => page.getByRole('status').filter({ hasText: 'Connected' }).count(), { timeout: 15_000 }).toBe(1);
  await page.locator('[data-server-id="everything"]').waitFor({ state: 'attached' });
  return page;
}

/** The model calls of chat turns since `from` (the worker's calls that title a new conversation left out). */
const turnRequests = (from = 0) => stack.emulator.requests.slice(from).filter((request) => !JSON.stringify(request.body).includes('Write a title'));
const answerText = (page: Page) => lastAnswer(page).locator('.markdown').allInnerTexts().then((texts) => texts.join('\n'));
const answerStatus = (page: Page) => lastAnswer(page).getAttribute('data-status');

describe('the chat UI in Chromium, against the real stack', () => {
  it('first visit: the local user is signed in with no typing, the header says so, and the chat is ready', async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    pages.push(page);
    const gatewayRequests: string[] = [];
    page.on('request', (request) => gatewayRequests.push(request.url()));
    const started = performance.now();
    await page.goto(`${web.url}/`);
    await page.getByRole('heading', { name: 'What can I help with?' }).waitFor();
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'Connected' }).count()).toBe(1);
    console.info(`local sign-in in Chromium (/ → /auth/login → chat connected): ${Math.round(performance.now() - started)} ms`);
    // Signed in through /auth/login and back to the chat, on the web origin only.
    expect(page.url()).toBe(`${web.url}/chat/`);
    expect(gatewayRequests.some((url) => url.startsWith(`${web.url}/auth/login?return_to=`))).toBe(true);
    expect(gatewayRequests.every((url) => url.startsWith(`${web.url}/`))).toBe(true);
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'Connected' }).count()).toBe(1);
    const person = page.getByTestId('user-button');
    expect(await person.textContent()).toContain('local user — no identity provider configured');
    expect(await person.getAttribute('title')).toBe('Signed in as local');
    // Nothing asked for a gateway URL, a key or a user id: the only text field is the message box.
    expect(await page.getByRole('textbox').count()).toBe(1);
    expect((await context.cookies()).map((cookie) => [cookie.name, cookie.httpOnly, cookie.sameSite])).toEqual([['bmcp_session', true, 'Lax']]);
    const models = await page.getByRole('combobox', { name: 'Model' }).locator('option').allTextContents();
    expect(models).toEqual(['Claude Sonnet 4.5 (emulated)', 'Nova Pro (emulated)', 'OpenAI-compatible (emulated)']);
    await page.getByRole('region', { name: 'Global servers' }).getByText('everything', { exact: true }).waitFor();
    await screenshot(page, 'empty-chat');
    await person.click();
    await page.getByRole('menu', { name: 'Account' }).waitFor();
    await screenshot(page, 'user-menu');
  });

  it('shows a tool call as a card with its server, tool, input and result', async () => {
    const page = await openChat('web-tools');
    await sendMessage(page, 'please echo through a tool');
    const card = page.getByTestId('tool-card').first();
    await card.getByText('Echo: ping from the browser').waitFor();
    expect(await card.getAttribute('aria-label')).toBe('Tool call echo: Done');
    expect(await card.locator('.tool-server').textContent()).toBe('everything');
    await expect.poll(() => answerStatus(page)).toBe('done');
    await expect.poll(() => answerText(page)).toBe('The tool answered: Echo: ping from the browser');
    await card.getByRole('button', { expanded: false }).click();
    expect(await card.locator('pre.json').first().textContent()).toBe('{\n  "message": "ping from the browser"\n}');
    await screenshot(page, 'tool-call');
  });

  it('shows an image a tool returned, inline in its card', async () => {
    const page = await openChat('web-image');
    await sendMessage(page, 'show me a tiny image');
    const image = page.getByTestId('tool-card').getByRole('img', { name: 'Tool result image 1' });
    await image.waitFor();
    await expect.poll(() => image.evaluate((element) => (element as HTMLImageElement).naturalWidth)).toBeGreaterThan(0);
    // Live, the card shows the bytes the event carried; once the answer is recorded the page may
    // re-read the conversation, and then the card shows the stored copy by its blob URL.
    expect(await image.getAttribute('src')).toMatch(/^data:image\/png;base64,iVBOR|\/v1\/conversations\/[^/]+\/blobs\/[0-9a-f]{64}$/);
    await expect.poll(() => answerStatus(page)).toBe('done');
    await expect.poll(() => answerText(page)).toContain('I saw the image: a tiny MCP logo.');
    await expect.poll(() => image.getAttribute('src')).toMatch(/\/blobs\/[0-9a-f]{64}$/);
    await expect.poll(() => image.evaluate((element) => (element as HTMLImageElement).naturalWidth)).toBeGreaterThan(0);
    await screenshot(page, 'tool-image');
  });

  it('shows a progress bar while a tool reports progress', async () => {
    const page = await openChat('web-progress');
    await sendMessage(page, 'run the long operation');
    const bar = page.getByTestId('tool-card').getByRole('progressbar');
    await expect.poll(() => bar.getAttribute('aria-valuenow'), { timeout: 10_000 }).toMatch(/^(33|67)$/);
    await screenshot(page, 'tool-progress');
    await expect.poll(() => answerStatus(page), { timeout: 15_000 }).toBe('done');
    expect(await bar.count()).toBe(0);
    expect(await page.getByTestId('tool-card').getAttribute('aria-label')).toBe('Tool call trigger-long-running-operation: Done');
  });

  it('sends an image (with a preview first) and a document as content parts', async () => {
    const page = await openChat('web-attach');
    const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==', 'base64');
    await page.getByTestId('file-input').setInputFiles([
      { name: 'dot.png', mimeType: 'image/png', buffer: png },
      { name: 'note.txt', mimeType: 'text/plain', buffer: Buffer.from('remember the milk') },
    ]);
    await page.getByRole('img', { name: 'Preview of dot.png' }).waitFor();
    await page.getByRole('list', { name: 'Attachments' }).getByText('note.txt').waitFor();
    await screenshot(page, 'attachments');
    const before = stack.emulator.requests.length;
    await sendMessage(page, 'describe the attachments');
    await expect.poll(() => answerStatus(page), { timeout: 15_000 }).toBe('done');
    await expect.poll(() => answerText(page)).toBe('I see a picture and a note.');
    const request = stack.emulator.requests.slice(before).find((candidate) => candidate.provider === 'bedrock');
    const body = JSON.stringify(request?.body);
    expect(body).toContain('"image"');
    expect(body).toContain('"document"');
    // Shown from the page's copy first, then from the recorded conversation (its blob URL).
    await expect.poll(() => page.getByTestId('user-message').last().getByRole('img').count()).toBe(1);
  });

  it('keeps the conversation on the server, a new chat starts another, and deleting it deletes its history there too', async () => {
    const page = await openChat('web-session');
    await sendMessage(page, 'remember the number 7');
    await expect.poll(() => answerStatus(page)).toBe('done');
    const before = stack.emulator.requests.length;
    await sendMessage(page, 'which number was it?');
    await expect.poll(() => answerStatus(page)).toBe('done');
    // The browser sent only the new message; the worker added the stored history.
    expect(JSON.stringify(turnRequests(before)[0]?.body)).toContain('remember the number 7');
    // Kept as this conversation's history (its conversation_id), not the user's default one.
    const conversationHistories = () => stack.redis.client.keys(`${stack.keys.prefix}user:{web-session}:history:conversation:*`);
    expect(await conversationHistories()).not.toEqual([]);
    const chats = page.getByRole('navigation', { name: 'Conversations' });
    await chats.getByRole('button', { name: 'New chat' }).click();
    await page.getByRole('heading', { name: 'What can I help with?' }).waitFor();
    const afterNew = stack.emulator.requests.length;
    await sendMessage(page, 'which number was it?');
    await expect.poll(() => answerStatus(page)).toBe('done');
    expect(JSON.stringify(turnRequests(afterNew)[0]?.body)).not.toContain('remember the number 7');
    // Deleting both from the list removes their histories on the server too.
    await expect.poll(() => chats.getByTestId('conversation-row').count(), { timeout: 15_000 }).toBe(2);
    for (let left = 2; left > 0; left -= 1) {
      const row = chats.getByTestId('conversation-row').first();
      await row.getByRole('button', { name: /^Delete / }).click();
      await row.getByRole('group', { name: /^Confirm deleting / }).getByRole('button', { name: 'Delete' }).click();
      await expect.poll(() => chats.getByTestId('conversation-row').count()).toBe(left - 1);
    }
    await expect.poll(conversationHistories).toEqual([]);
  });

  it('adds a personal server by pasting JSON, shows its status and tools, and removes it', async () => {
    const page = await openChat('web-servers');
    await page.getByRole('button', { name: 'Add MCP server' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add an MCP server' });
    await dialog.getByLabel('Configuration (Claude Desktop format)').fill('{"mcpServers": {"my-everything": {"command": "mcp-server-everything", "args": ["stdio"]}}}');
    await screenshot(page, 'add-server-json');
    await dialog.getByRole('button', { name: 'Add server' }).click();
    await dialog.waitFor({ state: 'detached', timeout: 30_000 }).catch(async (error: unknown) => {
      await screenshot(page, 'add-server-failed');
      throw new Error(`the add-server dialog stayed open: ${await dialog.textContent()}`, { cause: error });
    });
    const row = page.getByRole('region', { name: 'Your servers' }).locator('[data-server-id="my-everything"]');
    await row.waitFor();
    await expect.poll(() => row.locator('.status-dot').textContent(), { timeout: 15_000 }).toContain('ready');
    expect(await row.getByRole('switch').isChecked()).toBe(true);
    await row.getByRole('button', { name: /Show the tools of/ }).click();
    const tools = page.getByRole('dialog', { name: /Tools of/ });
    await tools.getByText('get-sum', { exact: true }).waitFor();
    await screenshot(page, 'server-tools');
    await tools.getByRole('button', { name: 'Close' }).click();
    await screenshot(page, 'sidebar-with-personal-server');
    // A bad paste is refused in the browser with a reason.
    await page.getByRole('button', { name: 'Add MCP server' }).click();
    await dialog.getByLabel('Configuration (Claude Desktop format)').fill('{"mcpServers": {"broken": {}}}');
    await dialog.getByRole('button', { name: 'Add server' }).click();
    expect(await dialog.locator('.field-error').textContent()).toBe('Server "broken" needs a "command" (stdio) or a "url" (HTTP).');
    await page.keyboard.press('Escape');
    await row.getByRole('button', { name: /Remove/ }).click();
    await row.getByRole('button', { name: 'Yes, remove' }).click();
    await row.waitFor({ state: 'detached' });
    const listed = await stack.fetch('/v1/mcp_servers', { userId: 'web-servers' }).then((response) => response.json() as Promise<{ servers: Array<{ server_id: string }> }>);
    expect(listed.servers.map((server) => server.server_id)).not.toContain('my-everything');
  });

  it('stops a streaming answer', async () => {
    const page = await openChat('web-stop');
    await sendMessage(page, 'tell me a long story');
    await expect.poll(() => answerText(page).then((text) => text.length), { timeout: 15_000 }).toBeGreaterThan(40);
    await page.getByRole('button', { name: 'Stop the answer' }).click();
    await expect.poll(() => answerStatus(page), { timeout: 10_000 }).toBe('stopped');
    const text = await answerText(page);
    expect(text.length).toBeLessThan(LONG_STORY.length);
    expect(LONG_STORY.startsWith(text.trim())).toBe(true);
    expect(await lastAnswer(page).locator('.badge').first().textContent()).toBe('stopped');
    // The composer is usable again.
    await page.getByRole('button', { name: 'Send message' }).waitFor();
    await screenshot(page, 'stopped');
  });

  it('resumes the answer in flight after a page reload, with no gap and no duplicate text', async () => {
    const page = await openChat('web-reload');
    await sendMessage(page, 'count for the reload please');
    await expect.poll(() => answerText(page), { timeout: 15_000 }).toContain('w015');
    await page.reload();
    // The part already shown comes back at once (replayed from the turn's log), then the rest streams in.
    await expect.poll(() => answerText(page), { timeout: 5000 }).toContain('w015');
    await expect.poll(() => answerStatus(page), { timeout: 20_000 }).toBe('done');
    await expect.poll(() => answerText(page)).toBe(RELOAD_TEXT);
    await screenshot(page, 'resumed-after-reload');
  });

  it('resumes after the connection drops (gateway killed and restarted) with no gap and no duplicate text', async () => {
    const page = await openChat('web-drop');
    await sendMessage(page, 'count through a dropped connection');
    await expect.poll(() => answerText(page), { timeout: 15_000 }).toContain('w010');
    stack.gateway.signal('SIGKILL');
    try {
      await page.locator('.connection-dot').filter({ hasText: 'Reconnecting' }).waitFor();
      await screenshot(page, 'reconnecting');
    } finally {
      await stack.restartGateway();
    }
    await expect.poll(() => answerStatus(page), { timeout: 30_000 }).toBe('done');
    await expect.poll(() => answerText(page)).toBe(DROP_TEXT);
  });

  it('streams thinking and markdown (tables, highlighted code with a copy button, links)', async () => {
    const page = await openChat('web-markdown');
    await page.getByRole('switch', { name: 'Thinking' }).check({ force: true });
    await page.getByRole('button', { name: 'Settings' }).click();
    const settings = page.getByRole('dialog', { name: 'Settings' });
    await settings.getByLabel('Thinking budget (tokens)').fill('2048');
    await settings.getByLabel('System prompt').fill('You are a concise assistant.');
    await screenshot(page, 'settings');
    await page.keyboard.press('Escape');
    await settings.waitFor({ state: 'detached' });
    await sendMessage(page, 'show all of tables in the db');
    await expect.poll(() => answerStatus(page), { timeout: 15_000 }).toBe('done');
    const answer = lastAnswer(page);
    expect(await answer.getByRole('button', { name: /Thought/ }).count()).toBe(1);
    expect(await answer.locator('table th').allTextContents()).toEqual(['table', 'rows', 'description']);
    expect(await answer.locator('.code-block .hljs-keyword').first().textContent()).toBe('SELECT');
    expect(await answer.getByRole('button', { name: 'Copy code' }).count()).toBe(1);
    const link = answer.getByRole('link', { name: 'the SQLite docs' });
    expect(await link.getAttribute('target')).toBe('_blank');
    const request = JSON.stringify(turnRequests().at(-1)?.body);
    expect(request).toContain('"budget_tokens":2048');
    expect(request).toContain('You are a concise assistant.');
    await answer.getByRole('button', { name: /Thought/ }).click();
    await screenshot(page, 'markdown-thinking');
  });

  it('shows a banner saying what to set when the model is not configured', async () => {
    const page = await openChat('web-not-configured');
    await page.getByRole('combobox', { name: 'Model' }).selectOption(STACK_OPENAI_MODEL);
    await sendMessage(page, 'hello');
    const banner = page.getByRole('alert').filter({ hasText: 'No model provider is configured on the server' });
    await banner.waitFor({ timeout: 15_000 });
    expect(await banner.textContent()).toContain('COMPATIBLE_API_BASE');
    expect(await banner.textContent()).toContain('AWS_REGION');
    await screenshot(page, 'model-not-configured');
  });

  it('switches between light and dark, and keeps the choice', async () => {
    const page = await openChat('web-theme');
    await sendMessage(page, 'please echo through a tool');
    await expect.poll(() => answerStatus(page)).toBe('done');
    expect(await page.locator('html').getAttribute('data-theme')).toBe('light');
    const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    const light = await background();
    await page.getByRole('button', { name: 'Switch to dark mode' }).click();
    expect(await page.locator('html').getAttribute('data-theme')).toBe('dark');
    expect(await background()).not.toBe(light);
    await screenshot(page, 'dark-mode');
    await page.reload();
    expect(await page.locator('html').getAttribute('data-theme')).toBe('dark');
    await page.getByRole('button', { name: 'Switch to light mode' }).waitFor();
  });

  it('fits a phone-sized window, with the servers in a drawer', async () => {
    const page = await openChat('web-phone', { viewport: { width: 390, height: 844 } });
    await sendMessage(page, 'show me a tiny image');
    await expect.poll(() => answerStatus(page), { timeout: 15_000 }).toBe('done');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBe(0);
    expect(await page.getByRole('complementary', { name: 'MCP servers' }).isVisible()).toBe(false);
    await screenshot(page, 'phone-chat');
    await page.getByRole('button', { name: 'Show MCP servers' }).click();
    await page.getByRole('region', { name: 'Global servers' }).waitFor({ state: 'visible' });
    await screenshot(page, 'phone-sidebar');
  });
});

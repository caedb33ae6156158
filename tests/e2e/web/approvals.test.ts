import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../support/stack.js';
import { closeBrowserTest, lastAnswer, launchChromium, reportFailedTest, reserveWebOrigin, screenshot, sendMessage, signedInContext, startWebServer, type WebServer } from './web-harness.js';

/**
 * Issue #18 in Chromium, against the whole stack: a global server whose admin policy asks before
 * `echo` and `get-sum` run; the person approves one call from the card with the keyboard, denies
 * another, and fills server-everything's elicitation form.
 */
let stack: Stack;
let web: WebServer;
let browser: Browser;
const pages: Page[] = [];

beforeAll(async () => {
  const origin = await reserveWebOrigin();
  stack = await startStack({
    label: 'web-approvals',
    gatewayEnv: { PUBLIC_URL: origin.url },
    app: {
      mcpServers: {
        everything: {
          command: 'mcp-server-everything',
          args: ['stdio'],
          description: 'MCP reference server with demo tools',
          per_user: false,
          require_approval: { always: { tool_names: ['echo', 'get-sum'] } },
        },
      },
    },
  });
  stack.emulator.script([
    { when: { lastUserText: 'echo with approval' }, reply: { toolUses: [{ name: 'everything__echo', input: { message: 'approved from the card' } }] } },
    { when: { afterToolResult: 'everything__echo' }, reply: (context) => ({ text: `The tool answered: ${context.lastToolResultText}` }) },
    { when: { lastUserText: 'add with approval' }, reply: { toolUses: [{ name: 'everything__get-sum', input: { a: 2, b: 3 } }] } },
    { when: { afterToolResult: 'everything__get-sum' }, reply: (context) => ({ text: `After the sum: ${context.lastToolResultText}` }) },
    { when: { lastUserText: 'ask me for my details' }, reply: { toolUses: [{ name: 'everything__trigger-elicitation-request', input: {} }] } },
    { when: { afterToolResult: 'everything__trigger-elicitation-request' }, reply: (context) => ({ text: `The server got: ${context.lastToolResultText}` }) },
  ]);
  web = await startWebServer(stack.gatewayUrl, { port: origin.port });
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await closeBrowserTest({ pages, browser, web, stack });
});

afterEach(reportFailedTest(pages, 'approvals'));

async function openChat(userId: string): Promise<Page> {
  const context = await signedInContext(browser, stack, web, userId);
  const page = await context.newPage();
  pages.push(page);
  await page.goto(`${web.url}/chat/`);
  await expect.poll(() => page.getByRole('status').filter({ hasText: 'Connected' }).count(), { timeout: 15_000 }).toBe(1);
  await page.locator('[data-server-id="everything"]').waitFor({ state: 'attached' });
  return page;
}

const answerStatus = (page: Page) => lastAnswer(page).getAttribute('data-status');
const answerText = (page: Page) =>
  lastAnswer(page)
    .locator('.markdown')
    .allInnerTexts()
    .then((texts) => texts.join('\n'));

describe('approvals and elicitation in Chromium, against the real stack', () => {
  it('marks the server that asks in the sidebar, with its policy as the badge’s description', async () => {
    const page = await openChat('web-approvals-badge');
    const row = page.locator('[data-server-id="everything"]');
    const badge = row.getByTestId('approval-badge');
    expect(await badge.getAttribute('title')).toBe('Asks for your approval before running echo, get-sum');
    const toggle = row.getByRole('switch');
    expect(await toggle.getAttribute('aria-describedby')).toBe(await badge.getAttribute('id'));
  });

  it('approves a call from the card with the keyboard: the tool runs and the model answers with its result', async () => {
    const page = await openChat('web-approvals-approve');
    await sendMessage(page, 'please echo with approval');
    const card = page.getByRole('region', { name: 'Approval for echo on everything' });
    await card.waitFor();
    await expect.poll(() => answerStatus(page)).toBe('waiting');
    expect(await card.getByTestId('ask-arguments').textContent()).toBe('{\n  "message": "approved from the card"\n}');
    // The card took the focus (the composer was empty after sending): Tab reaches Approve.
    await expect.poll(() => card.evaluate((element) => element === document.activeElement)).toBe(true);
    await screenshot(page, 'approval-card');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Approve');
    await page.keyboard.press('Enter');
    await card.getByTestId('ask-outcome').filter({ hasText: 'Approved' }).waitFor();
    await expect.poll(() => answerStatus(page), { timeout: 30_000 }).toBe('done');
    await expect.poll(() => answerText(page)).toBe('The tool answered: Echo: approved from the card');
    await page.getByTestId('tool-card').getByText('Echo: approved from the card').waitFor();
    await screenshot(page, 'approval-approved');
  });

  it('"Always for this conversation": the next call of the tool runs without asking; a cleared (new) conversation asks again', async () => {
    const page = await openChat('web-approvals-always');
    await sendMessage(page, 'please echo with approval');
    const card = page.getByRole('region', { name: 'Approval for echo on everything' });
    await card.getByRole('button', { name: 'Always for this conversation' }).click();
    await card.getByTestId('ask-outcome').filter({ hasText: 'Approved, and for the rest of this conversation' }).waitFor();
    await expect.poll(() => answerStatus(page), { timeout: 30_000 }).toBe('done');

    await sendMessage(page, 'again, echo with approval');
    await expect.poll(() => answerStatus(page), { timeout: 30_000 }).toBe('done');
    expect(await lastAnswer(page).getByTestId('ask-card').count()).toBe(0);
    await expect.poll(() => answerText(page)).toBe('The tool answered: Echo: approved from the card');

    await page.getByRole('navigation', { name: 'Conversations' }).getByRole('button', { name: 'New chat' }).click();
    await sendMessage(page, 'once more, echo with approval');
    await lastAnswer(page).getByRole('region', { name: 'Approval for echo on everything' }).waitFor();
    await expect.poll(() => answerStatus(page)).toBe('waiting');
  });

  it('denies a call with a message: the tool does not run, the model is told and answers', async () => {
    const page = await openChat('web-approvals-deny');
    await sendMessage(page, 'please add with approval');
    const card = page.getByRole('region', { name: 'Approval for get-sum on everything' });
    await card.waitFor();
    await card.getByRole('button', { name: 'Add a message to the model' }).click();
    await card.getByRole('textbox', { name: 'Message to the model (optional)' }).fill('Not now, please.');
    await card.getByRole('button', { name: 'Deny' }).click();
    await card.getByTestId('ask-outcome').filter({ hasText: 'Denied' }).waitFor();
    await expect.poll(() => answerStatus(page), { timeout: 30_000 }).toBe('done');
    const text = await answerText(page);
    expect(text).toMatch(/^After the sum: /);
    expect(text).not.toContain('The sum of 2 and 3 is 5');
    expect(text).toContain('Not now, please.');
    await screenshot(page, 'approval-denied');
  });

  it('fills server-everything’s elicitation form: checked in the page, then the server gets the values', async () => {
    const page = await openChat('web-approvals-elicit');
    await sendMessage(page, 'ask me for my details');
    const card = page.getByRole('region', { name: 'Input requested by everything' });
    await card.waitFor({ timeout: 30_000 });
    await expect.poll(() => answerStatus(page)).toBe('waiting');
    // Required and formats are checked before anything is sent.
    await card.getByRole('textbox', { name: 'String with email format' }).fill('not-an-email');
    await card.getByRole('button', { name: 'Submit' }).click();
    const name = card.getByRole('textbox', { name: 'String', exact: true });
    await expect.poll(() => name.getAttribute('aria-invalid')).toBe('true');
    expect(await name.evaluate((element) => element === document.activeElement)).toBe(true);
    await name.fill('Ada Lovelace');
    await card.getByRole('textbox', { name: 'String with email format' }).fill('ada@example.com');
    await card.getByRole('checkbox', { name: 'Boolean' }).check();
    await card.getByRole('combobox', { name: 'Titled Single Select Enum', exact: true }).selectOption({ label: 'Wonder Woman' });
    await screenshot(page, 'elicitation-form');
    await card.getByRole('button', { name: 'Submit' }).click();
    await card.getByTestId('ask-outcome').filter({ hasText: 'Submitted' }).waitFor();
    await expect.poll(() => answerStatus(page), { timeout: 30_000 }).toBe('done');
    const text = await answerText(page);
    expect(text).toContain('Name: Ada Lovelace');
    expect(text).toContain('Email: ada@example.com');
    expect(text).toContain('Agreed to terms: true');
    expect(text).toContain('Favorite Integer: 42');
    expect(text).toContain('"titledSingleSelectEnum": "hero-3"');
  });
});

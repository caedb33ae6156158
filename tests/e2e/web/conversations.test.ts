import type { ConversationMessage } from '@bedrock-mcp/contracts';
import { RedisConversationStore } from '@bedrock-mcp/config-store';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../support/stack.js';
import { closeBrowserTest, lastAnswer, launchChromium, reportFailedTest, reserveWebOrigin, screenshot, sendMessage, signedInContext, startWebServer, type WebServer } from './web-harness.js';

/**
 * Issue #19 in Chromium, against the whole stack (gateway routes, the worker's record, the Redis
 * store): three conversations made in the UI, reloaded, switched between, searched, renamed,
 * deleted, one continued from a second browser context; and a 2,000-message conversation opened.
 */
let stack: Stack;
let web: WebServer;
let browser: Browser;
const pages: Page[] = [];

beforeAll(async () => {
  const origin = await reserveWebOrigin();
  stack = await startStack({
    label: 'web-conversations',
    gatewayEnv: { PUBLIC_URL: origin.url },
    // Titles from the first message: deterministic (the model's titles are the worker's tests' business).
    workerEnv: { CONVERSATION_TITLES: 'first_message' },
  });
  stack.emulator.script([
    { when: { lastUserText: 'Plan a trip to Lisbon' }, reply: { text: 'Lisbon: trams, tiles and pastries.' } },
    { when: { lastUserText: 'Recipe for bread' }, reply: { text: 'Flour, water, salt and time.' } },
    { when: { lastUserText: 'Explain black holes' }, reply: { text: 'Gravity so strong light cannot leave.' } },
    { when: { lastUserText: 'And the best season?' }, reply: { text: 'Spring or autumn, for Lisbon.' } },
  ]);
  web = await startWebServer(stack.gatewayUrl, { port: origin.port });
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await closeBrowserTest({ pages, browser, web, stack });
});

afterEach(reportFailedTest(pages, 'conversations'));

async function openChat(userId: string, path = '/chat/'): Promise<Page> {
  const context = await signedInContext(browser, stack, web, userId);
  const page = await context.newPage();
  pages.push(page);
  await page.goto(`${web.url}${path}`);
  await expect.poll(() => page.getByRole('status').filter({ hasText: 'Connected' }).count(), { timeout: 15_000 }).toBe(1);
  return page;
}

const chats = (page: Page) => page.getByRole('navigation', { name: 'Conversations' });
const rowTitles = (page: Page) => chats(page).locator('.conversation-title').allTextContents();
const answerStatus = (page: Page) => lastAnswer(page).getAttribute('data-status');

async function newChatWith(page: Page, text: string): Promise<void> {
  await chats(page).getByRole('button', { name: 'New chat' }).click();
  await sendMessage(page, text);
  await expect.poll(() => answerStatus(page), { timeout: 30_000 }).toBe('done');
}

describe('conversations in Chromium, against the real stack', () => {
  it('makes three, reloads, switches, searches, renames, deletes, and follows one continued from a second browser', async () => {
    const page = await openChat('web-conv');
    await newChatWith(page, 'Plan a trip to Lisbon');
    await newChatWith(page, 'Recipe for bread');
    await newChatWith(page, 'Explain black holes');
    await expect.poll(() => rowTitles(page), { timeout: 15_000 }).toEqual(['Explain black holes', 'Recipe for bread', 'Plan a trip to Lisbon']);
    expect(await chats(page).getByRole('heading', { level: 3 }).allTextContents()).toEqual(['Today']);
    const blackHoles = new URL(page.url()).searchParams.get('c');
    expect(blackHoles).toBeTruthy();

    // A reload reopens the conversation in the address, as it was.
    await page.reload();
    await page.getByText('Gravity so strong light cannot leave.').waitFor();
    expect(await page.getByTestId('user-message').allTextContents()).toEqual(['Explain black holes']);
    await expect.poll(() => rowTitles(page)).toHaveLength(3);

    // Switching: each shows its own exchange.
    await chats(page).getByRole('button', { name: 'Plan a trip to Lisbon', exact: true }).click();
    await page.getByText('Lisbon: trams, tiles and pastries.').waitFor();
    expect(await page.getByText('Gravity so strong').count()).toBe(0);
    const lisbon = new URL(page.url()).searchParams.get('c');
    await chats(page).getByRole('button', { name: 'Recipe for bread', exact: true }).click();
    await page.getByText('Flour, water, salt and time.').waitFor();
    await page.goBack();
    await page.getByText('Lisbon: trams, tiles and pastries.').waitFor();
    await screenshot(page, 'conversations');

    // Search (titles and messages, on the server).
    await chats(page).getByRole('searchbox', { name: 'Search conversations' }).fill('pastries');
    await expect.poll(() => rowTitles(page)).toEqual(['Plan a trip to Lisbon']);
    await chats(page).getByRole('searchbox', { name: 'Search conversations' }).fill('');
    await expect.poll(() => rowTitles(page)).toHaveLength(3);

    // Rename inline; it stays renamed after a reload.
    await chats(page).getByRole('button', { name: 'Rename Recipe for bread' }).click();
    await chats(page).getByRole('textbox', { name: 'New title for Recipe for bread' }).fill('Sourdough');
    await page.keyboard.press('Enter');
    await chats(page).getByRole('button', { name: 'Sourdough', exact: true }).waitFor();

    // Delete after the confirmation: gone from the list, and on the server.
    await chats(page).getByRole('button', { name: 'Delete Explain black holes' }).click();
    await chats(page).getByRole('group', { name: 'Confirm deleting Explain black holes' }).getByRole('button', { name: 'Delete' }).click();
    await expect.poll(() => rowTitles(page)).toEqual(['Sourdough', 'Plan a trip to Lisbon']);
    expect((await stack.fetch(`/v1/conversations/${blackHoles}`, { userId: 'web-conv' })).status).toBe(404);
    await page.reload();
    await expect.poll(() => rowTitles(page)).toEqual(['Sourdough', 'Plan a trip to Lisbon']);

    // A second browser continues the Lisbon conversation; the first one, showing it, follows.
    expect(new URL(page.url()).searchParams.get('c')).toBe(lisbon);
    const phone = await openChat('web-conv', `/chat/?c=${lisbon}`);
    await phone.getByText('Lisbon: trams, tiles and pastries.').waitFor();
    await sendMessage(phone, 'And the best season?');
    await expect.poll(() => answerStatus(phone), { timeout: 30_000 }).toBe('done');
    await page.getByText('Spring or autumn, for Lisbon.').waitFor({ timeout: 15_000 });
    expect(await page.getByTestId('user-message').allTextContents()).toEqual(['Plan a trip to Lisbon', 'And the best season?']);
    await expect.poll(() => rowTitles(page)).toEqual(['Plan a trip to Lisbon', 'Sourdough']);
  });

  it('opens a 2,000-message conversation without freezing the page, and loads earlier messages', async () => {
    const store = new RedisConversationStore({ redis: stack.redis.client, keys: stack.keys });
    const userId = 'web-conv-big';
    const conversationId = 'c-two-thousand';
    const now = Date.now();
    for (let index = 0; index < 1000; index += 1) {
      const turnId = `chatcmpl-big${String(index).padStart(6, '0')}`;
      const question: ConversationMessage = { id: `msg_bigq${String(index).padStart(6, '0')}`, role: 'user', created_at: now + index, turn_id: turnId, parts: [{ type: 'text', text: `Question ${index}` }] };
      const answer: ConversationMessage = {
        id: `msg_biga${String(index).padStart(6, '0')}`,
        role: 'assistant',
        created_at: now + index,
        turn_id: turnId,
        parts: [
          { type: 'thinking', text: 'Thinking about it.', redacted: false },
          { type: 'tool_call', tool_use_id: `tu_${index}`, name: 'everything__echo', server_id: 'everything', tool_name: 'echo', input: { message: `m${index}` }, status: 'done', result: { content: [{ type: 'text', text: `Echo: m${index}` }], is_error: false, duration_ms: 3 } },
          { type: 'text', text: `**Answer ${index}** with a list:\n\n- one\n- two\n\n\`\`\`js\nconsole.log(${index});\n\`\`\`` },
        ],
        finish_reason: 'end_turn',
      };
      await store.startTurn(userId, conversationId, { turnId, message: question, blobs: [], model: 'm', mcpServerIds: [], replaceLast: false, now: now + index });
      await store.finishTurn(userId, conversationId, { message: answer, blobs: [], now: now + index });
    }

    const page = await openChat(userId);
    const started = Date.now();
    await chats(page).getByRole('button', { name: 'Question 0', exact: true }).click();
    await page.getByText('Answer 999', { exact: true }).waitFor();
    const openMs = Date.now() - started;
    // The page answers at once afterwards (no long task holding the main thread).
    const pingMs = await page.evaluate(() => new Promise<number>((resolve) => {
      const at = performance.now();
      setTimeout(() => resolve(performance.now() - at), 0);
    }));
    const rendered = await page.getByTestId('assistant-message').count();
    // It opens at its end: the last answer whole in view, though the messages were laid out at an
    // estimated height until shown (content-visibility), and the end moved down once they were.
    const fromBottom = () => page.locator('.message-scroll').evaluate((element) => element.scrollHeight - element.scrollTop - element.clientHeight);
    await expect.poll(fromBottom, { timeout: 5_000 }).toBeLessThan(2);

    // Earlier messages, step by step, then from the server; the reader's place is kept.
    const revealStarted = Date.now();
    // Scrolling to the top shows the next 50 rendered messages (as "Show earlier messages" does),
    // and then the button that asks the server for more.
    await page.locator('.message-scroll').evaluate((element) => element.scrollTo({ top: 0 }));
    await page.getByRole('button', { name: /^Load earlier messages \(1,900 more\)/ }).click();
    await page.getByText('Answer 900', { exact: true }).waitFor();
    const revealMs = Date.now() - revealStarted;
    console.info(`2,000-message conversation in Chromium: opened in ${openMs} ms (${rendered} answers rendered), next task after ${pingMs.toFixed(0)} ms; 150 earlier messages in ${revealMs} ms`);
    expect(rendered).toBe(25);
    expect(openMs).toBeLessThan(5000);
    expect(await page.getByTestId('assistant-message').count()).toBe(100);
    await store.close();
  });
});

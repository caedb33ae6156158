import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import OpenAI from 'openai';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../support/service-process.js';
import { startStack, type Stack } from '../support/stack.js';
import { closeBrowserTest, lastAnswer, launchChromium, reserveWebOrigin, sendMessage, signedInContext, startWebServer, type WebServer, reportFailedTest } from '../web/web-harness.js';
import { saveCommittedScreenshot } from './committed-screenshot.js';
import { HANDS_ON_QUESTIONS, HANDS_ON_TOOL_CALLS, handsOnScript, readPathQuestion } from './hands-on-script.js';
import { DEMO_SERVER_IDS, realConf } from './real-conf.js';

// The README's quick start, end to end: the six hands-on questions against the real stack with the
// REAL preset servers of conf/config.json (filesystem, the sqlite demo database, sequential
// thinking), the model emulated. Through the REST API (official openai client, keep_session) and
// through the chat UI in Chromium, whose final view is the README screenshot.

const README_SCREENSHOT = join(PROJECT_ROOT, 'docs', 'images', 'hands-on-demo.png');
const SCREENSHOT_STYLE = '.tool-duration, .message-footer > span.muted:not([title]) { visibility: hidden; }';
const conf = realConf();
const MODEL = conf.models[0]!.model_id;

let stack: Stack;
let web: WebServer;
let browser: Browser;
let client: OpenAI;
const pages: Page[] = [];

beforeAll(async () => {
  const origin = await reserveWebOrigin();
  stack = await startStack({
    label: 'demo',
    app: { models: conf.models, mcpServers: conf.mcpServers, userServerCatalog: conf.userServerCatalog },
    gatewayEnv: { PUBLIC_URL: origin.url },
  });
  stack.emulator.script(handsOnScript());
  client = new OpenAI({ baseURL: stack.baseUrl, apiKey: stack.apiKey, maxRetries: 0 });
  [web, browser] = await Promise.all([startWebServer(stack.gatewayUrl, { port: origin.port }), launchChromium()]);
}, 180_000);

afterAll(async () => {
  await closeBrowserTest({ pages, browser, web, stack });
});

afterEach(reportFailedTest(pages, 'failed-demo'));

const workspaceOf = (userId: string) => join(stack.dir, 'workspaces', userId);

interface Answer {
  /** Text of the last model round (the answer after the tools). */
  text: string;
  /** Names of the tools called, in order. */
  tools: string[];
}

/** One question through the official openai client, as a newcomer's script would send it: only the new message, keep_session on. */
async function ask(userId: string, question: string): Promise<Answer> {
  // The seed's extensions travel in the body; the client passes unknown fields through.
  const extensions = { keep_session: true, mcp_server_ids: [...DEMO_SERVER_IDS] };
  const params: OpenAI.ChatCompletionCreateParamsStreaming = { model: MODEL, messages: [{ role: 'user', content: question }], stream: true, ...extensions };
  const stream = await client.chat.completions.create(params, { headers: { 'X-User-ID': userId } });
  const rounds: string[] = [''];
  const tools: string[] = [];
  for await (const chunk of stream) {
    const choice = chunk.choices[0] as (OpenAI.ChatCompletionChunk.Choice & { message_extras?: { tool_use: string } }) | undefined;
    if (!choice) continue;
    if (choice.delta.role && rounds.at(-1) !== '') rounds.push('');
    rounds[rounds.length - 1] += choice.delta.content ?? '';
    if (choice.message_extras) {
      const steps = JSON.parse(choice.message_extras.tool_use) as Array<{ name?: string }>;
      tools.push(...steps.flatMap((step) => (step.name ? [step.name] : [])));
    }
    if ((choice.finish_reason as string | null) === 'error') throw new Error(`"${question}" failed: ${rounds.join('')}`);
  }
  return { text: rounds.at(-1)!, tools };
}

/**
 * What a failed check of the last answer needs to be understood from CI's output alone: the answers
 * as the page shows them (an answer off screen shows no text: content-visibility), the conversation
 * as stored, the last turn's logged events, and the services' last output.
 */
async function explainLastAnswer(page: Page, userId: string): Promise<string> {
  const shown = await page.getByTestId('assistant-message').evaluateAll((answers) =>
    answers.map((answer) => ({
      status: answer.getAttribute('data-status'),
      tools: answer.querySelectorAll('[data-testid="tool-card"]').length,
      text: (answer as HTMLElement).innerText.slice(0, 160),
    })),
  );
  const conversationId = new URL(page.url()).searchParams.get('c');
  const stored = conversationId ? await (await stack.fetch(`/v1/conversations/${conversationId}`, { userId })).text() : '(no conversation in the address)';
  const lastTurnId = [...stored.matchAll(/"turn_id":"([^"]+)"/g)].at(-1)?.[1];
  const logged = lastTurnId ? await stack.redis.client.lrange(stack.turnKeys.turnLog(lastTurnId), 0, -1) : [];
  return [
    `page ${page.url()}: ${JSON.stringify(shown)}`,
    `stored: ${stored.slice(-3000)}`,
    `turn ${lastTurnId ?? '?'} logged: ${logged.map((event) => event.slice(0, 120)).join('\n')}`,
    `gateway:\n${stack.gateway.output()}`,
    `worker:\n${stack.workers.map((worker) => worker.output()).join('\n')}`,
  ].join('\n');
}

describe('the hands-on demo of the quick start', () => {
  it('answers the six questions through the REST API with keep_session, using the real preset servers', async () => {
    const userId = 'demo-rest';
    const answers: Answer[] = [];
    for (const question of HANDS_ON_QUESTIONS) answers.push(await ask(userId, question));

    expect(answers.map((answer) => answer.tools)).toEqual(HANDS_ON_TOOL_CALLS);
    const [tables, counts, rows, saved, listing, content] = answers.map((answer) => answer.text) as [string, string, string, string, string, string];
    expect(tables).toContain('The database has 3 tables');
    for (const table of ['customers', 'products', 'orders']) expect(tables).toContain(`**${table}**`);
    expect(counts).toContain('| customers | 3 |');
    expect(counts).toContain('| products | 4 |');
    expect(counts).toContain('| orders | 4 |');
    expect(rows).toContain('| 1 | Alice Martin | alice@example.com | Seattle |');
    expect(rows).toContain('| 4 | Coffee Mug | Kitchen | 12.9 | 120 |');
    expect(saved).toBe('Done: Successfully wrote to rows.txt.');

    // The rows are in rows.txt in this user's own workspace, beside this user's own demo database.
    const workspace = workspaceOf(userId);
    const file = readFileSync(join(workspace, 'rows.txt'), 'utf8');
    const lines = file.trimEnd().split('\n');
    expect(lines).toContain('customers (3 rows)');
    expect(lines).toContain('id | name | email | city');
    expect(lines).toContain('2 | Bob Chen | bob@example.com | Austin');
    expect(lines).toContain('3 | Desk Chair | Furniture | 249 | 8');
    expect(lines).toContain('4 | 1 | 4 | 4 | 2025-02-02');
    // 3 tables: a title and a header each, 3 + 4 + 4 rows, 2 blank lines between them.
    expect(lines).toHaveLength(3 * 2 + 11 + 2);
    expect(existsSync(join(workspace, 'demo.db'))).toBe(true);

    expect(listing).toContain(`${realpathSync(workspace)} holds 2 entries:`);
    expect(listing).toContain('- [FILE] demo.db');
    expect(listing).toContain('- [FILE] rows.txt');
    // The final answer quotes the file as the filesystem server read it.
    expect(content).toBe(`Here is the content of the file:\n\n\`\`\`text\n${file}\n\`\`\``);

    // Every question was sent alone: the worker added the stored history, tool calls included.
    const bedrock = stack.emulator.requests.filter((request) => request.provider === 'bedrock');
    const last = bedrock.at(-1)!;
    expect(last.provider === 'bedrock' && last.modelId).toBe(MODEL);
    const body = last.provider === 'bedrock' ? last.body : undefined;
    expect(body?.messages?.length).toBeGreaterThan(HANDS_ON_QUESTIONS.length * 2);
    const offered = (body?.toolConfig?.tools ?? []).flatMap((tool) => (tool.toolSpec ? [tool.toolSpec.name] : []));
    expect(offered).toEqual(expect.arrayContaining([...new Set(HANDS_ON_TOOL_CALLS.flat())]));
    expect(offered).toContain('cot__sequentialthinking');
  });

  it('confines another user to their own folder: they cannot read the first user’s rows.txt', async () => {
    const owner = 'demo-owner';
    await ask(owner, HANDS_ON_QUESTIONS[0]);
    await ask(owner, HANDS_ON_QUESTIONS[2]);
    await ask(owner, HANDS_ON_QUESTIONS[3]);
    const ownersFile = join(realpathSync(workspaceOf(owner)), 'rows.txt');
    expect(readFileSync(ownersFile, 'utf8')).toContain('Alice Martin');

    const other = 'demo-other';
    // The same question finds no rows.txt in their own folder…
    const ownFolder = await ask(other, HANDS_ON_QUESTIONS[5]);
    expect(ownFolder.tools).toEqual(['local_fs__read_text_file']);
    expect(ownFolder.text).toMatch(/^I could not read it: .*ENOENT/);
    // …and the owner's file, named by its full path, is outside what their server may read.
    const direct = await ask(other, readPathQuestion(ownersFile));
    expect(direct.tools).toEqual(['local_fs__read_text_file']);
    expect(direct.text).toMatch(/^I could not read it: .*Access denied - path outside allowed directories/);
    for (const answer of [ownFolder, direct]) expect(answer.text).not.toContain('Alice Martin');
    expect(existsSync(join(workspaceOf(other), 'rows.txt'))).toBe(false);
  });

  it('answers the six questions in the chat UI (Chromium) and leaves the README screenshot', async () => {
    const userId = 'demo-ui';
    const context = await signedInContext(browser, stack, web, userId, { viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    pages.push(page);
    await page.goto(`${web.url}/chat/`);
    const globals = page.getByRole('region', { name: 'Global servers' });
    for (const id of DEMO_SERVER_IDS) await globals.locator(`[data-server-id="${id}"]`).waitFor();
    expect(await page.getByRole('combobox', { name: 'Model' }).locator('option').allTextContents()).toEqual(conf.models.map((model) => model.model_name));
    // Every chat is kept on the server now (one conversation each): the questions build on each other.

    for (const [index, question] of HANDS_ON_QUESTIONS.entries()) {
      await sendMessage(page, question);
      const answer = lastAnswer(page);
      await expect.poll(() => answer.getAttribute('data-status'), { timeout: 30_000 }).toBe('done');
      expect(await answer.getByTestId('tool-card').count(), question).toBe(HANDS_ON_TOOL_CALLS[index]!.length);
    }

    const file = readFileSync(join(workspaceOf(userId), 'rows.txt'), 'utf8');
    expect(file).toContain('1 | Alice Martin | alice@example.com | Seattle');
    const answerText = async () => (await lastAnswer(page).locator('.markdown').allInnerTexts()).join('\n');
    await expect
      .poll(answerText, { timeout: 10_000 })
      .toContain('Here is the content of the file:')
      .catch(async (error: unknown) => {
        throw new Error(`${error instanceof Error ? error.message : String(error)}\n${await explainLastAnswer(page, userId)}`);
      });
    const finalText = await answerText();
    for (const line of file.trimEnd().split('\n').filter(Boolean)) expect(finalText).toContain(line);

    // The sidebar now shows the three preset servers running for this user.
    for (const id of DEMO_SERVER_IDS.filter((id) => id !== 'cot')) {
      await expect.poll(() => globals.locator(`[data-server-id="${id}"] .status-dot`).textContent(), { timeout: 15_000 }).toContain('ready');
    }
    // The last question at the top, its answer below. Durations are hidden, and a picture that
    // differs only by rendering noise is not rewritten, so the committed image changes only when
    // the page does.
    await page.getByTestId('user-message').last().evaluate((element) => element.scrollIntoView({ block: 'start' }));
    const png = await page.screenshot({ animations: 'disabled', caret: 'hide', style: SCREENSHOT_STYLE });
    const saved = await saveCommittedScreenshot(browser, README_SCREENSHOT, png);
    if (saved.written) console.info(`wrote ${README_SCREENSHOT} (${saved.changedPixels ?? 'new file,'} changed pixels)`);
  });
});

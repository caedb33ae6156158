import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../support/stack.js';
import { closeBrowserTest, launchChromium, reserveWebOrigin, screenshot, signedInContext, startWebServer, type WebServer, reportFailedTest } from './web-harness.js';

// Chromium with a fake microphone that plays a generated WAV file: the page captures it with its
// AudioWorklet, resamples it to 16 kHz and streams it to the real gateway, whose Nova Sonic session
// (the emulator, which detects the utterance by its energy) calls a real MCP tool through the pool.

const SAMPLE_RATE = 48_000;
const SPOKEN = 'please echo hello from the browser';
const ANSWER = 'The tool said Echo: hello from the browser.';

/** A 16-bit mono WAV: 2.5 s of quiet, 0.8 s of a voice-like sound (200 Hz with harmonics, syllable-rate wobble), 2 s of quiet. */
function writeSpeechWav(path: string): void {
  const segments = [
    { seconds: 2.5, loud: false },
    { seconds: 0.8, loud: true },
    { seconds: 2, loud: false },
  ];
  const total = Math.round(segments.reduce((sum, segment) => sum + segment.seconds, 0) * SAMPLE_RATE);
  const pcm = Buffer.alloc(total * 2);
  let index = 0;
  for (const segment of segments) {
    const count = Math.round(segment.seconds * SAMPLE_RATE);
    for (let at = 0; at < count; at += 1, index += 1) {
      const t = at / SAMPLE_RATE;
      const voice = Math.sin(2 * Math.PI * 200 * t) + 0.5 * Math.sin(2 * Math.PI * 400 * t) + 0.3 * Math.sin(2 * Math.PI * 600 * t);
      const envelope = segment.loud ? 0.75 + 0.25 * Math.sin(2 * Math.PI * 4 * t) : 0;
      pcm.writeInt16LE(Math.round(9000 * envelope * voice), index * 2);
    }
  }
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + pcm.length, 4);
  header.write('WAVE', 8);
  header.write('fmt ', 12);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(SAMPLE_RATE, 24);
  header.writeUInt32LE(SAMPLE_RATE * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36);
  header.writeUInt32LE(pcm.length, 40);
  writeFileSync(path, Buffer.concat([header, pcm]));
}

let stack: Stack;
let web: WebServer;
let browser: Browser;
let wavDir: string;
const pages: Page[] = [];

beforeAll(async () => {
  const origin = await reserveWebOrigin();
  stack = await startStack({ label: 'web-voice', gatewayEnv: { PUBLIC_URL: origin.url } });
  web = await startWebServer(stack.gatewayUrl, { port: origin.port });
  wavDir = mkdtempSync(join(tmpdir(), 'bmcp-voice-wav-'));
  const wav = join(wavDir, 'question.wav');
  writeSpeechWav(wav);
  browser = await launchChromium([
    '--use-fake-ui-for-media-stream',
    '--use-fake-device-for-media-stream',
    // %noloop: the question is asked once.
    `--use-file-for-fake-audio-capture=${wav}%noloop`,
    '--autoplay-policy=no-user-gesture-required',
  ]);
}, 180_000);

afterAll(async () => {
  await closeBrowserTest({ pages, browser, web, stack });
  if (wavDir) rmSync(wavDir, { recursive: true, force: true });
});

afterEach(reportFailedTest(pages, 'failed-voice'));

describe('voice mode in Chromium, against the real stack', () => {
  it('the microphone streams the question; the transcript bubble, the tool card and the spoken answer follow', async () => {
    stack.emulator.scriptSonic({
      audioMs: 2000,
      audioChunkDelayMs: 20,
      turns: [{ userTranscript: SPOKEN, toolUse: { name: 'everything__echo', input: { message: 'hello from the browser' } }, assistantText: ({ toolResult }) => `The tool said ${toolResult ?? 'nothing'}.` }],
    });
    const context = await signedInContext(browser, stack, web, 'web-voice');
    const page = await context.newPage();
    pages.push(page);
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(`${web.url}/chat/`);
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'Connected' }).count(), { timeout: 15_000 }).toBe(1);
    await page.locator('[data-server-id="everything"]').waitFor({ state: 'attached' });

    // The voice is chosen in Settings.
    await page.getByRole('button', { name: 'Settings' }).click();
    await page.getByLabel('Voice of spoken answers').selectOption('tiffany');
    await page.getByRole('button', { name: /close/i }).first().click();

    await page.getByRole('button', { name: 'Start a voice conversation' }).click();
    await page.locator('.voice-status', { hasText: 'Listening (voice: tiffany)' }).waitFor({ timeout: 15_000 });

    const userBubble = page.locator('[data-testid="voice-bubble"][data-role="user"]');
    await userBubble.filter({ hasText: SPOKEN }).waitFor({ timeout: 20_000 });
    const card = page.getByTestId('tool-card');
    await card.getByText('Echo: hello from the browser').waitFor();
    expect(await card.getAttribute('aria-label')).toBe('Tool call echo: Done');
    expect(await card.locator('.tool-server').textContent()).toBe('everything');
    const answer = page.locator('[data-testid="voice-bubble"][data-role="assistant"]');
    await answer.filter({ hasText: ANSWER }).waitFor();
    await expect.poll(() => answer.getAttribute('data-final')).toBe('true');
    // One bubble per utterance, however many transcript frames refined it.
    expect(await userBubble.count()).toBe(1);
    expect(await answer.count()).toBe(1);
    // The answer plays through the playback worklet.
    await page.locator('.voice-button.voice-speaking').waitFor({ timeout: 10_000 });
    await screenshot(page, 'voice');

    const [session] = stack.emulator.sonicSessions;
    expect(session?.utterances).toEqual([SPOKEN]);
    expect(session?.promptStart?.['audioOutputConfiguration']).toMatchObject({ voiceId: 'tiffany', sampleRateHertz: 24_000 });
    // ~32 KB/s of PCM16 16 kHz: a few seconds of microphone audio arrived, resampled from 48 kHz.
    expect(session?.audioInputBytes).toBeGreaterThan(16_000 * 2 * 2);
    expect(session?.toolResults).toEqual([{ toolUseId: expect.any(String), content: 'Echo: hello from the browser' }]);

    await page.getByRole('button', { name: 'Stop the voice conversation' }).click();
    await page.getByRole('button', { name: 'Start a voice conversation' }).waitFor();
    await expect.poll(() => session?.outcome).toBe('ended');
    expect(await page.getByRole('alert').count()).toBe(0);
    expect(pageErrors).toEqual([]);
  });
});

import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import OpenAI from 'openai';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../free-port.js';
import { parseScript } from './script-file.js';

const CLI_PATH = fileURLToPath(new URL('./cli.ts', import.meta.url));


/** Keeps the pipe flowing afterwards: a destroyed stdout would kill the CLI with EPIPE on its next log line. */
async function waitForOutput(child: ChildProcess, text: string): Promise<void> {
  let output = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (output.includes(text)) resolve();
    });
    child.once('exit', () => reject(new Error(`CLI exited before printing "${text}"; output: ${output}`)));
  });
}

describe('parseScript', () => {
  it('accepts an array or { rules } with string conditions and static replies', () => {
    const rule = { when: { lastUserText: 'hi' }, reply: { text: 'hello' }, times: 2 };
    expect(parseScript([rule])).toEqual([rule]);
    expect(parseScript({ rules: [{ reply: { text: 'x' } }] })).toEqual([{ when: {}, reply: { text: 'x' } }]);
  });

  it('names the broken rule', () => {
    expect(() => parseScript({ rules: [{ reply: { text: 'ok' } }, { when: { lastUserText: 1 }, reply: {} }] })).toThrow(
      'script: rule 1: "when.lastUserText" is not a known condition with a string value',
    );
    expect(() => parseScript({ nope: true })).toThrow('expected an array of rules');
  });
});

describe('model emulator CLI', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it('serves a JSON script on EMULATOR_PORT', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'model-emulator-cli-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const scriptPath = join(dir, 'script.json');
    await writeFile(scriptPath, JSON.stringify([{ when: { lastUserText: 'ping' }, reply: { text: 'pong' } }]));
    const port = await freePort();

    const child = spawn(process.execPath, ['--import', 'tsx', CLI_PATH], {
      env: { ...process.env, EMULATOR_PORT: String(port), EMULATOR_SCRIPT: scriptPath },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    cleanups.push(async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await once(child, 'exit');
      }
    });
    await waitForOutput(child, 'listening');

    const openai = new OpenAI({ baseURL: `http://127.0.0.1:${port}/v1`, apiKey: 'test', maxRetries: 0 });
    const completion = await openai.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'ping' }] });

    expect(completion.choices[0]?.message.content).toBe('pong');
    child.kill('SIGTERM');
    const [exitCode] = await once(child, 'exit');
    expect(exitCode).toBe(0);
  });
});

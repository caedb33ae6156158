import type { StreamEvent } from '@bedrock-mcp/contracts';
import { freePort, type BedrockRecordedRequest } from '@bedrock-mcp/test-support';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startService, waitForHttpOk, type ServiceProcess } from '../testing/processes.js';
import { chatJob } from '../testing/turn-client.js';
import { CLAUDE, startWorkerStack, type WorkerStack } from '../testing/worker-stack.js';

let stack: WorkerStack;
const workers: ServiceProcess[] = [];

beforeAll(async () => {
  stack = await startWorkerStack('recovery');
}, 60_000);
afterEach(async () => {
  await Promise.all(workers.splice(0).map((worker) => worker.stop()));
  stack.emulator.reset();
});
afterAll(() => stack?.close());

/** A real agent-worker process (services/agent-worker/src/main.ts) of this stack. */
async function startWorkerProcess(overrides: Record<string, string> = {}): Promise<ServiceProcess> {
  const port = await freePort();
  const worker = startService('services/agent-worker/src/main.ts', stack.workerEnv({ AGENT_WORKER_PORT: String(port), LOG_LEVEL: 'warn', ...overrides }));
  workers.push(worker);
  await waitForHttpOk(`http://127.0.0.1:${port}/readyz`, worker);
  return worker;
}

/** Runs the job on a worker SIGKILLed once `killWhen` holds for the turn's events, then on another; the turn's events. */
async function runThroughAWorkerDeath(job: ReturnType<typeof chatJob>, killWhen: (events: StreamEvent[]) => boolean): Promise<StreamEvent[]> {
  const first = await startWorkerProcess();
  const dying = await stack.client.watch(job.turnId, 20_000, killWhen);
  const finished = await stack.client.watch(job.turnId, 30_000);
  await stack.client.enqueue(job);
  await dying.until;
  first.kill('SIGKILL');
  await first.exited;
  await startWorkerProcess();
  return finished.until;
}

const of = <T extends StreamEvent['type']>(events: StreamEvent[], type: T) => events.filter((event): event is Extract<StreamEvent, { type: T }> => event.type === type);
const bedrockRequests = () => stack.emulator.requests.filter((request): request is BedrockRecordedRequest => request.provider === 'bedrock');

describe('a worker process killed mid-turn (SIGKILL)', () => {
  it('leaves the turn to another worker, which resumes after the completed tool round without running the tool again', async () => {
    stack.emulator.script([
      { when: { lastUserText: 'survive' }, reply: { text: 'Counting.', toolUses: [{ name: 'counter__count', input: { label: 'survivor' } }] } },
      // The first answer after the tool streams slowly: the worker is killed while it streams.
      { when: { afterToolResult: 'counter__count' }, times: 1, reply: { text: 'slow '.repeat(40), chunkCount: 40, chunkDelayMs: 100 } },
      { when: { afterToolResult: 'counter__count' }, reply: ({ lastToolResultText }) => ({ text: `finished after ${lastToolResultText}` }) },
    ]);
    const job = chatJob({ model: CLAUDE, messages: [{ role: 'user', content: 'survive' }], mcpServerIds: ['counter'] });
    const events = await runThroughAWorkerDeath(job, (sofar) => {
      const roundTwo = sofar.findIndex((event) => event.type === 'round_start' && event.round === 2);
      return roundTwo >= 0 && sofar.slice(roundTwo).some((event) => event.type === 'text_delta');
    });

    expect(events.at(-1)).toMatchObject({ type: 'done', finishReason: 'end_turn' });
    expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index + 1));
    expect(of(events, 'start')).toHaveLength(1);
    expect(of(events, 'round_start').map((event) => [event.round, event.resumed ?? false])).toEqual([
      [1, false],
      [2, false],
      [2, true],
    ]);
    expect(of(events, 'tool_call')).toHaveLength(1);
    expect(of(events, 'tool_result')).toHaveLength(1);
    expect(stack.counted().filter((label) => label === 'survivor')).toEqual(['survivor']);
    // The first model round was not repeated either.
    expect(bedrockRequests().filter((request) => request.body.messages?.length === 1)).toHaveLength(1);
    const lastRound = events.slice(events.findLastIndex((event) => event.type === 'round_start'));
    expect(of(lastRound, 'text_delta').map((event) => event.text).join('')).toBe('finished after counted survivor');
  }, 60_000);

  it('starts over a turn whose worker died in its first model round (before any checkpoint), marking the round resumed', async () => {
    stack.emulator.script([
      { when: { lastUserText: 'die early' }, times: 1, reply: { text: 'slow '.repeat(40), chunkCount: 40, chunkDelayMs: 100 } },
      { when: { lastUserText: 'die early' }, reply: { text: 'the whole answer' } },
    ]);
    const job = chatJob({ model: CLAUDE, messages: [{ role: 'user', content: 'die early' }] });
    const events = await runThroughAWorkerDeath(job, (sofar) => sofar.some((event) => event.type === 'text_delta'));
    expect(events.at(-1)).toMatchObject({ type: 'done', finishReason: 'end_turn' });
    expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index + 1));
    expect(of(events, 'start')).toHaveLength(1);
    expect(of(events, 'round_start').map((event) => [event.round, event.resumed ?? false])).toEqual([
      [1, false],
      [1, true],
    ]);
    const lastRound = events.slice(events.findLastIndex((event) => event.type === 'round_start'));
    expect(of(lastRound, 'text_delta').map((event) => event.text).join('')).toBe('the whole answer');
    expect(bedrockRequests()).toHaveLength(2);
  }, 60_000);

  it('does not run again a tool whose worker died during the call: the model gets an "interrupted" error result', async () => {
    stack.emulator.script([
      { when: { lastUserText: 'die during the tool' }, reply: { toolUses: [{ name: 'counter__count', input: { label: 'interrupted', delayMs: 3000 } }] } },
      { when: { afterToolResult: 'counter__count' }, reply: ({ toolResults }) => ({ text: `error=${toolResults[0]!.isError}` }) },
    ]);
    const first = await startWorkerProcess();
    const job = chatJob({ model: CLAUDE, messages: [{ role: 'user', content: 'die during the tool' }], mcpServerIds: ['counter'] });
    const called = await stack.client.watch(job.turnId, 20_000, (events) => events.some((event) => event.type === 'tool_call'));
    const finished = await stack.client.watch(job.turnId, 30_000);
    await stack.client.enqueue(job);
    await called.until;
    await expect.poll(() => stack.counted().filter((label) => label === 'interrupted'), { timeout: 5000 }).toEqual(['interrupted']);
    first.kill('SIGKILL');
    await first.exited;

    await startWorkerProcess();
    const events = await finished.until;
    expect(events.at(-1)).toMatchObject({ type: 'done', finishReason: 'end_turn' });
    const [result] = of(events, 'tool_result');
    expect(result).toMatchObject({ isError: true, content: [{ type: 'text', text: expect.stringContaining('interrupted') }] });
    expect(of(events, 'text_delta').map((event) => event.text).join('')).toBe('error=true');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(stack.counted().filter((label) => label === 'interrupted')).toEqual(['interrupted']);
  }, 60_000);

  it('ends a turn lost more often than WORKER_MAX_STALLED_COUNT with worker_lost', async () => {
    stack.emulator.script([{ reply: { text: 'slow '.repeat(40), chunkCount: 40, chunkDelayMs: 100 } }]);
    const first = await startWorkerProcess();
    const job = chatJob({ model: CLAUDE, messages: [{ role: 'user', content: 'lost' }] });
    const streaming = await stack.client.watch(job.turnId, 20_000, (events) => events.some((event) => event.type === 'text_delta'));
    const finished = await stack.client.watch(job.turnId, 30_000);
    await stack.client.enqueue(job);
    await streaming.until;
    first.kill('SIGKILL');
    await first.exited;

    await startWorkerProcess({ WORKER_MAX_STALLED_COUNT: '0' });
    const events = await finished.until;
    expect(events.slice(-2)).toMatchObject([
      { type: 'error', code: 'worker_lost' },
      { type: 'done', finishReason: 'error' },
    ]);
  }, 60_000);
});

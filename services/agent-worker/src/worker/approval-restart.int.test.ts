import type { StreamEvent } from '@bedrock-mcp/contracts';
import { freePort } from '@bedrock-mcp/test-support';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startService, waitForHttpOk, type ServiceProcess } from '../testing/processes.js';
import { chatJob } from '../testing/turn-client.js';
import { CLAUDE, startWorkerStack, type WorkerStack } from '../testing/worker-stack.js';

let stack: WorkerStack;
const workers: ServiceProcess[] = [];

beforeAll(async () => {
  stack = await startWorkerStack('approval-restart');
}, 60_000);
afterEach(async () => {
  await Promise.all(workers.splice(0).map((worker) => worker.stop()));
  stack.emulator.reset();
});
afterAll(() => stack?.close());

/** A real agent-worker process running one turn at a time. */
async function startWorkerProcess(): Promise<ServiceProcess> {
  const port = await freePort();
  const worker = startService('services/agent-worker/src/main.ts', stack.workerEnv({ AGENT_WORKER_PORT: String(port), LOG_LEVEL: 'warn', WORKER_CONCURRENCY: '1', APPROVAL_TIMEOUT_S: '120' }));
  workers.push(worker);
  await waitForHttpOk(`http://127.0.0.1:${port}/readyz`, worker);
  return worker;
}

const of = <T extends StreamEvent['type']>(events: StreamEvent[], type: T) => events.filter((event): event is Extract<StreamEvent, { type: T }> => event.type === type);
const text = (events: StreamEvent[]) => of(events, 'text_delta').map((event) => event.text).join('');
const asked = (events: StreamEvent[]) => events.some((event) => event.type === 'approval_request');

function scriptEcho(): void {
  stack.emulator.script([
    { when: { lastUserText: 'echo guarded' }, reply: ({ lastUserText }) => ({ toolUses: [{ name: 'guarded__echo', input: { message: `for ${lastUserText}` } }] }) },
    { when: { afterToolResult: 'guarded__echo' }, reply: ({ lastToolResultText }) => ({ text: `said: ${lastToolResultText}` }) },
    { when: { lastUserText: 'plain' }, reply: { text: 'plain answer' } },
  ]);
}

/** Enqueues the job and waits for its approval_request; the ask's id and a promise of the turn's end. */
async function pause(job: ReturnType<typeof chatJob>): Promise<{ askId: string; finished: Promise<StreamEvent[]> }> {
  const pausing = await stack.client.watch(job.turnId, 30_000, asked);
  const finishing = await stack.client.watch(job.turnId, 60_000);
  await stack.client.enqueue(job);
  const [request] = of(await pausing.until, 'approval_request');
  return { askId: request!.asks[0]!.id, finished: finishing.until };
}

describe('a turn waiting for approval across worker processes', () => {
  it('survives the death of its worker: a new worker resumes it once answered', async () => {
    scriptEcho();
    const first = await startWorkerProcess();
    const job = chatJob({ model: CLAUDE, messages: [{ role: 'user', content: 'echo guarded' }], mcpServerIds: ['guarded'] });
    const { askId, finished } = await pause(job);
    first.kill('SIGKILL');
    await first.exited;
    await startWorkerProcess();
    expect(await stack.client.answer(job.turnId, { approvals: [{ id: askId, decision: 'approve' }] })).toMatchObject({ kind: 'accepted', pendingApprovals: [] });
    const events = await finished;
    expect(events.at(-1)).toMatchObject({ type: 'done', finishReason: 'end_turn' });
    expect(text(events)).toBe('said: Echo: for echo guarded');
    expect(of(events, 'approval_request')).toHaveLength(1);
    expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index + 1));
  }, 90_000);

  it('with WORKER_CONCURRENCY=1, turns waiting for approval hold no worker: an ordinary turn runs at once, then the waiting ones finish', async () => {
    scriptEcho();
    await startWorkerProcess();
    const waiting = [];
    for (let index = 0; index < 3; index += 1) {
      const job = chatJob({ model: CLAUDE, messages: [{ role: 'user', content: 'echo guarded' }], mcpServerIds: ['guarded'], userId: `waiter-${index}` });
      waiting.push({ turnId: job.turnId, ...(await pause(job)) });
    }
    const started = Date.now();
    const plain = await stack.client.run(chatJob({ model: CLAUDE, messages: [{ role: 'user', content: 'plain' }] }));
    const plainMs = Date.now() - started;
    expect(text(plain)).toBe('plain answer');
    expect(plainMs).toBeLessThan(3000);
    console.info(`ordinary turn with 3 turns waiting for approval on a 1-slot worker: ${plainMs} ms`);

    for (const { turnId, askId } of waiting) await stack.client.answer(turnId, { approvals: [{ id: askId, decision: 'approve' }] });
    for (const { finished } of waiting) expect(text(await finished)).toBe('said: Echo: for echo guarded');
  }, 90_000);

  it('redoes a pause whose worker died before it finished pausing: the same asks, one approval_request, and the turn resumes once answered', async () => {
    scriptEcho();
    await startWorkerProcess();
    const job = chatJob({ model: CLAUDE, messages: [{ role: 'user', content: 'echo guarded' }], mcpServerIds: ['guarded'] });
    const { askId, finished } = await pause(job);
    await expect.poll(() => stack.client.jobState(job.turnId)).toBe('completed');
    // As if the worker had died right after writing the checkpoint: no asks record, no resume job, the turn's job taken over.
    await stack.client.redis.del(stack.client.turnKeys.turnAsks(job.turnId));
    await stack.client.removeJob(`${job.turnId}-resume-1`);
    await stack.client.removeJob(job.turnId);
    await stack.client.enqueueTakenOver(job);
    await expect.poll(() => stack.client.jobState(`${job.turnId}-resume-1`), { timeout: 10_000 }).toBe('delayed');
    expect(await stack.client.answer(job.turnId, { approvals: [{ id: askId, decision: 'approve' }] })).toMatchObject({ kind: 'accepted', pendingApprovals: [] });
    const events = await finished;
    expect(text(events)).toBe('said: Echo: for echo guarded');
    expect(of(events, 'approval_request')).toHaveLength(1);
    expect(of(events, 'approval_answer')).toEqual([expect.objectContaining({ askId, outcome: 'approved' })]);
  }, 90_000);
});

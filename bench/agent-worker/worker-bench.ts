/**
 * agent-worker overhead against the model emulator with zero delay, loopback only:
 *   - added latency per model call: a round inside the worker (round_start → round_end) minus a
 *     direct ConverseStream call with the AWS SDK to the same emulator;
 *   - added latency per tool round: round_end → next round_start in the worker minus a direct pool
 *     tool call (echo on server-everything);
 *   - added latency per turn: a one-round turn from enqueue to `done` seen by a subscriber, minus a
 *     direct model call (queue pickup, checkpoints, events);
 *   - turns per second of one worker process (single-round turns, WORKER_CONCURRENCY as printed).
 *
 *   node --conditions=source --import tsx bench/agent-worker/worker-bench.ts
 */
import { BedrockRuntimeClient, ConverseStreamCommand } from '@aws-sdk/client-bedrock-runtime';
import { SharedSessionHttp2Handler } from '../../services/agent-worker/src/providers/shared-session-http2-handler.js';
import { parseLoggedEvent, splitPublishedEvents } from '@bedrock-mcp/turns';
import { loadavg } from 'node:os';
import { CHAT_QUEUE_NAME, type StreamEvent } from '@bedrock-mcp/contracts';
import { PoolClient } from '@bedrock-mcp/pool-client';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { freePort, TEST_INTERNAL_API_KEY } from '@bedrock-mcp/test-support';
import { startService, waitForHttpOk } from '../../services/agent-worker/src/testing/processes.js';
import { chatJob } from '../../services/agent-worker/src/testing/turn-client.js';
import { CLAUDE, startWorkerStack } from '../../services/agent-worker/src/testing/worker-stack.js';

const LATENCY_SAMPLES = Number(process.env.BENCH_SAMPLES ?? 150);
const THROUGHPUT_TURNS = Number(process.env.BENCH_TURNS ?? 600);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 50);

const stack = await startWorkerStack('bench');
const port = await freePort();
const worker = startService('services/agent-worker/src/main.ts', stack.workerEnv({ AGENT_WORKER_PORT: String(port), LOG_LEVEL: 'warn', WORKER_CONCURRENCY: String(CONCURRENCY) }));
const deadline = setTimeout(() => {
  console.error('benchmark took longer than 110 s; stopping');
  void cleanup().then(() => process.exit(1));
}, 110_000);

async function cleanup(): Promise<void> {
  await worker.stop();
  await stack.close();
}

try {
  await waitForHttpOk(`http://127.0.0.1:${port}/readyz`, worker);
  stack.emulator.script([
    { when: { lastUserText: 'tool' }, reply: { toolUses: [{ name: 'everything__echo', input: { message: 'bench' } }] } },
    { when: { afterToolResult: 'everything__echo' }, reply: { text: 'echoed' } },
    { reply: { text: 'hello from the emulator' } },
  ]);

  // Every turn's events, seen the way the gateway sees them: a pattern subscription on turn channels.
  const subscriber = new Redis(stack.redis.url);
  const waiting = new Map<string, { events: StreamEvent[]; done: (at: number) => void }>();
  await subscriber.psubscribe(`${stack.redis.prefix}turn:*:events`);
  subscriber.on('pmessage', (_pattern: string, _channel: string, message: string) => {
    for (const event of splitPublishedEvents(message).map(parseLoggedEvent)) {
      const turn = waiting.get(event.turnId);
      turn?.events.push(event);
      if (event.type === 'done') turn?.done(performance.now());
    }
  });
  const queueConnection = new Redis(stack.redis.url, { maxRetriesPerRequest: null });
  const queue = new Queue(CHAT_QUEUE_NAME, { connection: queueConnection, prefix: stack.client.keys.bullPrefix });
  const turn = async (content: string, servers: string[]): Promise<{ ms: number; events: StreamEvent[] }> => {
    // One user: stdio MCP servers run per user, and a new user would time a cold server start.
    const job = chatJob({ model: CLAUDE, userId: 'bench-user', messages: [{ role: 'user', content }], mcpServerIds: servers });
    const events: StreamEvent[] = [];
    const finished = new Promise<number>((resolve) => waiting.set(job.turnId, { events, done: resolve }));
    const started = performance.now();
    await queue.add('turn', job, { jobId: job.turnId, attempts: 1, removeOnComplete: true });
    const ended = await finished;
    waiting.delete(job.turnId);
    return { ms: ended - started, events };
  };

  // Configured as the worker's clients are (one attempt, shared HTTP/2 sessions).
  const sdk = new BedrockRuntimeClient({
    region: 'us-east-1',
    endpoint: stack.emulator.bedrockEndpoint,
    maxAttempts: 1,
    credentials: { accessKeyId: 'AKIDBENCH', secretAccessKey: 'x' },
    requestHandler: new SharedSessionHttp2Handler({ idleSessionMs: 60_000 }),
  });
  const directModelCall = async (): Promise<number> => {
    const started = performance.now();
    const response = await sdk.send(new ConverseStreamCommand({ modelId: CLAUDE, messages: [{ role: 'user', content: [{ text: 'plain' }] }], inferenceConfig: { maxTokens: 100 } }));
    for await (const _ of response.stream!) void _;
    return performance.now() - started;
  };
  const pool = new PoolClient({ baseUrl: stack.pool.url, internalApiKey: TEST_INTERNAL_API_KEY });
  const directToolCall = async (): Promise<number> => {
    const started = performance.now();
    await pool.callTool('bench-user', { serverId: 'everything', toolName: 'echo', arguments: { message: 'bench' } });
    return performance.now() - started;
  };
  const ts = (events: StreamEvent[], type: StreamEvent['type'], nth = 0) => events.filter((event) => event.type === type)[nth]!.ts;

  // Interleaved, so load from other processes on the machine hits every measure alike.
  const samples = { model: [] as number[], tool: [] as number[], plainTurn: [] as number[], toolTurn: [] as number[], round: [] as number[], toolRound: [] as number[] };
  for (let index = -10; index < LATENCY_SAMPLES; index++) {
    const model = await directModelCall();
    const tool = await directToolCall();
    const plain = await turn('plain', []);
    const withTool = await turn('tool', ['everything']);
    if (index < 0) continue; // warm-up: connections, MCP server start, JIT
    samples.model.push(model);
    samples.tool.push(tool);
    samples.plainTurn.push(plain.ms);
    samples.toolTurn.push(withTool.ms);
    samples.round.push(ts(plain.events, 'round_end') - ts(plain.events, 'round_start'));
    samples.toolRound.push(ts(withTool.events, 'round_start', 1) - ts(withTool.events, 'round_end'));
  }

  const started = performance.now();
  await Promise.all(Array.from({ length: THROUGHPUT_TURNS }, () => turn('plain', [])));
  const seconds = (performance.now() - started) / 1000;

  const pct = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((p / 100) * values.length))]!;
  const r = (value: number) => Math.round(value * 10) / 10;
  const stat = (values: number[]) => ({ p50: r(pct(values, 50)), p99: r(pct(values, 99)) });
  console.log(
    JSON.stringify(
      {
        samples: LATENCY_SAMPLES,
        loadAverage1m: r(loadavg()[0]!),
        ms: {
          directModelCall: stat(samples.model),
          directPoolToolCall: stat(samples.tool),
          modelRoundInWorker: stat(samples.round),
          toolRoundInWorker: stat(samples.toolRound),
          oneRoundTurnEnqueueToDone: stat(samples.plainTurn),
          oneToolRoundTurnEnqueueToDone: stat(samples.toolTurn),
          addedPerModelCall_p50: r(pct(samples.round, 50) - pct(samples.model, 50)),
          addedPerToolRound_p50: r(pct(samples.toolRound, 50) - pct(samples.tool, 50)),
          addedPerTurn_p50: r(pct(samples.plainTurn, 50) - pct(samples.model, 50)),
        },
        throughput: { workerProcesses: 1, workerConcurrency: CONCURRENCY, turns: THROUGHPUT_TURNS, seconds: r(seconds), turnsPerSecond: r(THROUGHPUT_TURNS / seconds) },
      },
      null,
      2,
    ),
  );
  await queue.close();
  await queueConnection.quit();
  await subscriber.quit();
  sdk.destroy();
} finally {
  clearTimeout(deadline);
  await cleanup();
}

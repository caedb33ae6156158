// The API fuzz run: 10,000 malformed or oversized inputs (8,000 REST requests and 2,000 WebSocket
// frames) against the whole stack as processes, loopback only. Every REST answer must be a 4xx (or
// a 2xx for a mutation that stayed valid), never a 5xx or a dropped connection; no service may
// crash; and the gateway's heap after a full collection must come back to where it started.
// FUZZ_SEED reproduces a run (the seed is printed with the report).
import { freePort } from '@bedrock-mcp/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { FuzzRandom, randomRequest, randomSocketFrame, type FuzzRequest } from './support/fuzz-inputs.js';
import { InspectorHeap } from './support/inspector-heap.js';
import { startStack, STACK_MODEL, type Stack } from './support/stack.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20261206);
const REST_REQUESTS = 8000;
const SOCKET_FRAMES = 2000;
const FRAMES_PER_SOCKET = 10;
const CONCURRENCY = 16;
const MAX_BODY_BYTES = 100_000;
/** Heap growth (bytes, after a full collection) allowed between before and after the run. */
const HEAP_SLACK_BYTES = 8 * 1024 * 1024;

let stack: Stack;
let heap: InspectorHeap;
beforeAll(async () => {
  const inspectorPort = await freePort();
  stack = await startStack({
    label: 'fuzz',
    gatewayNodeArgs: [`--inspect=127.0.0.1:${inspectorPort}`],
    gatewayEnv: { MAX_BODY_BYTES: String(MAX_BODY_BYTES), RATE_LIMIT_PER_MINUTE: '1000000' },
  });
  stack.emulator.script([{ reply: { text: 'fine' } }]);
  heap = await InspectorHeap.connect(inspectorPort);
});
afterAll(async () => {
  heap?.close();
  await stack?.stop();
});

interface Outcome {
  status: number | 'connection error';
  kind: string;
  detail: string;
}

async function send(request: FuzzRequest): Promise<Outcome> {
  try {
    const res = await fetch(`${stack.gatewayUrl}${request.path}`, {
      method: request.method,
      headers: request.headers,
      body: request.method === 'GET' || request.method === 'HEAD' ? undefined : request.body,
      signal: AbortSignal.timeout(60_000),
    });
    // A stream that was accepted is not read to its end: its turn runs on without this client.
    const detail = res.headers.get('content-type')?.includes('text/event-stream') ? (await res.body?.cancel(), '') : (await res.text()).slice(0, 300);
    return { status: res.status, kind: request.kind, detail };
  } catch (error) {
    return { status: 'connection error', kind: request.kind, detail: String((error as Error).cause ?? error) };
  }
}

interface SocketOutcome {
  /** The close code (1000: the client closed it after its frames). */
  code: number;
  /** Frames sent before the socket closed. */
  frames: number;
  /** Error frames saying the gateway itself failed. */
  serverErrors: number;
}

/** Opens a socket, authenticates it or not, and sends frames (at most `budget`) until done or closed. */
function fuzzSocket(random: FuzzRandom, budget: number): Promise<SocketOutcome> {
  return new Promise((resolve) => {
    const socket = new WebSocket(stack.wsUrl);
    const outcome: SocketOutcome = { code: 0, frames: 0, serverErrors: 0 };
    socket.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as { type: string; error?: { code: string } };
      if (frame.type === 'error' && frame.error?.code === 'internal_error') outcome.serverErrors++;
    });
    socket.on('error', () => undefined);
    socket.on('close', (code) => resolve({ ...outcome, code }));
    socket.on('open', async () => {
      if (random.chance(0.5)) socket.send(JSON.stringify({ type: 'auth', apiKey: stack.apiKey, userId: `fuzz-ws-${random.int(4)}` }));
      while (outcome.frames < budget && socket.readyState === WebSocket.OPEN) {
        socket.send(randomSocketFrame(random, STACK_MODEL, MAX_BODY_BYTES));
        outcome.frames++;
        await new Promise((done) => setTimeout(done, 2));
      }
      setTimeout(() => (socket.readyState === WebSocket.OPEN ? socket.close(1000) : undefined), 200);
    });
  });
}

/** Sends `total` frames over as many sockets as it takes (`parallel` open at a time). */
async function fuzzSockets(random: FuzzRandom, total: number, parallel: number): Promise<SocketOutcome[]> {
  const outcomes: SocketOutcome[] = [];
  let sent = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (sent < total) {
        const budget = Math.min(FRAMES_PER_SOCKET, total - sent);
        sent += budget;
        const outcome = await fuzzSocket(random, budget);
        // Frames a closed socket did not carry go out on the next one.
        sent -= budget - outcome.frames;
        outcomes.push(outcome);
      }
    }),
  );
  return outcomes;
}

describe('API fuzz run', () => {
  it('answers 10,000 malformed or oversized inputs without a 5xx, a crash or a leak', async () => {
    const startedAt = Date.now();
    // Warm up the paths the run takes (lazy modules, caches), then take the heap baseline.
    const warm = new FuzzRandom(SEED ^ 0x5eed);
    const auth = stack.headers('fuzz-user');
    for (let index = 0; index < 300; index++) await send(randomRequest(warm, auth, STACK_MODEL, MAX_BODY_BYTES));
    await new Promise((done) => setTimeout(done, 2000));
    const heapBefore = await heap.usedAfterGc();

    const random = new FuzzRandom(SEED);
    const requests = Array.from({ length: REST_REQUESTS }, () => randomRequest(random, auth, STACK_MODEL, MAX_BODY_BYTES));
    const outcomes: Outcome[] = [];
    let nextRequest = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (nextRequest < requests.length) outcomes.push(await send(requests[nextRequest++]!));
      }),
    );
    const sockets = await fuzzSockets(random, SOCKET_FRAMES, 20);

    // Let the turns that stayed valid finish, then measure.
    await new Promise((done) => setTimeout(done, 3000));
    const heapAfter = await heap.usedAfterGc();
    const byStatus: Record<string, number> = {};
    for (const outcome of outcomes) byStatus[outcome.status] = (byStatus[outcome.status] ?? 0) + 1;
    const closeCodes: Record<string, number> = {};
    for (const socket of sockets) closeCodes[socket.code] = (closeCodes[socket.code] ?? 0) + 1;
    const report = {
      seed: SEED,
      rest: { requests: outcomes.length, byStatus },
      webSocket: { sockets: sockets.length, frames: sockets.reduce((sum, socket) => sum + socket.frames, 0), closeCodes },
      gatewayHeapMiB: { before: +(heapBefore / 2 ** 20).toFixed(1), after: +(heapAfter / 2 ** 20).toFixed(1) },
      seconds: (Date.now() - startedAt) / 1000,
    };
    const failures = outcomes.filter((outcome) => outcome.status === 'connection error' || outcome.status >= 500);
    console.log(`fuzz report ${JSON.stringify({ ...report, failures: failures.slice(0, 20) })}`);

    expect(failures.slice(0, 5), `seed ${SEED}: ${failures.length} answers were 5xx or dropped connections`).toEqual([]);
    expect(outcomes).toHaveLength(REST_REQUESTS);
    expect(report.webSocket.frames).toBe(SOCKET_FRAMES);
    // 1011 is the server's own failure; 1006 a connection dropped without a close frame.
    expect(sockets.filter((socket) => socket.code === 1011 || socket.code === 1006 || socket.serverErrors > 0)).toEqual([]);
    for (const service of [stack.gateway, stack.pool, ...stack.workers]) expect(service.child.exitCode, `${service.name} exited`).toBeNull();
    expect(heapAfter - heapBefore, `gateway heap grew from ${report.gatewayHeapMiB.before} to ${report.gatewayHeapMiB.after} MiB`).toBeLessThan(HEAP_SLACK_BYTES);

    // And it still serves a real turn end to end.
    const res = await stack.fetch('/v1/chat/completions', {
      method: 'POST',
      userId: 'fuzz-after',
      body: JSON.stringify({ model: STACK_MODEL, messages: [{ role: 'user', content: 'still there?' }] }),
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { choices: Array<{ message: { content: string } }> }).choices[0]!.message.content).toBe('fine');
  }, 600_000);
});

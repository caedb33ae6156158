import { Agent, request } from 'node:http';
import { STACK_MODEL, type Stack } from '../../tests/e2e/support/stack.js';
import { httpRequest } from './bench-http.js';
import { closedLoopLoad, summarize } from './bench-stats.js';
import { directTtft, startDirectModelClient, workerLikeClient, type DirectModelClient } from './direct-model-client.js';
import type { BenchTarget } from './side-by-side.js';

/** The emulator's reply in every stack benchmark; a non-stream completion is right when it carries exactly this. */
export const BENCH_REPLY = 'hello from the emulator';

interface GatewaySample {
  ttftMs: number;
  /** Wall-clock milestones of the turn (epoch ms), for the breakdown. */
  sentAt: number;
  firstContentAt: number;
  turnId: string;
}

/** Time to the first `delta.content` through the gateway's SSE (ms), over node:http as the throughput run. */
function gatewayTtft(stack: Pick<Stack, 'headers'>, gatewayUrl: string, agent: Agent, userId: string): Promise<GatewaySample> {
  const sentAt = Date.now();
  const started = performance.now();
  const body = JSON.stringify({ model: STACK_MODEL, stream: true, messages: [{ role: 'user', content: 'bench ttft' }] });
  return new Promise((resolve, reject) => {
    const req = request(
      `${gatewayUrl}/v1/chat/completions`,
      { method: 'POST', agent, headers: { ...stack.headers(userId), 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        let buffered = '';
        let first: number | undefined;
        let firstContentAt = 0;
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buffered += chunk;
          if (first === undefined && /"content":"[^"]/.test(buffered)) {
            first = performance.now() - started;
            firstContentAt = Date.now();
          }
        });
        res.on('end', () =>
          first === undefined
            ? reject(new Error(`no content in the stream: ${buffered.slice(0, 300)}`))
            : resolve({ ttftMs: first, sentAt, firstContentAt, turnId: String(res.headers['x-stream-id']) }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Where one turn's time to first token went, from the turn log's timestamps and the emulator's request log (ms, 1 ms resolution). */
async function breakdown(stack: Stack, sample: GatewaySample, emulatorReceivedAt: number) {
  const events = (await stack.redis.client.lrange(stack.turnKeys.turnLog(sample.turnId), 0, -1)).map((json) => JSON.parse(json) as { type: string; ts: number });
  const start = events.find((event) => event.type === 'start')?.ts ?? Number.NaN;
  const text = events.find((event) => event.type === 'text_delta')?.ts ?? Number.NaN;
  return [start - sample.sentAt, emulatorReceivedAt - start, text - emulatorReceivedAt, sample.firstContentAt - text];
}

/**
 * Added time to first token: gateway SSE minus a direct SDK call from another process (as the
 * worker makes it), sequential samples, interleaved. The same call made from inside the emulator's
 * own process is reported too (`directInProcessMs`): it skips the cross-process wake-up every real
 * deployment has, so it is not the baseline.
 */
export async function measureTtft(stack: Stack, samples: number) {
  stack.emulator.script([{ reply: { text: BENCH_REPLY, chunkCount: 3 } }]);
  const inProcess = workerLikeClient(stack.emulator.bedrockEndpoint);
  const otherProcess = await startDirectModelClient(stack.emulator.bedrockEndpoint, STACK_MODEL);
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    for (let i = 0; i < 20; i++) {
      await otherProcess.measure();
      await directTtft(inProcess, STACK_MODEL);
      await gatewayTtft(stack, stack.gatewayUrl, agent, 'ttft-warmup');
    }
    const direct: number[] = [];
    const directInProcess: number[] = [];
    const viaGateway: number[] = [];
    const parts: number[][] = [[], [], [], []];
    for (let i = 0; i < samples; i++) {
      direct.push(await otherProcess.measure());
      directInProcess.push(await directTtft(inProcess, STACK_MODEL));
      const sample = await gatewayTtft(stack, stack.gatewayUrl, agent, `ttft-${i % 8}`);
      viaGateway.push(sample.ttftMs);
      const emulatorRequest = stack.emulator.requests.at(-1)!;
      (await breakdown(stack, sample, emulatorRequest.receivedAt.getTime())).forEach((value, index) => parts[index]!.push(value));
    }
    const d = summarize(direct);
    const g = summarize(viaGateway);
    const median = (values: number[]) => summarize(values).p50;
    return {
      directMs: d,
      directInProcessMs: summarize(directInProcess),
      gatewayMs: g,
      addedP50Ms: Math.round((g.p50 - d.p50) * 1000) / 1000,
      addedP99Ms: Math.round((g.p99 - d.p99) * 1000) / 1000,
      medianBreakdownMs: {
        'client → gateway → queue → worker logs start': median(parts[0]!),
        'worker: start → model request reaches the emulator': median(parts[1]!),
        'emulator answers → worker logs the first text': median(parts[2]!),
        'first text logged → Redis → gateway → client': median(parts[3]!),
      },
    };
  } finally {
    inProcess.destroy();
    otherProcess.close();
    agent.destroy();
  }
}

/** One non-stream completion from client `client`, the clients spread round-robin over the gateways; true when the answer was right. */
function nonStreamCompletion(stack: Pick<Stack, 'gatewayUrls' | 'headers'>, agent: Agent) {
  const body = JSON.stringify({ model: STACK_MODEL, messages: [{ role: 'user', content: 'bench throughput' }] });
  const urls = stack.gatewayUrls.map((gatewayUrl) => new URL(`${gatewayUrl}/v1/chat/completions`));
  return async (client: number) => {
    const headers = { ...stack.headers(`load-${client}`), 'content-type': 'application/json' };
    const response = await httpRequest(agent, urls[client % urls.length]!, { method: 'POST', headers, body });
    const json = JSON.parse(response.text) as { choices?: Array<{ message: { content: string } }> };
    return response.status === 200 && json.choices?.[0]?.message.content === BENCH_REPLY;
  };
}

/** Non-stream completions per second of the whole stack at `concurrency` clients, over `seconds`. */
export async function measureThroughput(stack: Stack, options: { concurrency: number; seconds: number; warmupSeconds: number; pids: Record<string, number>; chunkCount?: number }) {
  stack.emulator.script([{ reply: { text: BENCH_REPLY, chunkCount: options.chunkCount ?? 1 } }]);
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency });
  const load = await closedLoopLoad({ ...options, request: nonStreamCompletion(stack, agent) });
  agent.destroy();
  return {
    concurrency: options.concurrency,
    completionsPerSecond: load.perSecond,
    failed: load.failed,
    latencyMs: load.latencyMs,
    cpuSecondsInWindow: load.cpuSecondsInWindow,
    cpuMsPerCompletion: load.cpuMsPerCompletion,
  };
}

/**
 * The platform as a side-by-side target: time to first `delta.content` of a streamed completion
 * (samples round-robin over the gateways), against `baseline`; non-stream completions for the
 * throughput run; CPU of every gateway, worker and the pool (plus Redis when `redisPid` is given).
 * The emulator's script is the caller's.
 */
export function platformTarget(stack: Stack, baseline: DirectModelClient, options: { concurrency: number; redisPid?: number; name?: string }): BenchTarget {
  const one = new Agent({ keepAlive: true, maxSockets: 1 });
  const many = new Agent({ keepAlive: true, maxSockets: options.concurrency });
  const redis: Record<string, number> = options.redisPid ? { 'redis-server': options.redisPid } : {};
  const services = () => ({
    ...Object.fromEntries(stack.gateways.map((gateway) => [gateway.name, gateway.child.pid!])),
    ...Object.fromEntries(stack.workers.map((worker) => [worker.name, worker.child.pid!])),
    [stack.pool.name]: stack.pool.child.pid!,
    ...redis,
  });
  return {
    name: options.name ?? 'platform',
    ttft: async (sample) => (await gatewayTtft(stack, stack.gatewayUrls[sample % stack.gatewayUrls.length]!, one, `ttft-${sample % 8}`)).ttftMs,
    direct: () => baseline.measure(),
    request: nonStreamCompletion(stack, many),
    pids: () => ({ ...services(), 'bench (clients + emulator)': process.pid }),
    serviceNames: () => Object.keys(services()),
    close: () => {
      one.destroy();
      many.destroy();
    },
  };
}

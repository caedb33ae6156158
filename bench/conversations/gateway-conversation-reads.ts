import { Agent } from 'node:http';
import type { ConversationList, CreateApiKeyResponse } from '@bedrock-mcp/contracts';
import type { TestRedis } from '@bedrock-mcp/test-support';
import { launchBenchGateway } from '../gateway/bench-gateway.js';
import { httpRequest } from '../gateway/bench-http.js';
import { closedLoopLoad } from '../gateway/bench-stats.js';
import { BENCH_USER, OPEN_LIMIT, PAGE, type ConversationReads } from './conversation-workload.js';

const SERVICE_KEY = 'bench-service-key';

async function getJson<T>(agent: Agent, url: string, apiKey: string): Promise<T> {
  const response = await httpRequest(agent, url, { method: 'GET', headers: { authorization: `Bearer ${apiKey}` } });
  if (response.status !== 200) throw new Error(`GET ${url}: ${response.status} ${response.text.slice(0, 300)}`);
  return JSON.parse(response.text) as T;
}

export interface ConversationGateway {
  /** The reads as a client makes them: GET /v1/conversations and /v1/conversations/{id}, with BENCH_USER's personal API key. */
  reads(agent: Agent): ConversationReads;
  pid: number;
  close(): Promise<void>;
}

/**
 * The gateway process alone (from its build unless BENCH_FROM_SOURCE=1) on the seeded Redis and
 * key prefix, and a personal API key for BENCH_USER made through POST /v1/keys, as a user makes one.
 */
export async function startConversationGateway(redis: TestRedis): Promise<ConversationGateway> {
  const gateway = await launchBenchGateway(redis, { apiKey: SERVICE_KEY, model: 'bench-model' });
  const setup = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    await gateway.ready();
    const created = await httpRequest(setup, `${gateway.url}/v1/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${SERVICE_KEY}`, 'x-user-id': BENCH_USER, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'bench' }),
    });
    if (created.status !== 201) throw new Error(`POST /v1/keys: ${created.status} ${created.text.slice(0, 300)}`);
    const apiKey = (JSON.parse(created.text) as CreateApiKeyResponse).key;
    return {
      pid: gateway.process.child.pid!,
      reads: (agent) => ({
        async list({ cursor, query }) {
          const params = new URLSearchParams({ limit: String(PAGE), ...(cursor ? { cursor } : {}), ...(query ? { q: query } : {}) });
          const page = await getJson<ConversationList>(agent, `${gateway.url}/v1/conversations?${params.toString()}`, apiKey);
          return { count: page.data.length, nextCursor: page.next_cursor };
        },
        async open(conversationId) {
          const conversation = await getJson<{ messages: unknown[] }>(agent, `${gateway.url}/v1/conversations/${conversationId}?message_limit=${OPEN_LIMIT}`, apiKey);
          return { messageCount: conversation.messages.length };
        },
      }),
      close: () => gateway.stop(),
    };
  } catch (error) {
    await gateway.stop();
    throw error;
  } finally {
    setup.destroy();
  }
}

/** `concurrency` clients (one keep-alive connection each) repeating one read for `seconds`: requests/s and latency, with the gateway's CPU per request. */
export async function measureConcurrentReads(
  label: string,
  gateway: ConversationGateway,
  options: { concurrency: number; seconds: number },
  /** One read; resolves true when its answer was right. */
  read: (reads: ConversationReads) => Promise<boolean>,
) {
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency });
  const reads = gateway.reads(agent);
  try {
    const load = await closedLoopLoad({
      concurrency: options.concurrency,
      seconds: options.seconds,
      warmupSeconds: 1,
      pids: { gateway: gateway.pid, bench: process.pid },
      request: () => read(reads),
    });
    const { p50, p99 } = load.latencyMs;
    console.log(
      `  ${label.padEnd(44)} ${load.perSecond}/s, ${load.failed} failed  p50 ${p50.toFixed(2)} ms  p99 ${p99.toFixed(2)} ms  CPU per request: gateway ${load.cpuMsPerCompletion.gateway} ms, client ${load.cpuMsPerCompletion.bench} ms`,
    );
    return { perSecond: load.perSecond, failed: load.failed, latencyMs: load.latencyMs, cpuMsPerRequest: load.cpuMsPerCompletion };
  } finally {
    agent.destroy();
  }
}
